import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { int8Mean, signCodesFromInt8 } from '../../src/index/compressed/binary-codes.ts';
import { buildPublishedVectors, decodeRowsFile, type RowBatches } from '../../src/published/vectors/published-vectors.ts';
import { buildPublishedLibrary, encodeManifest } from '../../src/published/build-library.ts';
import { isPublishedLibraryError } from '../../src/published/errors.ts';
import { MAX_PUBLISHED_FILE_BYTES } from '../../src/base/files.ts';
import { chooseLayout, COMPRESSED_LAYOUT_FROM } from '../../src/published/layout-choice.ts';
import { allFiles, libraryId, parsePublishedManifest, PUBLISHED_MANIFEST_FILE, type PublishedManifest } from '../../src/published/manifest.ts';
import type { Int8Rows } from '../../src/index/quantized-matrix.ts';
import { bundledPapers, memorySink, syntheticRows } from './published-helpers.ts';

const DIMS = 384;
const papers = bundledPapers();
const rows = syntheticRows(papers.length, DIMS, 7);

/** A small library: 40 rows per rows file and 32 per codes file, so both parts span several files. */
async function publish() {
  const { sink, files } = memorySink();
  const { manifest, ms } = await buildPublishedLibrary(
    { name: 'daily papers', modelKey: 'test-model@0123456789abcdef', papers, rows, vectors: { rowsPerFile: 40, codesPerFile: 32 } },
    sink,
  );
  return { manifest, ms, files };
}

const built = await publish();

/** The manifest as the page gets it: encoded, fetched, parsed. */
const roundTrip = (manifest: PublishedManifest) => JSON.parse(new TextDecoder().decode(encodeManifest(manifest))) as unknown;

function manifestError(json: unknown): string {
  try {
    parsePublishedManifest(json, PUBLISHED_MANIFEST_FILE);
  } catch (error) {
    if (isPublishedLibraryError(error)) return error.code;
    throw error;
  }
  return 'accepted';
}

/** A deep copy of the built manifest, changed by `edit`. */
function edited(edit: (m: PublishedManifest) => void): unknown {
  const copy = structuredClone(roundTrip(built.manifest)) as PublishedManifest;
  edit(copy);
  return copy;
}

describe('a published library built in memory from the bundled papers', () => {
  it('lists every file the builders wrote, once, with its size and sha256, and nothing else', () => {
    const manifest = parsePublishedManifest(roundTrip(built.manifest), PUBLISHED_MANIFEST_FILE);
    const listed = allFiles(manifest);
    expect(listed.map((f) => f.path).sort()).toEqual([...built.files.keys()].sort());
    for (const file of listed) {
      const data = built.files.get(file.path)!;
      expect(file.bytes).toBe(data.byteLength);
      expect(file.sha256).toBe(createHash('sha256').update(data).digest('hex'));
      expect(file.bytes).toBeLessThan(MAX_PUBLISHED_FILE_BYTES);
    }
    expect(manifest.totalBytes).toBe(listed.reduce((sum, f) => sum + f.bytes, 0));
    expect(manifest.id).toBe(libraryId(listed));
    expect(manifest).toMatchObject({ format: 'paper-search-published', version: 1, count: 96, dims: DIMS, name: 'daily papers' });
  });

  it('puts every part in its folder and every paper in every part', () => {
    const { manifest } = built;
    for (const [part, files] of [['codes', manifest.codes.files], ['rows', manifest.rows.files], ['keyword', manifest.keyword.files], ['text', manifest.text.files]] as const) {
      expect(files.length).toBeGreaterThan(0);
      for (const file of files) expect(file.path.startsWith(`${part}/`)).toBe(true);
    }
    expect(manifest.rows.rowsPerFile).toEqual([40, 40, 16]);
    expect(manifest.codes.rowsPerFile).toEqual([32, 32, 32]);
    expect(manifest.keyword.docCount).toBe(96);
    expect(manifest.text.count).toBe(96);
  });

  it('stores the rows exactly (int8 values, then scales, per file) and the codes centred on the rows mean', () => {
    const { manifest, files } = built;
    const center = int8Mean(rows);
    expect(Float32Array.from(manifest.codes.center)).toEqual(center);
    let start = 0;
    manifest.rows.files.forEach((file, i) => {
      const n = manifest.rows.rowsPerFile[i];
      const decoded = decodeRowsFile(files.get(file.path)!, DIMS, n);
      expect(decoded.data).toEqual(rows.data.subarray(start * DIMS, (start + n) * DIMS));
      expect(decoded.scales).toEqual(rows.scales.subarray(start, start + n));
      start += n;
    });
    const codes = signCodesFromInt8(rows, center);
    const published = new Uint8Array(manifest.codes.files.flatMap((file) => [...files.get(file.path)!]));
    expect(published).toEqual(codes.data);
  });

  it('gives the same files from rows in batches as from rows whole, when the centre is the same', () => {
    const center = int8Mean(rows);
    const whole = memorySink();
    const batched = memorySink();
    const a = buildPublishedVectors(rows, whole.sink, { center, rowsPerFile: 40 });
    const batches: Int8Rows[] = [0, 17, 50, 96].slice(0, -1).map((from, i, starts) => {
      const to = starts[i + 1] ?? 96;
      return { dims: DIMS, data: rows.data.slice(from * DIMS, to * DIMS), scales: rows.scales.slice(from, to) };
    });
    const input: RowBatches = { dims: DIMS, count: 96, batches };
    const b = buildPublishedVectors(input, batched.sink, { center, rowsPerFile: 40 });
    expect(b).toEqual(a);
  });

  it('refuses batches that do not add up to the announced count', () => {
    const { sink } = memorySink();
    expect(() => buildPublishedVectors({ dims: DIMS, count: 97, batches: [rows] }, sink)).toThrow(/96 rows arrived, 97 announced/);
  });

  it('changes the id when any file changes', async () => {
    const other = await buildPublishedLibrary({ name: 'daily papers', modelKey: 'test-model@0123456789abcdef', papers, rows: syntheticRows(96, DIMS, 8) }, memorySink().sink);
    expect(other.manifest.id).not.toBe(built.manifest.id);
    expect(other.manifest.keyword.files).toEqual(built.manifest.keyword.files);
  });
});

