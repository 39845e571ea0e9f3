import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import type { TestProject } from 'vitest/node';

/**
 * Builds the site exactly as GitHub Pages gets it (under a sub-path) and serves it with `vite preview`,
 * which sends no COOP/COEP headers, so isolation must come from the service worker as on Pages.
 * E2E_SKIP_BUILD=1 reuses the last build (for iterating on tests).
 */
export const BASE_PATH = '/paper-search/';
const ROOT = resolve(import.meta.dirname, '..', '..');
const OUT_DIR = resolve(ROOT, '.cache', 'e2e-site');

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
  }
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? done(address.port) : fail(new Error('no port'))));
    });
  });
}

async function waitForServer(url: string, server: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`vite preview exited with code ${server.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`vite preview did not answer at ${url} within ${timeoutMs} ms`);
}

export default async function setup(project: TestProject): Promise<() => void> {
  // vitest sets NODE_ENV=test, which would make vite build a development bundle (import.meta.env.PROD false).
  const env = { ...process.env, BASE_PATH, NODE_ENV: 'production' };
  if (!process.env.E2E_SKIP_BUILD) {
    execFileSync('npm', ['run', 'build', '--', '--outDir', OUT_DIR, '--emptyOutDir'], { cwd: ROOT, env, stdio: 'inherit' });
  }
  const port = await freePort();
  const server = spawn(process.execPath, ['node_modules/vite/bin/vite.js', 'preview', '--outDir', OUT_DIR, '--port', String(port), '--strictPort', '--host', '127.0.0.1'], {
    cwd: ROOT,
    env,
    stdio: 'ignore',
  });
  const baseUrl = `http://127.0.0.1:${port}${BASE_PATH}`;
  await waitForServer(baseUrl, server);
  project.provide('baseUrl', baseUrl);
  return () => {
    server.kill();
  };
}
