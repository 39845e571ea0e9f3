import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeVectorFile } from '../../src/index/vector-file.ts';

/**
 * Issue 17.2 / 17.3 on the real model: the vector cache makes a second publish embed only the papers added, and
 * embedding spread over N machines (`npm run index -- --shard i/N`, then `npm run merge-vectors`) gives the
 * published files of one machine byte for byte. 24 seed-dev papers (tests/fixtures), so shards hold
 * several batches each.
 */
const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'issue-17-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SEED = readFileSync('tests/fixtures/seed-dev/corpus.jsonl', 'utf8').trim().split('\n');
function corpusOf(lines: readonly string[], name: string): string {
  const file = join(dir, name);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

async function tool(script: string, args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', `tools/${script}.ts`, ...args, '--json'], { maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

/** Every file under `root`, relative path → bytes. */
function filesOf(root: string): Map<string, Buffer> {
  const entries = readdirSync(root, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
  return new Map(entries.map((entry) => [relative(root, join(entry.parentPath, entry.name)), readFileSync(join(entry.parentPath, entry.name))]));
}

describe('issue 17: incremental and sharded embedding', () => {
  const corpus = corpusOf(SEED.slice(0, 24), 'papers.jsonl');

  it('a second index run after adding papers embeds exactly the added ones', async () => {
    const cache = join(dir, 'cache-incremental');
    const first = await tool('index', ['--corpus', corpusOf(SEED.slice(0, 20), 'first.jsonl'), '--out', join(dir, 'inc'), '--cache-dir', cache]);
    expect(first).toMatchObject({ papers: 20, embedded: 20, reused: 0 });
    const second = await tool('index', ['--corpus', corpus, '--out', join(dir, 'inc'), '--cache-dir', cache]);
    expect(second).toMatchObject({ papers: 24, embedded: 4, reused: 20 });
  });

  // Four model loads and 48 embeddings: minutes on a busy 2-core machine.
  it('merging 3 shards gives the published files of one machine, byte for byte (exact and compressed)', { timeout: 900_000 }, async () => {
    const one = join(dir, 'cache-one');
    const single = await tool('index', ['--corpus', corpus, '--out', join(dir, 'one', 'exact'), '--layout', 'exact', '--cache-dir', one]);
    expect(single).toMatchObject({ papers: 24, embedded: 24 });
    await tool('index', ['--corpus', corpus, '--out', join(dir, 'one', 'compressed'), '--layout', 'compressed', '--cache-dir', one]);

    const many = join(dir, 'cache-many');
    const shards = join(dir, 'shards');
    let embedded = 0;
    for (let i = 0; i < 3; i++) {
      const report = await tool('index', ['--corpus', corpus, '--shard', `${i}/3`, '--shard-dir', join(shards, `runner-${i}`), '--cache-dir', many]);
      expect(report.missing).toBe(24);
      expect(report.embedded).toBeGreaterThan(0);
      embedded += Number(report.embedded);
    }
    expect(embedded).toBe(24);
    expect(await tool('merge-vectors', ['--shard-dir', shards, '--cache-dir', many])).toMatchObject({ files: 3, added: 24, known: 0 });
    const merged = await tool('index', ['--corpus', corpus, '--out', join(dir, 'many', 'exact'), '--layout', 'exact', '--cache-dir', many]);
    expect(merged).toMatchObject({ papers: 24, embedded: 0, reused: 24 });
    await tool('index', ['--corpus', corpus, '--out', join(dir, 'many', 'compressed'), '--layout', 'compressed', '--cache-dir', many]);

    for (const layout of ['exact', 'compressed']) {
      const a = filesOf(join(dir, 'one', layout));
      const b = filesOf(join(dir, 'many', layout));
      expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
      for (const [path, bytes] of a) expect(b.get(path)!.equals(bytes), `${layout}/${path}`).toBe(true);
    }
  });

  it('refuses a shard file made by another model, naming it', async () => {
    const shards = join(dir, 'foreign');
    const file = join(shards, 'shard-0-of-1.vec');
    mkdirSync(shards, { recursive: true });
    writeFileSync(file, encodeVectorFile({ modelKey: 'other-model@0123', dims: 2, ids: ['h'], hashes: ['h'], vectors: new Float32Array([1, 0]) }));
    const error = await run(process.execPath, ['--import', 'tsx', 'tools/merge-vectors.ts', '--shard-dir', shards, '--cache-dir', join(dir, 'c')]).catch((e: { stderr: string; code: number }) => e);
    expect(error).toMatchObject({ code: 1 });
    expect((error as { stderr: string }).stderr).toContain(`${file}: made by other-model@0123`);
  });
});
