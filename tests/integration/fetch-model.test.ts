import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fetchModel } from '../../tools/fetch-model.ts';
import { maven } from '../support/requirements.ts';

/**
 * The vendored model folder is reproducible: fetching it again from Maven Central gives the same bytes, file by
 * file (the provenance promise). Needs `mvn` and Maven Central, as CI has; reported as skipped without mvn.
 */
const ROOT = resolve(import.meta.dirname, '..', '..');
const VENDORED = resolve(ROOT, 'public/models/bge-small-en-v1.5');
const mvn = maven();

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('public/models/bge-small-en-v1.5/PROVENANCE.json', () => {
  it('lists the true sha256 of every vendored file (the cache keys are built from these hashes)', () => {
    const provenance = JSON.parse(readFileSync(join(VENDORED, 'PROVENANCE.json'), 'utf8')) as { sha256: Record<string, string> };
    const listed = Object.keys(provenance.sha256).sort();
    expect(listed).toEqual(filesUnder(VENDORED).map((path) => relative(VENDORED, path)).filter((f) => f !== 'PROVENANCE.json').sort());
    for (const file of listed) expect(sha256(join(VENDORED, file)), file).toBe(provenance.sha256[file]);
  });
});

describe.skipIf(!mvn.available)(`npm run fetch-model reproduces public/models/bge-small-en-v1.5${mvn.note}`, () => {
  const out = mkdtempSync(join(tmpdir(), 'fetch-model-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('byte for byte, every file', () => {
    fetchModel('bge-small-en-v1.5', false, out);
    const vendored = filesUnder(VENDORED).map((path) => relative(VENDORED, path)).sort();
    expect(filesUnder(out).map((path) => relative(out, path)).sort()).toEqual(vendored);
    for (const file of vendored) expect(sha256(join(out, file)), file).toBe(sha256(join(VENDORED, file)));
  });
});
