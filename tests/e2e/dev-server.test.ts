import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { expect, test } from 'vitest';
import { launch, resultIds, waitForState } from './browser.ts';
import { idOf, notices } from './helpers.ts';

/**
 * `npm run dev` is how a newcomer first sees the app (README): the dev server (no service worker, headers from
 * vite.config.ts) must reach ready and answer. Regression: the app once waited forever for a service worker
 * registration that the dev server never makes. (public/corpus/ exists: the global setup's build wrote it.)
 */
const ROOT = resolve(import.meta.dirname, '..', '..');

function freePort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

test('the dev server serves a working app (no service worker, still threaded, says it is online only)', async () => {
  const port = await freePort();
  const server = spawn(process.execPath, ['node_modules/vite/bin/vite.js', '--port', String(port), '--strictPort', '--host', '127.0.0.1'], { cwd: ROOT, stdio: 'ignore' });
  const browser = await launch();
  try {
    const page = await browser.context.newPage();
    const url = `http://127.0.0.1:${port}/?q=a%20German%20language%20model`;
    for (let attempt = 0; ; attempt++) {
      try {
        await page.goto(url);
        break;
      } catch (error) {
        if (attempt > 50) throw error; // server not listening yet
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    await waitForState(page, 'ready');
    await page.waitForSelector('[data-testid="result"]');
    expect((await resultIds(page))[0]).toBe(idOf('GottBERT'));
    expect(await page.getAttribute('[data-testid="offline"]', 'data-ready')).toBe('false');
    expect(await notices(page)).toContain('offline-unavailable');
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  } finally {
    await browser.close();
    server.kill();
  }
});
