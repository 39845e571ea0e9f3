import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/**
 * Debian's Chromium, headless, driven by Playwright (`npx playwright install` cannot download browsers
 * here). Each launch gets a fresh profile so no test sees another's service worker or IndexedDB.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const BASE_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface LaunchedBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

export interface LaunchOptions {
  /** Adds --enable-unsafe-webgpu, which gives headless Chromium a SwiftShader (CPU) WebGPU adapter. */
  webgpu?: boolean;
  serviceWorkers?: 'allow' | 'block';
  extraArgs?: string[];
}

/** A persistent context, because service workers and IndexedDB must survive reloads as in a real profile. */
export async function launch(options: LaunchOptions = {}): Promise<LaunchedBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'paper-search-e2e-'));
  const args = [...BASE_ARGS, ...(options.webgpu ? ['--enable-unsafe-webgpu'] : []), ...(options.extraArgs ?? [])];
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args,
    serviceWorkers: options.serviceWorkers ?? 'allow',
    viewport: { width: 1100, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Waits until the status element reports `state` (or fails with what the page shows instead). */
export async function waitForState(page: Page, state: 'ready' | 'error', timeoutMs = 240_000): Promise<void> {
  await page.waitForSelector(`[data-testid="status"][data-state="${state}"]`, { timeout: timeoutMs });
}

/** The whole ranking on screen: results below the relevance cut-off are revealed first (tests are about order). */
export async function resultIds(page: Page): Promise<string[]> {
  const weaker = await page.$('[data-testid="show-weaker"][aria-expanded="false"]');
  if (weaker) await weaker.click();
  return page.$$eval('[data-testid="result"]', (nodes) => nodes.map((n) => n.getAttribute('data-id') ?? ''));
}

export type { Page };

/** Runs `test` on a new page of a fresh browser profile, and always closes the browser. */
export async function withPage<T>(options: LaunchOptions, test: (page: Page, browser: LaunchedBrowser) => Promise<T>): Promise<T> {
  const browser = await launch(options);
  try {
    return await test(await browser.context.newPage(), browser);
  } finally {
    await browser.close();
  }
}
