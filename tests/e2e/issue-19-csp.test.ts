import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import type { Worker } from 'playwright-core';
import { launch, waitForState, type LaunchedBrowser, type Page } from './browser.ts';
import { appUrl, idOf, importFile, jsonl, openLibrary, search } from './helpers.ts';

/**
 * Issue 19, point 6: the built page carries a Content-Security-Policy (a <meta> tag: GitHub Pages sends no
 * headers), and nothing the app does (search, import, the map, offline) runs into it.
 */

interface Violation {
  directive: string;
  blocked: string;
  source: string;
  line: number;
}

/** Collects every securitypolicyviolation of every document the page loads (the offline reload included). */
function recordViolations(): void {
  const w = window as unknown as { cspViolations?: Violation[] };
  w.cspViolations = [];
  document.addEventListener('securitypolicyviolation', (event) => {
    w.cspViolations!.push({ directive: event.effectiveDirective, blocked: event.blockedURI, source: event.sourceFile, line: event.lineNumber });
  });
}

/**
 * Installed in every dedicated worker the page starts: a worker's violations fire at its own global scope, not at
 * the document, so each is logged to the console, which the page's console listener collects (worker messages
 * reach it too). A worker may already have run for a moment before this is installed; the console listener also
 * catches Chromium's own log of any violation, heard or not.
 */
function recordWorkerViolations(): void {
  self.addEventListener('securitypolicyviolation', (event) => {
    console.error(`Content Security Policy violation in a worker: ${event.effectiveDirective} blocked ${event.blockedURI} (${event.sourceFile}:${event.lineNumber})`);
  });
}

const violations = (page: Page) => page.evaluate(() => (window as unknown as { cspViolations: Violation[] }).cspViolations);

/** The policy as the built index.html states it, directive → sources. */
function builtPolicy(): Map<string, string[]> {
  const html = readFileSync(join(inject('siteDir'), 'index.html'), 'utf8');
  const content = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/i.exec(html)?.[1];
  if (!content) throw new Error('the built index.html has no Content-Security-Policy meta tag');
  return new Map(
    content
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((words) => words[0])
      .map(([name, ...sources]) => [name, sources]),
  );
}

