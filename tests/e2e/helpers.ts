import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, inject } from 'vitest';
import { parseLibrary } from '../../src/corpus/import.ts';
import { SITE_CORPUS } from './global-setup.ts';
import { launch, waitForState, type LaunchedBrowser, type Page } from './browser.ts';

/** The site's papers, as the e2e build indexed them (tests/fixtures, not data/: issue 17.4). */
export const PAPERS = parseLibrary(SITE_CORPUS, new Uint8Array(readFileSync(SITE_CORPUS))).papers;

/** The id of the bundled paper whose title contains `fragment` (fails loudly if not exactly one). */
export function idOf(fragment: string): string {
  const matches = PAPERS.filter((paper) => paper.title.includes(fragment));
  if (matches.length !== 1) throw new Error(`expected one paper titled like "${fragment}", found ${matches.length}`);
  return matches[0].id;
}

export function appUrl(params: Record<string, string> = {}): string {
  const url = new URL(inject('baseUrl'));
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return url.href;
}

/** Opens the app with `params` in its address and waits until it is ready (library loaded, engine settled). */
export async function openApp(page: Page, params: Record<string, string> = {}): Promise<void> {
  await page.goto(appUrl(params));
  await waitForState(page, 'ready');
}

/**
 * One browser and one page for a describe block's tests, which go on where the last left off: launched and opened
 * on the app, ready, before the first (`use` receives the page), closed after the last. Call it in the describe.
 */
export function sharedReadyPage(use: (page: Page) => void): void {
  let browser: LaunchedBrowser | undefined;
  beforeAll(async () => {
    browser = await launch();
    const page = await browser.context.newPage();
    await openApp(page);
    use(page);
  });
  afterAll(() => browser?.close());
}

export interface Status {
  state: string;
  embedded: number;
  backend: string;
  threads: number;
  storage: string;
  fromCache: number;
  fromPrecomputed: number;
}

export async function status(page: Page): Promise<Status> {
  return page.$eval('[data-testid="status"]', (node) => ({
    state: node.getAttribute('data-state') ?? '',
    embedded: Number(node.getAttribute('data-embedded')),
    backend: node.getAttribute('data-backend') ?? '',
    threads: Number(node.getAttribute('data-threads')),
    storage: node.getAttribute('data-storage') ?? '',
    fromCache: Number(node.getAttribute('data-from-cache')),
    fromPrecomputed: Number(node.getAttribute('data-from-precomputed')),
  }));
}

/** The codes of the notices on screen (src/app/notices.ts); tests assert codes, not prose. */
export async function notices(page: Page): Promise<string[]> {
  return page.$$eval('[data-testid="notice"]', (nodes) => nodes.map((node) => node.getAttribute('data-code') ?? ''));
}

/** The words of the notice with this code (for the details it carries, such as a file and line). */
export async function noticeText(page: Page, code: string): Promise<string> {
  return (await page.textContent(`[data-testid="notice"][data-code="${code}"]`)) ?? '';
}

/** Types a query the way a person does and waits until the results show that query's ranking. */
export async function search(page: Page, query: string, mode?: string): Promise<string[]> {
  await page.fill('[data-testid="query"]', query);
  await page.waitForFunction(
    ([q, m]) => {
      const summary = document.querySelector('[data-testid="summary"]');
      return summary?.getAttribute('data-query') === q && (!m || summary?.getAttribute('data-mode') === m);
    },
    [query, mode ?? ''] as const,
  );
  // The whole ranking: results below the relevance cut-off are one click away, and these tests are about order.
  // The summary can re-render between finding the button and clicking it (a search re-run as an import's vectors
  // arrive): click the button as it is then, until none is left to open.
  const weaker = page.locator('[data-testid="show-weaker"][aria-expanded="false"]');
  for (let attempt = 0; attempt < 5 && (await weaker.count()) > 0; attempt++) await weaker.first().click({ timeout: 10_000 }).catch(() => undefined);
  return page.$$eval('[data-testid="result"]', (nodes) => nodes.map((n) => n.getAttribute('data-id') ?? ''));
}

