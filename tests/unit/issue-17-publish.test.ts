import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { siteInfoFrom, DEFAULT_LIBRARY_NAME } from '../../src/app/site-info.ts';
import { buildPublishedLibrary } from '../../src/published/build-library.ts';
import type { Int8Rows } from '../../src/index/quantized-matrix.ts';
import { UsageError } from '../../tools/cli.ts';
import { readConfig, resolveSettings } from '../../tools/publish.ts';
import { updateFriendlyVectors, UPDATE_CODES_PER_FILE } from '../../tools/publish-files.ts';
import { checkSite, SiteLimitError } from '../../tools/site-limits.ts';
import { parseShard } from '../../tools/vector-shards.ts';
import { bundledPapers, memorySink, syntheticRows } from './published-helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'issue-17-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function site(name: string, files: Record<string, number>): string {
  const root = join(dir, name);
  for (const [path, bytes] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), new Uint8Array(bytes));
  }
  return root;
}

describe('issue 17: the site is checked against GitHub Pages limits', () => {
  const limits = { site: 1000, file: 400 };

  it('passes a site within the limits and counts its files and bytes', () => {
    expect(checkSite(site('ok', { 'index.html': 100, 'corpus/vectors.bin': 400 }), limits)).toEqual({ files: 2, bytes: 500 });
  });

  it('refuses a file over the per-file limit, naming it', () => {
    const root = site('big-file', { 'index.html': 10, 'models/model.onnx': 401 });
    expect(() => checkSite(root, limits)).toThrow(SiteLimitError);
    expect(() => checkSite(root, limits)).toThrow(`${join(root, 'models/model.onnx')} is 0.0 MB`);
  });

  it('refuses a site over the total limit, naming the largest file', () => {
    expect(() => checkSite(site('big-site', { 'a.bin': 400, 'b.bin': 390, 'c/d.bin': 300 }), limits)).toThrow(/at most .*largest file a\.bin/);
  });

  it('refuses a stray library.psl', () => {
    const root = site('psl', { 'index.html': 10, 'corpus/library.psl': 10 });
    expect(() => checkSite(root, limits)).toThrow(`${join(root, 'corpus/library.psl')}: a library file (.psl) does not belong in the site`);
  });
});

describe('issue 17: publish settings (flags over library.config.json)', () => {
  const corpus = join(dir, 'papers.bib');
  writeFileSync(corpus, '@article{a, title={A}}\n');
  const config = join(dir, 'library.config.json');
  writeFileSync(config, JSON.stringify({ corpus: 'papers.bib', name: 'Lab papers', about: 'CC BY 4.0', layout: 'compressed' }));

  it('reads the config, with the corpus relative to its folder', () => {
    expect(resolveSettings({ config }, dir)).toEqual({ corpus, name: 'Lab papers', description: '', about: 'CC BY 4.0', layout: 'compressed', out: join(dir, 'dist') });
  });

  it('lets flags override the config', () => {
    expect(resolveSettings({ config, name: 'Other', layout: 'exact', out: join(dir, 'site') }, dir)).toMatchObject({ name: 'Other', layout: 'exact', out: join(dir, 'site') });
  });

  it('reads library.config.json in the folder when no --corpus is given', () => {
    expect(resolveSettings({}, dir).name).toBe('Lab papers');
  });

  it('refuses what it cannot use, saying what and where', () => {
    expect(() => resolveSettings({ corpus }, dir)).toThrow('--name is required');
    expect(() => resolveSettings({ corpus: join(dir, 'missing.bib'), name: 'x' }, dir)).toThrow(`--corpus ${join(dir, 'missing.bib')}: no such file`);
    expect(() => resolveSettings({ corpus, name: 'x', layout: 'tiny' }, dir)).toThrow('--layout must be auto, exact or compressed, not "tiny"');
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ corpus: 'papers.bib', title: 'x' }));
    expect(() => readConfig(bad)).toThrow(UsageError);
    expect(() => readConfig(bad)).toThrow(`${bad}: unknown setting "title"`);
  });
});

describe('issue 17: small pieces', () => {
  it('parses --shard i/N and refuses anything else', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    for (const bad of ['4/4', '1', '-1/3', '0/0', 'a/b']) expect(() => parseShard(bad), bad).toThrow(UsageError);
  });

  it('the page shows the publisher\'s name, description and about line, with neutral defaults', () => {
    expect(siteInfoFrom({})).toEqual({ name: DEFAULT_LIBRARY_NAME, description: '', about: '' });
    expect(siteInfoFrom({ VITE_LIBRARY_NAME: ' Lab ', VITE_LIBRARY_DESCRIPTION: 'Ours', VITE_LIBRARY_ABOUT: 'CC BY' })).toEqual({ name: 'Lab', description: 'Ours', about: 'CC BY' });
  });
});

/** The first `count` rows of `rows`. */
function head(rows: Int8Rows, count: number): Int8Rows {
  return { dims: rows.dims, data: rows.data.subarray(0, count * rows.dims), scales: rows.scales.subarray(0, count) };
}

describe('issue 17: a republished library keeps its unchanged code bytes', () => {
  const papers = bundledPapers();
  const rows = syntheticRows(papers.length, 64, 17);
  const build = async (count: number, previous: Parameters<typeof updateFriendlyVectors>[0]) => {
    const { sink, files } = memorySink();
    const options = updateFriendlyVectors(previous, 'model@1', 64, count);
    const { manifest } = await buildPublishedLibrary({ name: 'x', modelKey: 'model@1', papers: papers.slice(0, count), rows: head(rows, count), vectors: options }, sink);
    return { manifest, codes: files.get('codes/c-0000.bin')! };
  };

  it('reuses the previous centre (same model, not doubled), so the old papers\' codes are the same bytes', async () => {
    const first = await build(60, null);
    const bytesPerCode = first.manifest.codes.bytesPerCode;
    const kept = await build(96, first.manifest);
    expect(kept.manifest.codes.center).toEqual(first.manifest.codes.center);
    expect(kept.codes.subarray(0, 60 * bytesPerCode)).toEqual(first.codes);
    // Without it the centre moves with the added papers, and old codes change.
    const fresh = await build(96, null);
    expect(fresh.codes.subarray(0, 60 * bytesPerCode)).not.toEqual(first.codes);
  });

  it('recomputes the centre for another model or a library more than doubled', async () => {
    const first = await build(40, null);
    expect(updateFriendlyVectors(first.manifest, 'model@2', 64, 50).center).toBeUndefined();
    expect(updateFriendlyVectors(first.manifest, 'model@1', 64, 81).center).toBeUndefined();
    expect(updateFriendlyVectors(first.manifest, 'model@1', 64, 80)).toMatchObject({ codesPerFile: UPDATE_CODES_PER_FILE });
    expect(updateFriendlyVectors(first.manifest, 'model@1', 64, 80).center).toBeDefined();
  });
});
