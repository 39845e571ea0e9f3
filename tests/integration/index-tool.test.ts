import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parseBeirCorpus } from '../../src/corpus/beir.ts';
import { contentHash, documentText } from '../../src/base/paper-id.ts';
import { loadNodeEncoder } from '../../src/embedding/node-encoder.ts';
import { cosine } from '../../src/index/cosine.ts';
import { QuantizedMatrix } from '../../src/index/quantized-matrix.ts';
import { decodeVectorFile } from '../../src/index/vector-file.ts';

/**
 * `npm run index` end to end on the real model: the shipped asset must carry the encoder's fingerprint key and
 * each paper's content hash, and its (int8) vectors must rank like vectors the Encoder computes in-process.
 */
const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'index-tool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const corpus = [
  { _id: 'a', title: 'Malaria in children', text: 'Plasmodium falciparum infection causes fever and anaemia in young children in sub-Saharan Africa.' },
  { _id: 'b', title: 'Graph neural networks', text: 'Message passing networks learn node representations for molecules and social graphs.' },
  { _id: 'c', title: 'Protein folding', text: 'Deep learning predicts three-dimensional protein structures from amino acid sequences.' },
];

describe('npm run index', () => {
  it('writes corpus.json and an int8 vectors.bin keyed by model fingerprint and content hashes', async () => {
    const corpusFile = join(dir, 'corpus.jsonl');
    writeFileSync(corpusFile, corpus.map((d) => JSON.stringify(d)).join('\n') + '\n');
    const out = join(dir, 'out');
    const { stdout } = await run('npx', ['tsx', 'tools/index.ts', '--corpus', corpusFile, '--out', out, '--no-cache']);
    expect(stdout).toMatch(/indexed 3 papers: embedded 3 .* docs\/s/);

    const papers = JSON.parse(readFileSync(join(out, 'corpus.json'), 'utf8')).papers;
    expect(papers).toEqual(parseBeirCorpus(readFileSync(corpusFile, 'utf8')));
    const file = decodeVectorFile(new Uint8Array(readFileSync(join(out, 'vectors.bin'))));
    expect(file.int8).toBeDefined();

    const encoder = await loadNodeEncoder('bge-small-en-v1.5');
    try {
      expect(file.modelKey).toBe(encoder.key);
      expect(file.hashes).toEqual(papers.map(contentHash));
      const fresh = await encoder.embedDocuments(papers.map(documentText));
      for (let i = 0; i < 3; i++) {
        expect(cosine(file.vectors.subarray(i * 384, (i + 1) * 384), fresh.subarray(i * 384, (i + 1) * 384))).toBeGreaterThan(0.999);
      }
      const query = await encoder.embedQuery('what causes fever in African children?');
      const scores = QuantizedMatrix.fromInt8(file.int8!).scores(query);
      expect(Array.from(scores).indexOf(Math.max(...scores))).toBe(0);
    } finally {
      await encoder.dispose();
    }
  });

  it('fails with a usage message when --out is missing', async () => {
    const error = await run('npx', ['tsx', 'tools/index.ts', '--corpus', 'x.jsonl']).catch((e: { stderr: string; code: number }) => e);
    expect(error).toMatchObject({ code: 1 });
    expect((error as { stderr: string }).stderr).toMatch(/--corpus and --out are required/);
  });
});
