import { describe, expect, it } from 'vitest';
import { addNotice, MODEL_UNAVAILABLE_CODES, modelUnavailableNotice, notice, NOTICES, withdrawNotices, type Notice, type NoticeCode } from '../../src/app/notices.ts';

/** Sample parameters for every catalogue entry that takes some. */
const PARAMS: Partial<Record<NoticeCode, Record<string, unknown>>> = {
  'model-damaged': { file: 'bge-small-en-v1.5/onnx/model_quantized.onnx' },
  'model-unreachable': { file: 'bge-small-en-v1.5/tokenizer.json' },
  'indexing-resumed': { done: 120, total: 400 },
  'webgpu-fallback': { reason: 'no WebGPU adapter is available on this device' },
  'offline-unavailable': { reason: 'this browser has no service workers' },
  'precomputed-unused': { reason: 'HTTP 500' },
  'storage-unavailable': { problem: 'IndexedDB is not available' },
  'storage-fallback': { reason: 'saving vectors failed (quota)' },
  'vectors-discarded': { problems: 'shard 3 is corrupt' },
  'import-rejected': { problem: 'papers.jsonl:3: expected one JSON object per line' },
  'import-not-saved': { name: 'papers.jsonl', reason: 'IndexedDB is not available' },
  'import-summary': { summary: 'refs.bib: 200 papers (12 with a title only), 3 duplicates merged.' },
  'storage-tight': { needed: '120.0 MB', available: '40.0 MB' },
  'library-deleted': { name: 'refs.bib', papers: 200, vectors: 180 },
  'library-failed': { action: 'rename the library', reason: 'a library needs a name' },
  'update-other-tabs': { count: 2 },
  'embedding-paused': { name: 'refs.bib', done: 64, total: 980 },
  'indexing-failed': { name: 'refs.bib', reason: 'the model stopped' },
  'map-failed': { reason: 'the map worker stopped' },
  'examples-unusable': { reason: 'A pinned paper is not in the current library.' },
  'examples-dropped': { count: 2, ids: 'p1, p2' },
  'library-deleted-elsewhere': { name: 'refs.bib' },
  'published-unreadable': { reason: 'library.json: the manifest lists 3 text shards for 96 papers, expected 2' },
  'published-vectors-failed': { reason: 'rows/r-0000.bin: HTTP 503' },
  'published-wrong-model': { library: 'all-MiniLM-L6-v2@1f2e', model: 'bge-small-en-v1.5@6c9c' },
  'published-offline-failed': { reason: 'keyword/s00012.bin: the browser refused to store it' },
  'part-unavailable': { parts: 'keyword search (keyword/s00001.bin: the file does not match its sha256)' },
  'query-cut': { length: 245760, kept: 3000 },
};

const JARGON = [/ERROR_CODE/i, /protobuf/i, /local_files_only/i, /undefined/, /\bnull\b/, /\[object /, /NaN/, /onnxruntime/i, /transformers\.js/i, /comlink/i];

const CODES = Object.keys(NOTICES) as NoticeCode[];
const build = (code: NoticeCode): Notice => (notice as (code: NoticeCode, params?: Record<string, unknown>) => Notice)(code, PARAMS[code]);

describe('notice catalogue', () => {
  it('has sample parameters for exactly the entries whose text uses them', () => {
    for (const code of CODES) {
      const usesParams = NOTICES[code].text.length > 0;
      expect(usesParams, code).toBe(code in PARAMS);
    }
  });

  it.each(CODES)('%s builds a notice with its code, level and plain words', (code) => {
    const built = build(code);
    expect(built.code).toBe(code);
    expect(built.level).toBe(NOTICES[code].level);
    expect(['info', 'warning']).toContain(built.level);
    expect(built.text.trim().length).toBeGreaterThan(20);
    for (const word of JARGON) expect(built.text).not.toMatch(word);
    // Every parameter given reaches the words.
    for (const value of Object.values(PARAMS[code] ?? {})) expect(built.text).toContain(String(value));
    expect(built.text).toMatch(/[.…]$/);
  });

  it('the retry action is offered by exactly the model-unavailable notices', () => {
    const withAction = CODES.filter((code) => build(code).action === 'retry-model');
    expect(withAction.sort()).toEqual([...MODEL_UNAVAILABLE_CODES].sort());
    expect(build('engine-restarting')).not.toHaveProperty('action');
    expect(build('published-vectors-failed').action).toBe('retry-published-vectors');
  });

  it('fills parameters into the words', () => {
    expect(notice('indexing-resumed', { done: 120, total: 400 }).text).toBe(
      'Indexing was interrupted and continues where it stopped (120 of 400 papers already embedded).',
    );
    expect(notice('model-damaged', { file: 'm/onnx/model_quantized.onnx' }).text).toContain('(m/onnx/model_quantized.onnx)');
  });
});

describe('addNotice and withdrawNotices', () => {
  const a = notice('engine-restarting');
  const b = notice('offline-lost');
  const c = notice('query-failed');

  it('appends a new code', () => {
    expect(addNotice([a], b)).toEqual([a, b]);
  });

  it('replaces a notice with the same code instead of stacking (newest words, moved last)', () => {
    const first = notice('indexing-resumed', { done: 1, total: 10 });
    const second = notice('indexing-resumed', { done: 5, total: 10 });
    const list = addNotice(addNotice(addNotice([], first), b), second);
    expect(list).toEqual([b, second]);
    expect(list.filter((n) => n.code === 'indexing-resumed')).toHaveLength(1);
  });

  it('does not modify the list it is given', () => {
    const list = [a, b];
    addNotice(list, c);
    withdrawNotices(list, 'engine-restarting');
    expect(list).toEqual([a, b]);
  });

  it('withdraws by code, several at once, and ignores codes not shown', () => {
    expect(withdrawNotices([a, b, c], 'offline-lost')).toEqual([a, c]);
    expect(withdrawNotices([a, b, c], 'engine-restarting', 'query-failed', 'model-damaged')).toEqual([b]);
    expect(withdrawNotices([a, b, c])).toEqual([a, b, c]);
  });
});

describe('modelUnavailableNotice', () => {
  it.each([
    ['files-damaged', 'model-damaged'],
    ['files-unreachable', 'model-unreachable'],
    ['runtime-failed', 'model-failed'],
    ['worker-lost', 'engine-crashing'],
  ] as const)('maps %s to %s with the retry action', (failure, code) => {
    const built = modelUnavailableNotice({ code: failure, file: 'bge/onnx/model_quantized.onnx' });
    expect(built.code).toBe(code);
    expect(built.level).toBe('warning');
    expect(built.action).toBe('retry-model');
    expect(MODEL_UNAVAILABLE_CODES).toContain(code);
  });

  it('names the file when there is one, and says "a model file" when not', () => {
    expect(modelUnavailableNotice({ code: 'files-damaged', file: 'bge/onnx/model_quantized.onnx' }).text).toContain('(bge/onnx/model_quantized.onnx)');
    const unnamed = modelUnavailableNotice({ code: 'files-unreachable' });
    expect(unnamed.text).toContain('(a model file)');
    expect(unnamed.text).not.toMatch(/undefined/);
  });

  it('an unknown code is a generic model failure', () => {
    expect(modelUnavailableNotice({ code: 'something-new' }).code).toBe('model-failed');
  });
});