describe('issue 19: a Content-Security-Policy, and nothing the app does violates it', () => {
  let browser: LaunchedBrowser;
  let page: Page;
  const consoleViolations: string[] = [];
  const workers: Worker[] = [];

  beforeAll(async () => {
    browser = await launch();
    page = await browser.context.newPage();
    // Chromium also logs violations it does not dispatch to the document (a worker's, for one).
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) consoleViolations.push(message.text());
    });
    await page.addInitScript(recordViolations);
    page.on('worker', (worker) => {
      workers.push(worker);
      void worker.evaluate(recordWorkerViolations).catch(() => undefined); // a worker that has ended has nothing to hear
    });
    await page.goto(appUrl());
    await waitForState(page, 'ready');
  });
  afterAll(async () => {
    await browser.context.setOffline(false).catch(() => undefined);
    await browser.close();
  });

  test("the policy: 'self' for scripts, workers and connections, 'wasm-unsafe-eval' and nothing looser, no plugins, no <base>", () => {
    const policy = builtPolicy();
    expect(policy.get('default-src')).toEqual(["'self'"]);
    expect(policy.get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'"]);
    expect(policy.get('worker-src')).toEqual(["'self'"]);
    expect(policy.get('connect-src')).toEqual(["'self'"]);
    expect(policy.get('object-src')).toEqual(["'none'"]);
    expect(policy.get('base-uri')).toEqual(["'none'"]);
    const everything = [...policy.values()].flat();
    for (const loose of ["'unsafe-eval'", '*', 'data:', 'blob:', 'http:', 'https:']) {
      expect(everything, `${loose} is in the policy`).not.toContain(loose);
    }
  });

  test('the listener hears a violation when one happens (an image from another origin), so an empty list means none', async () => {
    await page.evaluate(() => {
      new Image().src = 'https://elsewhere.invalid/pixel.png';
    });
    await page.waitForFunction(() => (window as unknown as { cspViolations: Violation[] }).cspViolations.length > 0);
    expect((await violations(page)).map((v) => v.directive)).toEqual(['img-src']);
    // Chromium also logs it to the console, which the last test checks for violations no document heard.
    await expect.poll(() => consoleViolations.some((text) => text.includes('elsewhere.invalid'))).toBe(true);
    await page.evaluate(() => ((window as unknown as { cspViolations: Violation[] }).cspViolations = []));
    consoleViolations.length = 0;
  });

  test("what a <meta> policy cannot cover on Pages: the app's dedicated workers take their policy from their own response headers, which Pages does not send", async () => {
    // A page of its own, so the refusals it provokes stay out of the other tests' lists.
    const probe = await browser.context.newPage();
    const started: Worker[] = [];
    probe.on('worker', (worker) => started.push(worker));
    try {
      await probe.goto(appUrl());
      await waitForState(probe, 'ready');
      const embedding = started.find((worker) => worker.url().includes('embedding.worker'));
      expect(embedding, started.map((worker) => worker.url()).join(', ')).toBeDefined();
      // A string run as code (eval) and a fetch from another origin, started by the scope's own timer and heard by
      // its own listener (code run from the test's evaluate is not what the policy checks).
      const attempt = async () => {
        const scope = self as unknown as { evalRan?: boolean; setTimeout: (code: string, ms: number) => void };
        const heard: string[] = [];
        self.addEventListener('securitypolicyviolation', (event) => heard.push(event.effectiveDirective));
        const ran = await new Promise<boolean>((done) => {
          scope.setTimeout('self.evalRan = true', 0);
          setTimeout(() => done(scope.evalRan === true), 0);
        });
        await fetch('http://127.0.0.2:9/').catch(() => undefined);
        // Violation events are queued as tasks after the refusals: a few turns of the event loop let them in.
        for (let turn = 0; turn < 50 && heard.length < 2; turn++) await new Promise((done) => setTimeout(done, 0));
        return { ran, heard };
      };
      // The page: refused and heard...
      expect(await probe.evaluate(attempt)).toEqual({ ran: false, heard: ['script-src', 'connect-src'] });
      // ...the embedding worker: both run, nothing heard; it is under no policy (docs/reliability.md).
      expect(await embedding!.evaluate(attempt)).toEqual({ ran: true, heard: [] });
    } finally {
      await probe.close();
    }
  });

  test('searching violates nothing', async () => {
    expect((await search(page, 'a German language model'))[0]).toBe(idOf('GottBERT'));
    expect(await violations(page)).toEqual([]);
  });

  test('importing a file (the import worker, then embedding) violates nothing', async () => {
    const papers = [
      { title: 'Sourdough fermentation kinetics', text: 'Wild yeast and lactic acid bacteria leaven bread dough over 48 hours.' },
      { title: 'Glacier retreat in the Alps', text: 'Satellite imagery shows alpine glaciers losing mass at an accelerating rate.' },
    ];
    await importFile(page, 'csp-papers.jsonl', jsonl(papers));
    await page.waitForSelector('[data-testid="corpus"][data-kind="imported"][data-name="csp-papers.jsonl"]');
    await waitForState(page, 'ready');
    expect(await violations(page)).toEqual([]);
  });

  test('the map (its worker, cluster colours, the tooltip under the pointer) violates nothing', async () => {
    await openLibrary(page, 'bundled');
    await waitForState(page, 'ready');
    await page.click('[data-testid="map-panel"] summary');
    await page.waitForSelector('[data-testid="library-map"][data-state="ready"]', { timeout: 120_000 });
    await page.waitForSelector('[data-testid="map-cluster"]');
    const area = (await (await page.$('[data-testid="map-canvas"]'))!.boundingBox())!;
    // Sweep the pointer across the canvas, row by row, until a paper's tooltip shows (it is placed by a style attribute).
    const hovering = async () => (await page.$('[data-testid="map-tooltip"]')) !== null;
    sweep: for (let y = 6; y < area.height; y += 10) {
      for (let x = 6; x < area.width; x += 10) {
        await page.mouse.move(area.x + x, area.y + y);
        if (await hovering()) break sweep;
      }
    }
    expect(await page.$('[data-testid="map-tooltip"]')).not.toBeNull();
    expect(await violations(page)).toEqual([]);
  });

  test('offline (served by the service worker) violates nothing', async () => {
    await page.waitForSelector('[data-testid="offline"][data-ready="true"]', { timeout: 120_000 });
    await browser.context.setOffline(true);
    await page.goto(appUrl({ q: 'a German language model' }));
    await waitForState(page, 'ready');
    expect(await page.evaluate(() => navigator.onLine)).toBe(false);
    expect((await search(page, 'a language model for German text')).length).toBeGreaterThan(0);
    expect(await violations(page)).toEqual([]);
    expect(consoleViolations).toEqual([]);
  });
});
