import { describe, expect, it } from 'vitest';
import type { ImportFile, ImportProgress, ParsedLibrary, ParseOptions } from '../../src/library/import/import-api.ts';
import { corpusError } from '../../src/library/import/import-client.ts';
import { FILE_SET_ERROR_CODES, ImportService } from '../../src/library/import/import-service.ts';
import { parseLibrary } from '../../src/corpus/import.ts';
import { contentHash } from '../../src/base/paper-id.ts';
import { encodeIndexOutput, type ExpectedModel } from '../../src/library/import/precomputed-library.ts';
import type { Paper } from '../../src/base/paper.ts';
import { CORPUS_ERROR_CODES, CorpusFormatError, type CorpusErrorCode } from '../../src/corpus/types.ts';
import { quantizeRows } from '../../src/index/quantized-matrix.ts';
import { decodeVectorFile, encodeVectorFile } from '../../src/index/vector-file.ts';
import { fixtureBytes } from './import-helpers.ts';

const utf8 = (text: string) => new TextEncoder().encode(text);
const file = (name: string, content: string | Uint8Array): ImportFile => ({ name, bytes: typeof content === 'string' ? utf8(content) : content });

const MODEL: ExpectedModel = { modelKey: 'bge-small-en-v1.5@79cb630bdda34152', dims: 8 };

/** Parses through the service as the page does: parse(), then the papers in chunks. */
async function parse(files: ImportFile[], options: ParseOptions = {}, progress: ImportProgress[] = [], chunk = 2): Promise<ParsedLibrary> {
  const service = new ImportService();
  const outcome = await service.parse(files, options, (p) => progress.push(p));
  if (!outcome.ok) throw corpusError(outcome.error);
  const { count, ...head } = outcome.library;
  const papers: Paper[] = [];
  const hashes: string[] = [];
  for (let start = 0; start < count; start += chunk) {
    const part = await service.papers(start, Math.min(count, start + chunk));
    papers.push(...part.papers);
    hashes.push(...part.hashes);
  }
  return { ...head, papers, hashes };
}

async function parseError(files: ImportFile[], options: ParseOptions = {}): Promise<CorpusFormatError> {
  const error = await parse(files, options).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CorpusFormatError);
  return error as CorpusFormatError;
}

const PAPERS: Paper[] = [
  { id: 'p1', title: 'Malaria in children', abstract: 'Plasmodium falciparum causes fever.', authors: ['Ada Lovelace'], year: 2020, doi: '10.1234/abc' },
  { id: 'p2', title: 'Graph neural networks', abstract: 'Message passing on  graphs\nwith line breaks kept.', venue: 'NeurIPS', arxivId: '2101.00001' },
  { id: 'p3', title: 'Protein folding', abstract: '' },
];

/** Deterministic float vectors, one row per paper. */
function vectorsFor(count: number, dims = MODEL.dims, seed = 1): Float32Array {
  return Float32Array.from({ length: count * dims }, (_, i) => Math.sin((i + 1) * 0.7 * seed));
}

