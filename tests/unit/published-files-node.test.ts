import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildPublishedLibrary, encodeManifest } from '../../src/published/build-library.ts';
import { allFiles, PUBLISHED_MANIFEST_FILE } from '../../src/published/manifest.ts';
import { listedFiles, nodeFileSink, removeFiles } from '../../tools/publish-files.ts';
import { bundledPapers, syntheticRows } from './published-helpers.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe('the Node file sink of npm run index', () => {
  it('writes each file under its path with the sha256 it reports, leaves no temporary files, and tallies parts', async () => {
    const root = mkdtempSync(join(tmpdir(), 'publish-'));
    dirs.push(root);
    const papers = bundledPapers();
    const { sink, tally } = nodeFileSink(root);
    const { manifest } = await buildPublishedLibrary({ name: 'daily', modelKey: 'm@0', papers, rows: syntheticRows(papers.length, 32, 1) }, sink);
    writeFileSync(join(root, PUBLISHED_MANIFEST_FILE), encodeManifest(manifest));
    for (const file of allFiles(manifest)) {
      const data = readFileSync(join(root, file.path));
      expect(data.length).toBe(file.bytes);
      expect(createHash('sha256').update(data).digest('hex')).toBe(file.sha256);
    }
    expect(readdirSync(root, { recursive: true }).filter((name) => String(name).endsWith('.tmp'))).toEqual([]);
    expect(tally.files).toBe(allFiles(manifest).length);
    expect(tally.bytes).toBe(manifest.totalBytes);
    expect([...tally.byPart.keys()].sort()).toEqual(['codes', 'keyword', 'rows', 'text']);
    expect(tally.largest?.bytes).toBe(Math.max(...allFiles(manifest).map((f) => f.bytes)));

    // Switching layouts removes exactly what the manifest lists (and folders left empty), nothing of the user's.
    writeFileSync(join(root, 'text', 'notes.txt'), 'mine');
    const listed = listedFiles(root);
    expect(listed?.sort()).toEqual(allFiles(manifest).map((f) => f.path).sort());
    expect(removeFiles(root, [PUBLISHED_MANIFEST_FILE, ...listed!])).toBe(listed!.length + 1);
    expect(readdirSync(root).sort()).toEqual(['text']);
    expect(readdirSync(join(root, 'text'))).toEqual(['notes.txt']);
    expect(listedFiles(root)).toBeNull();
    expect(existsSync(join(root, 'codes'))).toBe(false);
  });
});