describe('parsePublishedManifest', () => {
  it.each([
    ['another format', (m: PublishedManifest) => Object.assign(m, { format: 'something-else' })],
    ['a newer version', (m: PublishedManifest) => Object.assign(m, { version: 2 })],
    ['a count the parts do not hold', (m: PublishedManifest) => Object.assign(m, { count: 95 })],
    ['a file with a wrong size', (m: PublishedManifest) => (m.rows.files[0].bytes += 1)],
    ['a path leaving the folder', (m: PublishedManifest) => (m.text.files[0].path = 'text/../../etc/passwd')],
    ['a path in another part', (m: PublishedManifest) => (m.codes.files[0].path = 'rows/r-0000.bin')],
    ['a file listed twice', (m: PublishedManifest) => (m.text.files[1] = { ...m.text.files[0] })],
    ['a sha256 that is not hex', (m: PublishedManifest) => (m.keyword.files[0].sha256 = 'x'.repeat(64))],
    ['an id that does not match the files', (m: PublishedManifest) => (m.id = '0'.repeat(64))],
    ['a changed sha256 (id no longer matches)', (m: PublishedManifest) => (m.text.files[0].sha256 = '0'.repeat(64))],
    ['a wrong totalBytes', (m: PublishedManifest) => (m.totalBytes += 1)],
    ['a centre of other dims', (m: PublishedManifest) => m.codes.center.pop()],
    ['codes of another size', (m: PublishedManifest) => (m.codes.bytesPerCode = 96)],
    ['no keyword section', (m: PublishedManifest) => Object.assign(m, { keyword: null })],
    ['a keyword section for other papers', (m: PublishedManifest) => (m.keyword.docCount = 95)],
    ['a text section missing a shard', (m: PublishedManifest) => m.text.files.pop()],
    ['no modelKey', (m: PublishedManifest) => Object.assign(m, { modelKey: '' })],
  ])('refuses %s with manifest-invalid', (_, edit) => {
    expect(manifestError(edited(edit))).toBe('manifest-invalid');
  });

  it('refuses what is not an object, and accepts the manifest as built', () => {
    expect(manifestError([])).toBe('manifest-invalid');
    expect(manifestError('library')).toBe('manifest-invalid');
    expect(manifestError(roundTrip(built.manifest))).toBe('accepted');
  });

  it('names the problem and where the manifest came from', () => {
    expect(() => parsePublishedManifest(edited((m) => (m.rows.files[0].bytes += 1)), 'https://lab.example/library.json')).toThrow(
      /https:\/\/lab\.example\/library\.json: rows\/r-0000\.bin is listed with \d+ bytes/,
    );
  });
});

describe('layout choice', () => {
  it('takes the compressed layout from COMPRESSED_LAYOUT_FROM papers under auto, and what is asked otherwise', () => {
    expect(chooseLayout(COMPRESSED_LAYOUT_FROM - 1, 'auto')).toBe('exact');
    expect(chooseLayout(COMPRESSED_LAYOUT_FROM, 'auto')).toBe('compressed');
    expect(chooseLayout(10, 'compressed')).toBe('compressed');
    expect(chooseLayout(10 ** 7, 'exact')).toBe('exact');
  });
});