describe('ImportService: library files', () => {
  it('parses each format as parseLibrary does, with a content hash per paper', async () => {
    for (const name of ['library.jsonl', 'zotero-bbt.bib', 'endnote.ris', 'zotero.csv', 'zotero-csl.json', 'arxiv-api.xml']) {
      const expected = parseLibrary(name, fixtureBytes(name));
      const library = await parse([file(name, fixtureBytes(name))]);
      expect({ name, format: library.format }).toEqual({ name, format: expected.format });
      expect(library.papers).toEqual(expected.papers);
      expect(library.summary).toEqual(expected.summary);
      expect(library.hashes).toEqual(expected.papers.map(contentHash));
      expect(library.vectors).toBeNull();
    }
  });

  it('returns the papers in chunks of any size, in order', async () => {
    const text = Array.from({ length: 7 }, (_, i) => JSON.stringify({ title: `Paper ${i}`, text: `Abstract ${i}` })).join('\n');
    const one = await parse([file('a.jsonl', text)], {}, [], 1);
    const three = await parse([file('a.jsonl', text)], {}, [], 3);
    expect(three.papers.map((p) => p.title)).toEqual(Array.from({ length: 7 }, (_, i) => `Paper ${i}`));
    expect(one).toEqual(three);
  });

  it('passes the CSV column choice through', async () => {
    const csv = fixtureBytes('ambiguous.csv');
    expect((await parseError([file('ambiguous.csv', csv)])).code).toBe('ambiguous-columns');
    const library = await parse([file('ambiguous.csv', csv)], { columns: { title: 'title', abstract: 'abstract (translated)' } });
    expect(library.papers.map((p) => [p.title, p.abstract])).toEqual([['Un article', 'An English abstract.']]);
  });

  it('answers bad input with the error as data, and the client rebuilds the same CorpusFormatError', async () => {
    const service = new ImportService();
    const outcome = await service.parse([file('broken.jsonl', '{"title": "a"}\n{"title": "b",\n')], {}, () => {});
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    // Plain data: survives structured cloning (what comlink does) field for field.
    const cloned = structuredClone(outcome.error);
    expect(cloned).toEqual(outcome.error);
    const error = corpusError(cloned);
    expect(error).toBeInstanceOf(CorpusFormatError);
    expect(error).toMatchObject({ file: 'broken.jsonl', line: 2, code: 'malformed-json' });
    expect(error.message).toBe(`broken.jsonl:2: ${error.problem}`);
    await expect(service.papers(0, 1)).rejects.toThrow(/before a successful parse/);
  });

  it('keeps the column-choice details of an ambiguous CSV across the boundary', async () => {
    const outcome = await new ImportService().parse([file('ambiguous.csv', fixtureBytes('ambiguous.csv'))], {}, () => {});
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    const error = corpusError(structuredClone(outcome.error));
    expect(error.code).toBe('ambiguous-columns');
    expect(error).toMatchObject({ file: 'ambiguous.csv', line: 1 });
    expect(error.details).toEqual({ headers: ['title', 'abstract', 'abstract (translated)', 'year'], candidates: { title: ['title'], abstract: ['abstract', 'abstract (translated)'] } });
  });

  it('reports progress stage by stage, never going back, each stage ending complete', async () => {
    const text = Array.from({ length: 5000 }, (_, i) => JSON.stringify({ title: `Paper number ${i}`, text: `The abstract of paper ${i}.` })).join('\n');
    const bytes = utf8(text);
    const progress: ImportProgress[] = [];
    const library = await parse([file('many.jsonl', bytes)], {}, progress);
    expect(library.papers).toHaveLength(5000);
    const stages = progress.map((p) => p.stage).filter((stage, i, all) => stage !== all[i - 1]);
    expect(stages).toEqual(['reading', 'parsing', 'hashing']);
    for (const stage of stages) {
      const seen = progress.filter((p) => p.stage === stage);
      seen.forEach((p, i) => {
        expect(p.done).toBeLessThanOrEqual(p.total);
        if (i > 0) expect(p.done).toBeGreaterThanOrEqual(seen[i - 1].done);
      });
      expect(seen.at(-1)!.done).toBe(seen.at(-1)!.total);
    }
    expect(progress.find((p) => p.stage === 'parsing')!.total).toBe(bytes.length);
    expect(progress.filter((p) => p.stage === 'hashing').at(-1)!.total).toBe(5000);
  });

  it('refuses several library files, and no file at all', async () => {
    expect((await parseError([file('a.jsonl', '{"title": "a"}'), file('b.bib', '@article{b, title={b}}')])).code).toBe('too-many-files');
    expect((await parseError([])).code).toBe('empty');
  });
});

