import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { BASE_PATH } from './global-setup.ts';
import { launch, waitForState, type LaunchedBrowser, type Page } from './browser.ts';
import { idOf, importFile, jsonl, notices, openLibrary, search } from './helpers.ts';
import { startStaticServer, type StaticServer } from './static-server.ts';

/**
 * Issue 19, point 3: a deploy does not break a tab opened before it. The site is served from a folder of this
 * test's own; the "deploy" replaces that folder with a changed build: every hashed script under assets/ gets a
 * new name (as a changed build's chunks do), every reference to it follows, and the service worker's precache
 * manifest gets the new files' sha256 and revisions, so a new service worker installs beside the old one.
 */

/** Another 8-character Vite hash of the same alphabet: the name changes, its length (and every file's size) does not. */
const otherHash = (hash: string) => [...hash].reverse().join('').replace(/[A-Za-z]/g, (c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()));

const sri = (bytes: Buffer) => `sha256-${createHash('sha256').update(bytes).digest('base64')}`;

/** Writes into `to` the build in `from` as a changed build would look: renamed chunks, references and precache manifest to match. */
function changedBuild(from: string, to: string): { renamed: Map<string, string> } {
  cpSync(from, to, { recursive: true });
  const renamed = new Map<string, string>();
  for (const name of readdirSync(join(to, 'assets'))) {
    const match = /^(.+)-([A-Za-z0-9_-]{8})\.js$/.exec(name);
    if (match) renamed.set(name, `${match[1]}-${otherHash(match[2])}.js`);
  }
  const textFiles = ['index.html', 'sw.js', ...readdirSync(join(to, 'assets')).filter((name) => name.endsWith('.js')).map((name) => `assets/${name}`)];
  for (const file of textFiles) {
    const path = join(to, file);
    let text = readFileSync(path, 'utf8');
    for (const [before, after] of renamed) text = text.split(before).join(after);
    writeFileSync(path, text);
  }
  for (const [before, after] of renamed) renameSync(join(to, 'assets', before), join(to, 'assets', after));
  // The precache manifest in sw.js: each changed file's integrity, and a new revision where it has one.
  const swPath = join(to, 'sw.js');
  const sw = readFileSync(swPath, 'utf8').replace(/\{"bytes":(\d+),"integrity":"(sha256-[^"]+)","revision":(null|"[^"]*"),"url":"([^"]+)"\}/g, (entry, _bytes, integrity: string, revision: string, url: string) => {
    const bytes = readFileSync(join(to, url));
    const now = sri(bytes);
    if (now === integrity) return entry;
    const nextRevision = revision === 'null' ? 'null' : `"${createHash('md5').update(bytes).digest('hex')}"`;
    return `{"bytes":${bytes.length},"integrity":"${now}","revision":${nextRevision},"url":"${url}"}`;
  });
  writeFileSync(swPath, sw);
  return { renamed };
}

/** The hashed name of the script a page runs (index.html's module script), e.g. "main-CBzXI6Gn.js". */
const mainScript = (page: Page) => page.$eval('script[type="module"][src*="assets/main-"]', (node) => (node as HTMLScriptElement).src.split('/').pop() ?? '');

async function useTheMap(page: Page): Promise<void> {
  await openLibrary(page, 'bundled');
  await waitForState(page, 'ready');
  const panel = await page.$('[data-testid="map-panel"][open]');
  if (!panel) await page.click('[data-testid="map-panel"] summary');
  await page.waitForSelector('[data-testid="library-map"][data-state="ready"], [data-testid="map-error"]', { timeout: 120_000 });
  expect(await page.$('[data-testid="map-error"]')).toBeNull();
}

describe('issue 19: a deploy does not break a tab opened before it', () => {
  let folder: string;
  let served: string;
  let site: StaticServer;
  let browser: LaunchedBrowser;
  let renamed: Map<string, string>;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'paper-search-deploy-'));
    served = join(folder, 'site');
    cpSync(inject('siteDir'), served, { recursive: true });
    ({ renamed } = changedBuild(inject('siteDir'), join(folder, 'next')));
    site = await startStaticServer(served, BASE_PATH);
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  test('the old tab keeps its map, import and search workers after the deploy; it is told, and reloads into the new version on request', async () => {
    const old = await browser.context.newPage();
    await old.goto(site.baseUrl);
    await waitForState(old, 'ready');
    await old.waitForSelector('[data-testid="offline"][data-ready="true"]', { timeout: 180_000 });
    const oldMain = await mainScript(old);
    expect(renamed.has(oldMain)).toBe(true);

    // The deploy: the served folder now holds the changed build only (the old hashed files are gone from the server).
    rmSync(served, { recursive: true });
    renameSync(join(folder, 'next'), served);
    expect(readdirSync(join(served, 'assets'))).not.toContain(oldMain);

    // A tab opened after the deploy makes the browser find the new service worker, which installs.
    const fresh = await browser.context.newPage();
    await fresh.goto(site.baseUrl);
    await old.waitForSelector('[data-testid="notice"][data-code="app-updated"]', { timeout: 180_000 });

    // The old tab, still on its version: every worker starts and answers.
    expect(await mainScript(old)).toBe(oldMain);
    await useTheMap(old);
    await importFile(old, 'after-deploy.jsonl', jsonl([
      { title: 'Sourdough fermentation kinetics', text: 'Wild yeast and lactic acid bacteria leaven bread dough over 48 hours.' },
      { title: 'Glacier retreat in the Alps', text: 'Satellite imagery shows alpine glaciers losing mass at an accelerating rate.' },
    ]));
    await old.waitForSelector('[data-testid="corpus"][data-kind="imported"][data-name="after-deploy.jsonl"]', { timeout: 120_000 });
    await waitForState(old, 'ready');
    expect(await notices(old)).not.toContain('import-rejected');
    await openLibrary(old, 'bundled');
    await waitForState(old, 'ready');
    expect((await search(old, 'a German language model'))[0]).toBe(idOf('GottBERT'));

    // Reload while another tab still runs the old version: refused, with the reason.
    await old.click('[data-testid="notice"][data-code="app-updated"] [data-testid="reload-update"]');
    await old.waitForSelector('[data-testid="notice"][data-code="update-other-tabs"]');
    await fresh.close();

    // The last tab asks again: it reloads into the new version, whose map works too.
    await Promise.all([old.waitForEvent('load', { timeout: 120_000 }), old.click('[data-testid="notice"][data-code="app-updated"] [data-testid="reload-update"]')]);
    await waitForState(old, 'ready');
    expect(await mainScript(old)).toBe(renamed.get(oldMain));
    await useTheMap(old);
  });
});