/** Types a query and returns only what is shown at once: the plausible matches (relevance cut-off). */
export async function strongMatches(page: Page, query: string): Promise<{ ids: string[]; strong: number; plausible: number; shown: number; more: number }> {
  await page.fill('[data-testid="query"]', query);
  await page.waitForFunction((q) => {
    const summary = document.querySelector('[data-testid="summary"]');
    return summary?.getAttribute('data-query') === q && summary.getAttribute('data-searching') === 'false';
  }, query);
  const summary = await page.$eval('[data-testid="summary"]', (node) => ({ strong: Number(node.getAttribute('data-strong')), plausible: Number(node.getAttribute('data-plausible')), shown: Number(node.getAttribute('data-shown')), more: Number(node.getAttribute('data-more')) }));
  const ids = await page.$$eval('[data-testid="result"]', (nodes) => nodes.map((n) => n.getAttribute('data-id') ?? ''));
  return { ids, ...summary };
}

/** 192 distinct papers from the bundled ones (sentences reordered), so nothing is cached or precomputed. */
export function manyPapers(count = 192): Array<{ title: string; text: string }> {
  return Array.from({ length: count }, (_, i) => {
    const paper = PAPERS[i % PAPERS.length];
    const sentences = paper.abstract.split(/(?<=\.) /);
    return { title: `${paper.title} (variant ${i})`, text: (i % 2 ? sentences.reverse() : sentences.slice(1).concat(sentences[0])).join(' ') };
  });
}

export const jsonl = (rows: object[]) => rows.map((row) => JSON.stringify(row)).join('\n') + '\n';

export async function importFile(page: Page, name: string, content: string): Promise<void> {
  await page.setInputFiles('[data-testid="import"]', { name, mimeType: 'application/octet-stream', buffer: Buffer.from(content) });
}

/** Chooses several files at once in the import picker (what `npm run index` writes is two files). */
export async function importFiles(page: Page, files: { name: string; content: string | Buffer }[]): Promise<void> {
  await page.setInputFiles(
    '[data-testid="import"]',
    files.map((file) => ({ name: file.name, mimeType: 'application/octet-stream', buffer: Buffer.isBuffer(file.content) ? file.content : Buffer.from(file.content) })),
  );
}

/** Imports `rows` as many.jsonl and waits until the embedding has begun (some embedded, not all): a large import in progress. */
export async function startLargeImport(page: Page, rows = manyPapers()): Promise<Array<{ title: string; text: string }>> {
  await importFile(page, 'many.jsonl', jsonl(rows));
  await page.waitForSelector('[data-testid="status"][data-state="indexing"]');
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="status"]')?.getAttribute('data-embedded')) > 0);
  return rows;
}

/** Drops a file on the page the way a file manager does: dragenter, dragover and drop carrying the file. */
export async function dropFile(page: Page, name: string, content: string): Promise<void> {
  const dataTransfer = await page.evaluateHandle(
    ([fileName, text]) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([text], fileName));
      return transfer;
    },
    [name, content] as const,
  );
  for (const type of ['dragenter', 'dragover', 'drop']) await page.dispatchEvent('main', type, { dataTransfer });
}

/** Opens a library from the picker (by id; 'bundled' for the bundled papers) and waits until it is searchable. */
export async function openLibrary(page: Page, id: string): Promise<void> {
  await page.selectOption('[data-testid="library-select"]', id);
  await page.waitForSelector(`[data-testid="corpus"][data-library="${id}"]`);
}

/** The picker's libraries: id, name and paper count, in order (the bundled papers first). */
export async function libraries(page: Page): Promise<{ id: string; name: string; count: number }[]> {
  return page.$$eval('[data-testid="library-option"]', (nodes) =>
    nodes.map((node) => ({ id: (node as HTMLOptionElement).value, name: node.getAttribute('data-name') ?? '', count: Number(node.getAttribute('data-count')) })),
  );
}

/** Content hashes with a vector in the app's IndexedDB cache (every model key, every shard). */
export async function cachedVectorHashes(page: Page): Promise<string[]> {
  return page.evaluate(
    () =>
      new Promise<string[]>((resolve, reject) => {
        const open = indexedDB.open('paper-search-vectors');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const request = open.result.transaction('vectors').objectStore('vectors').getAll();
          request.onerror = () => reject(request.error);
          request.onsuccess = () => {
            const hashes = (request.result as { hashes?: unknown }[]).flatMap((record) => (Array.isArray(record?.hashes) ? (record.hashes as string[]) : []));
            open.result.close();
            resolve(hashes);
          };
        };
      }),
  );
}
