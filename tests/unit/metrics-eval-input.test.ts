import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultSplit, loadBeirDataset } from '../../src/eval/dataset.ts';

/** A tiny BEIR folder written by the test (never the licensed benchmark data). */
function beirFolder(files: { corpus?: string; queries?: string; qrels?: Record<string, string> }): string {
  const dir = mkdtempSync(join(tmpdir(), 'beir-'));
  mkdirSync(join(dir, 'qrels'));
  const corpus = [
    { _id: 'd1', title: 'Protein folding', text: 'Deep networks predict protein structure.' },
    { _id: 'd2', title: 'Optimizers', text: 'Eight-bit optimizer states save memory.' },
    { _id: 'd3', title: 'Survey', text: 'A survey of graph neural networks.' },
  ];
  const queries = [
    { _id: 'q1', text: 'protein structure prediction' },
    { _id: 'q2', text: 'optimizer memory' },
    { _id: 'q3', text: 'unjudged query' },
  ];
  writeFileSync(join(dir, 'corpus.jsonl'), files.corpus ?? corpus.map((c) => JSON.stringify(c)).join('\n') + '\n');
  writeFileSync(join(dir, 'queries.jsonl'), files.queries ?? queries.map((q) => JSON.stringify(q)).join('\n') + '\n');
  for (const [split, text] of Object.entries(files.qrels ?? { test: 'query-id\tcorpus-id\tscore\nq1\td1\t2\nq2\td2\t1\n' })) {
    writeFileSync(join(dir, 'qrels', `${split}.tsv`), text);
  }
  return dir;
}

describe('loadBeirDataset', () => {
  it('reads the three files and prefers test over train', () => {
    const dir = beirFolder({ qrels: { train: 'query-id\tcorpus-id\tscore\nq1\td1\t1\n', test: 'query-id\tcorpus-id\tscore\nq2\td2\t1\n' } });
    expect(defaultSplit(dir)).toBe('test');
    const data = loadBeirDataset(dir);
    expect(data.papers).toHaveLength(3);
    expect([...data.qrels.keys()]).toEqual(['q2']);
    expect([...loadBeirDataset(dir, 'train').qrels.keys()]).toEqual(['q1']);
  });

  it('falls back to train when there is no test split', () => {
    expect(defaultSplit(beirFolder({ qrels: { train: 'q1\td1\t1\n' } }))).toBe('train');
  });

  it('names file and line for a malformed corpus line, an unknown doc id, an unknown query id, a missing file', () => {
    const badCorpus = beirFolder({ corpus: '{"_id":"d1","title":"t","text":"x"}\n{"_id": "d2", oops}\n' });
    expect(() => loadBeirDataset(badCorpus)).toThrow(`${join(badCorpus, 'corpus.jsonl')}:2:`);
    const badDoc = beirFolder({ qrels: { test: 'query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td9\t1\n' } });
    expect(() => loadBeirDataset(badDoc)).toThrow(`${join(badDoc, 'qrels', 'test.tsv')}:3: corpus-id "d9" is not in the corpus`);
    const badQuery = beirFolder({ qrels: { test: 'query-id\tcorpus-id\tscore\nq1\td1\t1\nq7\td2\t1\n' } });
    expect(() => loadBeirDataset(badQuery)).toThrow(`${join(badQuery, 'qrels', 'test.tsv')}:3: query-id "q7" is not in`);
    expect(() => loadBeirDataset(badQuery, 'dev')).toThrow(`${join(badQuery, 'qrels', 'dev.tsv')}:0: file not found`);
  });
});

describe('npm run eval (keyword mode: no model needed)', () => {
  const run = (args: string[]) => execFileSync('npx', ['tsx', 'tools/eval.ts', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

  it('prints the metrics and, with --json, ends with one JSON object; unjudged queries are skipped', () => {
    const out = run(['--data', beirFolder({}), '--mode', 'keyword', '--json']).trim().split('\n');
    const result = JSON.parse(out[out.length - 1]);
    expect(result).toMatchObject({ queries: 2, docs: 3, mode: 'keyword', model: null, split: 'test' });
    // Both judged queries find their document first with BM25 here: every metric is 1.
    expect(result['ndcg@10']).toBe(1);
    expect(result['mrr@10']).toBe(1);
    expect(result['recall@10']).toBe(1);
    expect(result['recall@100']).toBe(1);
    expect(out.some((line) => line.startsWith('nDCG@10 100.00'))).toBe(true);
  }, 60_000);

  it('stops with file:line on bad input', () => {
    const dir = beirFolder({ qrels: { test: 'query-id\tcorpus-id\tscore\nq1\td1\tx\n' } });
    let message = '';
    try {
      run(['--data', dir, '--mode', 'keyword']);
    } catch (error) {
      message = String((error as { stderr: string }).stderr);
    }
    expect(message).toContain(`${join(dir, 'qrels', 'test.tsv')}:2: expected a numeric score`);
  }, 60_000);
});
