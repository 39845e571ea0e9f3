import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBeirCorpus, parseBeirQueries, parseQrels, type Qrels, type Query } from '../corpus/beir.ts';
import type { Paper } from '../base/paper.ts';
import { CorpusFormatError } from '../corpus/types.ts';

/** A BEIR-layout folder read from disk: corpus.jsonl, queries.jsonl, qrels/<split>.tsv. */
export interface BeirDataset {
  dir: string;
  split: string;
  papers: Paper[];
  queries: Query[];
  qrels: Qrels;
}

function readRequired(file: string): string {
  if (!existsSync(file)) throw new CorpusFormatError(file, 0, 'file not found');
  return readFileSync(file, 'utf8');
}

/** test when the folder has it, else train (SciFact as shipped to us has only train). */
export function defaultSplit(dir: string): string {
  for (const split of ['test', 'train']) if (existsSync(join(dir, 'qrels', `${split}.tsv`))) return split;
  throw new CorpusFormatError(join(dir, 'qrels'), 0, 'no qrels/test.tsv or qrels/train.tsv');
}

/** The 1-based line of the first qrels row whose query id is not in queries.jsonl (0 when all are known). */
function lineOfUnknownQuery(source: string, knownQueryIds: ReadonlySet<string>): { line: number; id: string } | null {
  const lines = source.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i];
    if (text.trim() === '' || (i === 0 && text.startsWith('query-id'))) continue;
    const id = text.split('\t')[0];
    if (!knownQueryIds.has(id)) return { line: i + 1, id };
  }
  return null;
}

export function loadBeirDataset(dir: string, split = defaultSplit(dir)): BeirDataset {
  const corpusFile = join(dir, 'corpus.jsonl');
  const queriesFile = join(dir, 'queries.jsonl');
  const qrelsFile = join(dir, 'qrels', `${split}.tsv`);
  const papers = parseBeirCorpus(readRequired(corpusFile), corpusFile);
  const queries = parseBeirQueries(readRequired(queriesFile), queriesFile);
  const qrelsSource = readRequired(qrelsFile);
  const qrels = parseQrels(qrelsSource, new Set(papers.map((p) => p.id)), qrelsFile);
  // A judged query that is missing from queries.jsonl would silently drop out of every average.
  const unknown = lineOfUnknownQuery(qrelsSource, new Set(queries.map((q) => q.id)));
  if (unknown) throw new CorpusFormatError(qrelsFile, unknown.line, `query-id "${unknown.id}" is not in ${queriesFile}`);
  return { dir, split, papers, queries, qrels };
}
