import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { contentHash } from '../../src/base/paper-id.ts';
import { parseLibrary } from '../../src/corpus/import.ts';
import { launch, waitForState, type LaunchedBrowser, type Page } from './browser.ts';
import { openApp, cachedVectorHashes, dropFile, importFiles, libraries, manyPapers, noticeText, openLibrary, search, status } from './helpers.ts';

/**
 * Issue 8 end to end, on the built site served as GitHub Pages serves it: a researcher's BibTeX library dropped
 * on the page, searched, kept beside the bundled papers, exported, deleted; and a library embedded on a computer
 * with `npm run index` loaded with nothing embedded in the browser.
 */

const ROOT = resolve(import.meta.dirname, '..', '..');
const PAPERS = manyPapers(200);

/** BibTeX as Zotero writes it, with the awkward parts: LaTeX accents, nested braces, a @string macro, no abstract. */
function bibtex(): string {
  // Characters that are markup in BibTeX/LaTeX are left out of the generated text; the parser tests cover them.
  const plain = (text: string) => text.replace(/[{}%$&#_^~\\]/g, '');
  const entries = PAPERS.map((paper, i) => {
    const fields = [
      `  title = {{${plain(paper.title)}}}`,
      `  author = {M{\\"u}ller, J{\\"o}rg and Smith, Ann and Author${i}, Some}`,
      `  year = {${2015 + (i % 10)}}`,
      `  journal = jml`,
      ...(i % 50 === 7 ? [] : [`  abstract = {${plain(paper.text)}}`]),
      ...(i % 3 === 0 ? [`  doi = {10.1234/example.${i}}`] : []),
    ];
    return `@article{key${i},\n${fields.join(',\n')}\n}`;
  });
  return `@string{jml = "Journal of Machine Learning"}\n\n${entries.join('\n\n')}\n`;
}

describe('a researcher brings their library', () => {
  let browser: LaunchedBrowser;
  let page: Page;
  let bibId = '';
  let indexDir = '';

  beforeAll(async () => {
    browser = await launch();
    page = await browser.context.newPage();
    await openApp(page);
  });
  afterAll(async () => {
    await browser.close();
    if (indexDir) rmSync(indexDir, { recursive: true, force: true });
  });

  test('a .bib with 200 entries dropped on the page is parsed, summarised, embedded and searchable', async () => {
    await dropFile(page, 'zotero-export.bib', bibtex());
    await page.waitForSelector('[data-testid="corpus"][data-kind="imported"][data-name="zotero-export.bib"]');
    await waitForState(page, 'ready');
    expect((await status(page)).embedded).toBe(200);
    // 4 entries (i % 50 === 7) have no abstract: imported with their title only, and counted.
    expect(await noticeText(page, 'import-summary')).toContain('zotero-export.bib: 200 papers (4 with a title only)');
    const listed = await libraries(page);
    expect(listed.map((library) => [library.name, library.count])).toEqual([
      ['Daily Papers', 96],
      ['zotero-export.bib', 200],
    ]);
    bibId = listed[1].id;
    expect(new URL(page.url()).searchParams.get('library')).toBe(bibId);
    // The person's words find the paper; its metadata is on the card (authors decoded, venue from @string).
    const target = PAPERS[42];
    const ids = await search(page, target.title.replace(/ \(variant 42\)$/, ''));
    expect(ids.length).toBeGreaterThan(0);
    const titles = await page.$$eval('[data-testid="result"] h2', (nodes) => nodes.slice(0, 3).map((node) => node.textContent ?? ''));
    expect(titles.some((title) => title.includes('(variant 42)'))).toBe(true);
    expect(await page.textContent('[data-testid="result"] .byline')).toMatch(/Müller, Jörg|Jörg Müller/);
    expect(await page.textContent('[data-testid="result"] .byline')).toContain('Journal of Machine Learning');
  });

  test('switching to the bundled papers and back embeds nothing the second time', async () => {
    await openLibrary(page, 'bundled');
    await waitForState(page, 'ready');
    expect((await status(page)).embedded).toBe(0);
    await openLibrary(page, bibId);
    await waitForState(page, 'ready');
    const now = await status(page);
    expect(now.embedded).toBe(0);
    expect(now.fromCache).toBe(200);
    // A reload keeps the library (the address carries it) and embeds nothing.
    await page.reload();
    await waitForState(page, 'ready');
    expect(await page.getAttribute('[data-testid="corpus"]', 'data-library')).toBe(bibId);
    expect((await status(page)).embedded).toBe(0);
  });

  test('the library exports as BibTeX that reads back as the same 200 papers', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.selectOption('[data-testid="export-library"]', 'bibtex')]);
    expect(download.suggestedFilename()).toBe('zotero-export.bib');
    const text = readFileSync((await download.path())!, 'utf8');
    const back = parseLibrary('back.bib', new TextEncoder().encode(text));
    expect(back.papers).toHaveLength(200);
    expect(back.papers.find((paper) => paper.title.endsWith('(variant 3)'))?.doi).toBe('10.1234/example.3');
  });

  test('results export as CSV with rank and score', async () => {
    await search(page, 'protein structure prediction');
    const [download] = await Promise.all([page.waitForEvent('download'), page.selectOption('[data-testid="export-results"]', 'csv')]);
    const csv = readFileSync((await download.path())!, 'utf8');
    const [header, first] = csv.replace(/^\uFEFF/, '').split(/\r?\n/);
    expect(header.split(',').slice(0, 3)).toEqual(['rank', 'score', 'title']);
    expect(first.startsWith('1,')).toBe(true);
  });

  test('a pasted list becomes a library too; sharing papers with the .bib', async () => {
    await page.click('[data-testid="paste-button"]');
    // As the app read them from the .bib (LaTeX decoded), so title and abstract are exactly the same.
    const fromBib = parseLibrary('zotero-export.bib', new TextEncoder().encode(bibtex())).papers;
    const shared = fromBib.slice(0, 3).map((paper) => JSON.stringify({ title: paper.title, text: paper.abstract })).join('\n');
    await page.fill('[data-testid="paste-text"]', shared);
    await page.click('[data-testid="paste-import"]');
    await page.waitForSelector('[data-testid="corpus"][data-name="Pasted list"]');
    await waitForState(page, 'ready');
    // Same title and abstract as three .bib entries: their vectors are reused, nothing is embedded.
    expect((await status(page)).embedded).toBe(0);
  });

  test('deleting the .bib library removes its papers and the vectors no other library uses', async () => {
    const before = new Set(await cachedVectorHashes(page));
    const bibHashes = parseLibrary('zotero-export.bib', new TextEncoder().encode(bibtex())).papers.map(contentHash);
    expect(bibHashes.every((hash) => before.has(hash))).toBe(true);
    await openLibrary(page, bibId);
    await waitForState(page, 'ready');
    await page.click('[data-testid="delete-library"]');
    await page.click('[data-testid="confirm-delete"]');
    await page.waitForSelector('[data-testid="notice"][data-code="library-deleted"]');
    expect(await page.getAttribute('[data-testid="corpus"]', 'data-library')).toBe('bundled');
    expect((await libraries(page)).map((library) => library.name)).toEqual(['Daily Papers', 'Pasted list']);
    const after = new Set(await cachedVectorHashes(page));
    const sharedWithPaste = new Set(bibHashes.slice(0, 3));
    for (const hash of bibHashes) expect(after.has(hash), hash).toBe(sharedWithPaste.has(hash));
    // The bundled papers' vectors (precomputed with the site) are untouched: a reload embeds nothing.
    await page.reload();
    await waitForState(page, 'ready');
    expect(await page.getAttribute('[data-testid="corpus"]', 'data-library')).toBe('bundled');
    expect((await status(page)).embedded).toBe(0);
    expect((await status(page)).fromPrecomputed).toBe(96);
  });

  test('what `npm run index` wrote on a computer loads with nothing embedded in the browser', async () => {
    indexDir = mkdtempSync(join(tmpdir(), 'paper-search-index-'));
    const corpusFile = join(indexDir, 'reading-group.jsonl');
    writeFileSync(corpusFile, manyPapers(40).map((paper, i) => JSON.stringify({ title: `${paper.title} (reading group ${i})`, text: paper.text })).join('\n') + '\n');
    execFileSync('npx', ['tsx', 'tools/index.ts', '--corpus', corpusFile, '--out', join(indexDir, 'out'), '--no-cache'], { cwd: ROOT, stdio: 'pipe' });
    await importFiles(page, [
      { name: 'corpus.json', content: readFileSync(join(indexDir, 'out', 'corpus.json')) },
      { name: 'vectors.bin', content: readFileSync(join(indexDir, 'out', 'vectors.bin')) },
    ]);
    await page.waitForSelector('[data-testid="corpus"][data-kind="imported"][data-name="corpus.json"]');
    await waitForState(page, 'ready');
    expect((await status(page)).embedded).toBe(0);
    expect(await noticeText(page, 'import-summary')).toContain('40 precomputed vectors, nothing to embed');
    const ids = await search(page, 'reading group');
    expect(ids.length).toBeGreaterThan(0);
  });

  test('vectors made by another model are refused with a clear message, and nothing changes', async () => {
    const libraryBefore = await page.getAttribute('[data-testid="corpus"]', 'data-library');
    const vectors = readFileSync(join(indexDir, 'out', 'vectors.bin'));
    // The model key is in the file's JSON header: change one character of it, as another model's fingerprint would.
    const text = vectors.toString('latin1');
    const at = text.indexOf('"modelKey":"') + '"modelKey":"'.length;
    const forged = Buffer.from(text.slice(0, at) + (text[at] === 'x' ? 'y' : 'x') + text.slice(at + 1), 'latin1');
    await importFiles(page, [
      { name: 'corpus.json', content: readFileSync(join(indexDir, 'out', 'corpus.json')) },
      { name: 'vectors.bin', content: forged },
    ]);
    await page.waitForSelector('[data-testid="notice"][data-code="import-rejected"]');
    expect(await noticeText(page, 'import-rejected')).toMatch(/vectors\.bin.*(model|made with)/i);
    expect(await page.getAttribute('[data-testid="corpus"]', 'data-library')).toBe(libraryBefore);
  });
});
