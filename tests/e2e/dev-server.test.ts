import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { describe, expect, inject, test } from 'vitest';
import { launch, resultIds, waitForState, type Page } from './browser.ts';
import { appUrl, idOf, notices } from './helpers.ts';
import { BASE_PATH } from './global-setup.ts';
import { stagedPublicDir } from '../../tools/publish.ts';

/**
 * `npm run dev` is how a newcomer first sees the app (README): the dev server (no service worker, headers from
 * vite.config.ts) must reach ready and answer. Regression: the app once waited forever for a service worker
 * registration that the dev server never makes. It serves the public folder the e2e site was published from
 * (models and the fixture corpus), as `npm run dev` serves public/ after indexing data/.
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

/** Starts `vite <args>` on a free port; the server answers once `page.goto` stops failing (see openWhenUp). */
async function startVite(args: string[], env: NodeJS.ProcessEnv = { ...process.env, PAPER_SEARCH_PUBLIC_DIR: stagedPublicDir(inject('siteDir')) }) {
  const port = await freePort();
  const server = spawn(process.execPath, ['node_modules/vite/bin/vite.js', ...args, '--port', String(port), '--strictPort', '--host', '127.0.0.1'], { cwd: ROOT, stdio: 'ignore', env });
  return { origin: `http://127.0.0.1:${port}`, stop: () => server.kill() };
}

async function openWhenUp(page: Page, url: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await page.goto(url);
      return;
    } catch (error) {
      if (attempt > 50) throw error; // server not listening yet
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

test('the dev server serves a working app (no service worker, still threaded, says it is online only)', async () => {
  const vite = await startVite([]);
  const browser = await launch();
  try {
    const page = await browser.context.newPage();
    await openWhenUp(page, `${vite.origin}/?q=a%20German%20language%20model`);
    await waitForState(page, 'ready');
    await page.waitForSelector('[data-testid="result"]');
    expect((await resultIds(page))[0]).toBe(idOf('GottBERT'));
    expect(await page.getAttribute('[data-testid="offline"]', 'data-ready')).toBe('false');
    expect(await notices(page)).toContain('offline-unavailable');
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  } finally {
    await browser.close();
    vite.stop();
  }
});

/**
 * Issue 18.3: `vite dev` and `vite preview` answer the missing corpus/library.json with the page itself (200,
 * text/html); the Pages-like server answers 404. Each means "no published library": no notice about it.
 */
describe('issue 18: a clean first screen on every server (library.json missing or answered with HTML)', () => {
  async function firstScreenNotices(url: string, expectHtmlForManifest: boolean): Promise<string[]> {
    const browser = await launch();
    try {
      const page = await browser.context.newPage();
      await openWhenUp(page, url);
      await waitForState(page, 'ready');
      await page.waitForSelector('[data-testid="result"]');
      const manifest = await page.evaluate(async () => {
        const response = await fetch(new URL('corpus/library.json', document.baseURI));
        return { status: response.status, type: response.headers.get('content-type') ?? '' };
      });
      // The case under test is really the one this server makes.
      expect(manifest.status === 200 && manifest.type.startsWith('text/html')).toBe(expectHtmlForManifest);
      return await notices(page);
    } finally {
      await browser.close();
    }
  }

  test('vite dev', async () => {
    const vite = await startVite([]);
    try {
      expect(await firstScreenNotices(`${vite.origin}/`, true)).not.toContain('published-unreadable');
    } finally {
      vite.stop();
    }
  });

  test('vite preview of the built site', async () => {
    const vite = await startVite(['preview', '--outDir', inject('siteDir')], { ...process.env, BASE_PATH });
    try {
      expect(await firstScreenNotices(`${vite.origin}${BASE_PATH}`, true)).not.toContain('published-unreadable');
    } finally {
      vite.stop();
    }
  });

  test('the Pages-like static server', async () => {
    expect(await firstScreenNotices(appUrl(), false)).not.toContain('published-unreadable');
  });
});
