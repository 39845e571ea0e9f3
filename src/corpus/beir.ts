import type { Paper } from '../base/paper.ts';
import { CorpusFormatError } from './types.ts';

/** BEIR layout: corpus.jsonl ({_id,title,text}), queries.jsonl ({_id,text}), qrels/<split>.tsv. Pure parsers. */

export interface Query {
  id: string;
  text: string;
}

/** query id -> (doc id -> graded relevance) */
export type Qrels = Map<string, Map<string, number>>;

function parseJsonLines<T>(source: string, file: string, read: (value: Record<string, unknown>, line: number) => T): T[] {
  const out: T[] = [];
  source.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((text, i) => {
    if (text.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new CorpusFormatError(file, i + 1, `expected one JSON object per line: ${(error as Error).message}`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new CorpusFormatError(file, i + 1, 'expected a JSON object');
    }
    out.push(read(value as Record<string, unknown>, i + 1));
  });
  return out;
}

function stringField(value: Record<string, unknown>, key: string, file: string, line: number, optional = false): string {
  const field = value[key];
  if (typeof field === 'string') return field;
  if (optional && field === undefined) return '';
  throw new CorpusFormatError(file, line, `expected a string field "${key}"`);
}

export function parseBeirCorpus(source: string, file = 'corpus.jsonl'): Paper[] {
  const seen = new Set<string>();
  return parseJsonLines(source, file, (value, line) => {
    const id = stringField(value, '_id', file, line);
    if (seen.has(id)) throw new CorpusFormatError(file, line, `duplicate _id "${id}"`);
    seen.add(id);
    return { id, title: stringField(value, 'title', file, line, true), abstract: stringField(value, 'text', file, line) };
  });
}

export function parseBeirQueries(source: string, file = 'queries.jsonl'): Query[] {
  // Metrics are keyed by query id: a repeated id would silently merge two queries' judgements.
  const seen = new Set<string>();
  return parseJsonLines(source, file, (value, line) => {
    const id = stringField(value, '_id', file, line);
    if (seen.has(id)) throw new CorpusFormatError(file, line, `duplicate _id "${id}"`);
    seen.add(id);
    return { id, text: stringField(value, 'text', file, line) };
  });
}

/** Reads a qrels TSV; every doc id must exist in the corpus (a typo there would silently lower every metric). */
export function parseQrels(source: string, knownDocIds: ReadonlySet<string>, file = 'qrels.tsv'): Qrels {
  const qrels: Qrels = new Map();
  const judged = new Map<string, number>();
  source.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((text, i) => {
    const line = i + 1;
    if (text.trim() === '' || (line === 1 && text.startsWith('query-id'))) return;
    const cols = text.split('\t');
    if (cols.length !== 3) throw new CorpusFormatError(file, line, `expected 3 tab-separated columns (query-id, corpus-id, score), found ${cols.length}`);
    const [queryId, docId, scoreText] = cols;
    // Number('') and Number(' ') are 0: an empty score column must not read as "not relevant".
    const score = /^\s*-?\d+(\.\d+)?\s*$/.test(scoreText) ? Number(scoreText) : NaN;
    if (!Number.isFinite(score)) throw new CorpusFormatError(file, line, `expected a numeric score, found "${scoreText}"`);
    if (!knownDocIds.has(docId)) throw new CorpusFormatError(file, line, `corpus-id "${docId}" is not in the corpus`);
    const pair = JSON.stringify([queryId, docId]);
    const first = judged.get(pair);
    if (first !== undefined) throw new CorpusFormatError(file, line, `duplicate judgement of corpus-id "${docId}" for query-id "${queryId}" (first on line ${first})`);
    judged.set(pair, line);
    let docs = qrels.get(queryId);
    if (!docs) qrels.set(queryId, (docs = new Map()));
    docs.set(docId, score);
  });
  return qrels;
}