describe('ImportService: what npm run index writes', () => {
  const output = encodeIndexOutput(PAPERS, MODEL, vectorsFor(PAPERS.length));
  const rowsOf = (library: ParsedLibrary) => library.vectors!.rows;
  const expectedRows = quantizeRows(vectorsFor(PAPERS.length), MODEL.dims);

  it('corpus.json + vectors.bin: papers as written, and every vector with its paper', async () => {
    const progress: ImportProgress[] = [];
    const library = await parse([file('corpus.json', output.corpus), file('vectors.bin', output.vectors)], { expectedModel: MODEL }, progress);
    expect(library.format).toBe('index-output');
    expect(library.papers).toEqual(PAPERS);
    expect(library.hashes).toEqual(PAPERS.map(contentHash));
    expect(library.summary).toMatchObject({ records: 3, imported: 3, titleOnly: 1, skipped: [] });
    expect(library.vectors).toMatchObject({ modelKey: MODEL.modelKey, dims: MODEL.dims, hashes: library.hashes, missing: 0, unused: 0 });
    expect(rowsOf(library).data).toEqual(expectedRows.data);
    expect(rowsOf(library).scales).toEqual(expectedRows.scales);
    expect(progress.map((p) => p.stage).filter((s, i, all) => s !== all[i - 1])).toEqual(['reading', 'parsing', 'hashing', 'vectors']);
  });

  it('the pair in either order, and vectors.bin beside the original library file', async () => {
    const swapped = await parse([file('vectors.bin', output.vectors), file('corpus.json', output.corpus)], { expectedModel: MODEL });
    expect(swapped.papers).toEqual(PAPERS);
    expect(swapped.vectors?.hashes).toHaveLength(3);
    // Vectors are matched by content hash, so the export the index was made from works as well as its corpus.json.
    const jsonl = PAPERS.map((p) => JSON.stringify({ _id: p.id, title: p.title, text: p.abstract })).join('\n');
    const library = await parse([file('library.jsonl', jsonl), file('vectors.bin', output.vectors)], { expectedModel: MODEL });
    expect(library.format).toBe('jsonl');
    expect(library.vectors).toMatchObject({ missing: 0, unused: 0 });
  });

  it('library.psl alone: the same papers and vectors as the pair', async () => {
    const pair = await parse([file('corpus.json', output.corpus), file('vectors.bin', output.vectors)], { expectedModel: MODEL });
    const bundle = await parse([file('library.psl', output.bundle)], { expectedModel: MODEL });
    expect(bundle).toEqual(pair);
  });

  it('library.psl is a vector file the existing reader still reads, its papers in the header', () => {
    const plain = decodeVectorFile(output.vectors);
    const bundle = decodeVectorFile(output.bundle);
    expect(plain.papers).toBeUndefined();
    expect(bundle.papers).toEqual(PAPERS);
    expect({ ...bundle, papers: undefined }).toEqual({ ...plain, papers: undefined });
  });

  it('corpus.json alone imports as papers, with no vectors; pretty-printed, its errors give the line', async () => {
    const library = await parse([file('corpus.json', output.corpus)]);
    expect(library.papers).toEqual(PAPERS);
    expect(library.vectors).toBeNull();
    const pretty = JSON.stringify({ papers: [PAPERS[0], { ...PAPERS[1], title: 42 }] }, null, 2);
    const error = await parseError([file('corpus.json', pretty)]);
    expect(error.code).toBe('wrong-type');
    expect(error.line).toBe(pretty.split('\n').findIndex((line) => line.includes('"id": "p2"')));
    expect(error.problem).toMatch(/papers\[1\]/);
  });

  it('papers edited since indexing are left to embed; vectors of papers no longer there are dropped', async () => {
    const edited = [PAPERS[0], { ...PAPERS[1], abstract: 'A rewritten abstract.' }];
    const corpus = JSON.stringify({ papers: edited });
    const library = await parse([file('corpus.json', corpus), file('vectors.bin', output.vectors)], { expectedModel: MODEL });
    expect(library.vectors).toMatchObject({ hashes: [contentHash(PAPERS[0])], missing: 1, unused: 2 });
    expect(rowsOf(library).data).toEqual(expectedRows.data.slice(0, MODEL.dims));
    expect(rowsOf(library).scales).toEqual(expectedRows.scales.slice(0, 1));
  });

  it('reads a vector file given as a Node Buffer, a view into a shared pool (as the Node tools pass files)', async () => {
    const pooled = Buffer.from(output.vectors);
    expect(pooled.byteOffset > 0 || pooled.buffer.byteLength > pooled.length).toBe(true);
    const library = await parse([file('corpus.json', Buffer.from(output.corpus)), file('vectors.bin', pooled)], { expectedModel: MODEL });
    expect(rowsOf(library).data).toEqual(expectedRows.data);
    expect(rowsOf(library).scales).toEqual(expectedRows.scales);
  });

  it('float32 vector files (version 1) are read too, as int8 rows', async () => {
    const f32 = encodeIndexOutput(PAPERS, MODEL, vectorsFor(PAPERS.length), 'f32');
    const library = await parse([file('corpus.json', f32.corpus), file('vectors.bin', f32.vectors)], { expectedModel: MODEL });
    expect(rowsOf(library).data).toEqual(expectedRows.data);
  });

  it('refuses vectors from another model, naming both models, before reading the papers', async () => {
    const other = encodeIndexOutput(PAPERS, { modelKey: 'all-MiniLM-L6-v2@0123456789abcdef', dims: MODEL.dims }, vectorsFor(3));
    const error = await parseError([file('corpus.json', other.corpus), file('vectors.bin', other.vectors)], { expectedModel: MODEL });
    expect(error).toMatchObject({ code: 'vectors-wrong-model', file: 'vectors.bin' });
    expect(error.problem).toContain('all-MiniLM-L6-v2');
    expect(error.problem).toContain('bge-small-en-v1.5');
    const version = encodeIndexOutput(PAPERS, { modelKey: 'bge-small-en-v1.5@ffffffffffffffff', dims: MODEL.dims }, vectorsFor(3));
    const bundleError = await parseError([file('library.psl', version.bundle)], { expectedModel: MODEL });
    expect(bundleError.code).toBe('vectors-wrong-model');
    expect(bundleError.problem).toMatch(/another version of bge-small-en-v1.5/);
    // Refused before the papers are read: the corpus beside it is broken, and that is not what is reported.
    expect((await parseError([file('corpus.json', '{"papers": [oops'), file('vectors.bin', other.vectors)], { expectedModel: MODEL })).code).toBe('vectors-wrong-model');
  });

  it('refuses a vectors.bin chosen alone, and vectors that belong to none of the papers', async () => {
    expect(await parseError([file('vectors.bin', output.vectors)], { expectedModel: MODEL })).toMatchObject({ code: 'vectors-without-papers', file: 'vectors.bin' });
    const others = JSON.stringify({ papers: [{ id: 'x', title: 'Something else', abstract: 'Entirely.' }] });
    expect((await parseError([file('corpus.json', others), file('vectors.bin', output.vectors)])).code).toBe('vectors-other-papers');
  });

  it('refuses two vector files, a bundle with another library, and a damaged vector file', async () => {
    expect((await parseError([file('corpus.json', output.corpus), file('a.bin', output.vectors), file('b.bin', output.vectors)])).code).toBe('too-many-files');
    expect((await parseError([file('library.psl', output.bundle), file('corpus.json', output.corpus)])).code).toBe('too-many-files');
    const truncated = await parseError([file('corpus.json', output.corpus), file('vectors.bin', output.vectors.subarray(0, output.vectors.length - 5))]);
    expect(truncated).toMatchObject({ code: 'malformed-vectors', file: 'vectors.bin', line: 1 });
    expect(truncated.problem).toMatch(/expected \d+ bytes/);
  });

  it('a bundle whose papers are not papers is refused with the index of the bad one', async () => {
    const bad = encodeVectorFile({ modelKey: MODEL.modelKey, dims: MODEL.dims, ids: [], hashes: [], vectors: new Float32Array(0), papers: [{ id: 'a', title: 'ok' }, 'nope'] }, 'int8');
    const error = await parseError([file('library.psl', bad)], { expectedModel: MODEL });
    expect(error.code).toBe('not-an-object');
    expect(error.problem).toMatch(/papers\[1\]/);
  });

  it('every code only a set of files can give is in the catalogue, and each is produced by some files', async () => {
    const other = encodeIndexOutput(PAPERS, { modelKey: 'e5-small-v2@0000000000000000', dims: MODEL.dims }, vectorsFor(3));
    const producers: Record<(typeof FILE_SET_ERROR_CODES)[number], ImportFile[]> = {
      'too-many-files': [file('a.jsonl', '{"title": "a"}'), file('b.jsonl', '{"title": "b"}')],
      'malformed-vectors': [file('corpus.json', output.corpus), file('vectors.bin', output.vectors.subarray(0, 20))],
      'vectors-without-papers': [file('vectors.bin', output.vectors)],
      'vectors-wrong-model': [file('library.psl', other.bundle)],
      'vectors-other-papers': [file('a.jsonl', '{"title": "unrelated"}'), file('vectors.bin', output.vectors)],
    };
    expect(Object.keys(producers).sort()).toEqual([...FILE_SET_ERROR_CODES].sort());
    for (const [code, files] of Object.entries(producers)) {
      expect(CORPUS_ERROR_CODES[code as CorpusErrorCode].length).toBeGreaterThan(10);
      expect({ code: (await parseError(files, { expectedModel: MODEL })).code }).toEqual({ code });
    }
  });
});
