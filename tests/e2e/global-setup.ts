import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startStaticServer } from './static-server.ts';

/**
 * The site's library comes from tests/fixtures, never from data/ or library.config.json (issue 17.4): a lab
 * that publishes its own corpus with `npm run publish` keeps these tests passing unchanged. seed-dev is the
 * 96 papers the tests were written for (ids p000..p095, the qrels' ids).
 */
export const SITE_CORPUS = resolve(import.meta.dirname, '..', 'fixtures', 'seed-dev', 'corpus.jsonl');
export const SITE_LIBRARY = {
  name: 'Daily Papers',
  description: 'The 96 papers these tests were written for.',
  about: 'Test abstracts: a Hugging Face Daily Papers listing; each abstract remains the work of its authors.',
};

/**
 * Builds the site exactly as GitHub Pages gets it (under a sub-path) and serves it as Pages does, with our own
 * static server (tests/e2e/static-server.ts): no COOP/COEP headers, so isolation must come from the service
 * worker. (`vite preview` would not do: it sends vite.config.ts's `server.headers` unless `preview.headers` is set.)
 * The same server takes fault-injection requests from the tests (tests/e2e/faults.ts).
 * E2E_SKIP_BUILD=1 reuses the last build (for iterating on tests); E2E_OUT_DIR=<dir> builds into / serves
 * another folder than .cache/e2e-site.
 */
export const BASE_PATH = '/paper-search/';
const ROOT = resolve(import.meta.dirname, '..', '..');
const OUT_DIR = resolve(ROOT, process.env.E2E_OUT_DIR || '.cache/e2e-site');
/** The benchmark pages (bench.html: the parity test embeds through it), built apart: the site never ships them. */
const BENCH_DIR = resolve(ROOT, process.env.E2E_BENCH_DIR || '.cache/e2e-bench');

declare module 'vitest' {
  export interface ProvidedContext {
    /** The served site, e.g. http://127.0.0.1:41234/paper-search/ (control endpoints at /__faults, /__requests). */
    baseUrl: string;
    /** The build output folder it serves. */
    siteDir: string;
    /** The benchmark pages' build (vite.bench.config.ts), served the same way under the same base path. */
    benchUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // vitest sets NODE_ENV=test, which would make vite build a development bundle (import.meta.env.PROD false).
  const env = { ...process.env, BASE_PATH, NODE_ENV: 'production' };
  if (!process.env.E2E_SKIP_BUILD) {
    // The exact layout, as a small site has; published.test.ts builds the compressed one from the same papers.
    const publish = ['--corpus', SITE_CORPUS, '--name', SITE_LIBRARY.name, '--description', SITE_LIBRARY.description, '--about', SITE_LIBRARY.about];
    publish.push('--layout', 'exact', '--out', OUT_DIR);
    execFileSync(process.execPath, ['--import', 'tsx', 'tools/publish.ts', ...publish], { cwd: ROOT, env, stdio: 'inherit' });
    const vite = resolve(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
    execFileSync(process.execPath, [vite, 'build', '--config', 'vite.bench.config.ts', '--outDir', BENCH_DIR, '--emptyOutDir'], { cwd: ROOT, env, stdio: 'inherit' });
  }
  const site = await startStaticServer(OUT_DIR, BASE_PATH);
  const index = await fetch(site.baseUrl);
  if (!index.ok) {
    await site.close();
    throw new Error(`no site at ${site.baseUrl} (${index.status}): is ${OUT_DIR} a build? (unset E2E_SKIP_BUILD to build it)`);
  }
  await index.arrayBuffer();
  const bench = await startStaticServer(BENCH_DIR, BASE_PATH);
  project.provide('baseUrl', site.baseUrl);
  project.provide('siteDir', OUT_DIR);
  project.provide('benchUrl', bench.baseUrl);
  return async () => {
    await site.close();
    await bench.close();
  };
}
