/**
 * The whole import in the app (issue 19, point 2): a file chosen in the built site's picker, through parse (the
 * import worker), receiving the papers, saving them in IndexedDB, the keyword index and opening the library,
 * with the page's main-thread long tasks (PerformanceObserver 'longtask') recorded from the moment the file is
 * chosen until the library is open and its embedding is planned (the "about X min" question, or embedding under
 * way). Each long task is attributed to the import step the page showed when it started.
 *
 * Three files, generated here from SciFact's abstracts (read by path, never copied), as big as those the issue
 * measured: a CSV of 40,729 rows (~60 MB), a BibTeX file of 20,000 entries (~31 MB), a UTF-16 CSV of 300 rows.
 * They are written to a temporary folder and handed to the picker by path (Playwright streams them).
 *
 *   npx tsx tools/bench-import-app.ts [--no-build] [--only csv,bibtex,utf16] [--site <built folder> --base <its base path>] [--baseline <earlier build>] [--data <scifact dir>] [--json]
 * (also part of `npm run bench -- --only-import`)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import type { Paper } from '../src/base/paper.ts';
import { CHROMIUM, CHROMIUM_ARGS } from './bench-browser.ts';
import { loadScifactPapers, syntheticPapers } from './synthetic-text.ts';
import { SCIFACT_DIR } from './synthetic-corpus.ts';
import { round } from './stats.ts';

export interface AppImportCase {
  key: 'csv' | 'bibtex' | 'utf16';
  file: string;
  papers: number;
  bytes: (papers: readonly Paper[]) => Buffer;
}

const AUTHORS = ['Ada Lovelace', 'Alan Turing', 'Grace Hopper', 'Barbara Liskov', 'Donald Knuth', 'Edsger Dijkstra'];

function authorsOf(i: number): string[] {
  return [AUTHORS[i % AUTHORS.length], AUTHORS[(i * 7 + 3) % AUTHORS.length]];
}

const quoteCsv = (text: string) => `"${text.replace(/"/g, '""')}"`;

/** Zotero-like CSV: one SciFact mix per row (~1.5 kB), so 40,729 rows are ~60 MB as in the issue. */
function csvOf(papers: readonly Paper[]): string {
  const rows = ['Title,Abstract Note,Author,Publication Year,Publication Title,DOI'];
  papers.forEach((paper, i) => {
    rows.push([paper.title, paper.abstract, authorsOf(i).map((a) => a.split(' ').reverse().join(', ')).join('; '), String(1990 + (i % 35)), 'Journal of Synthetic Results', `10.5555/bench.${i}`].map(quoteCsv).join(','));
  });
  return rows.join('\r\n') + '\r\n';
}

/**
 * A value as Zotero's BibTeX export and JabRef write it: LaTeX's special characters escaped (SciFact's abstracts
 * hold "%", "$", "&", "_"; an unescaped "%" starts a comment and "$" opens math, so the file the lead generated
 * on 2026-12-06 was refused at its first lone "$").
 */
export function bibtexValue(text: string): string {
  const escapes: Record<string, string> = { '\\': '\\textbackslash{}', '{': '\\{', '}': '\\}', $: '\\$', '%': '\\%', '&': '\\&', '#': '\\#', _: '\\_', '~': '\\textasciitilde{}', '^': '\\textasciicircum{}' };
  return text.replace(/[\\{}$%&#_~^]/g, (c) => escapes[c]);
}

function bibtexOf(papers: readonly Paper[]): string {
  return papers
    .map(
      (paper, i) =>
        `@article{bench${i},\n  title = {${bibtexValue(paper.title)}},\n  author = {${authorsOf(i).join(' and ')}},\n  journal = {Journal of Synthetic Results},\n  year = {${1990 + (i % 35)}},\n  doi = {10.5555/bench.${i}},\n  abstract = {${bibtexValue(paper.abstract)}}\n}\n`,
    )
    .join('\n');
}

export const APP_IMPORT_CASES: AppImportCase[] = [
  { key: 'csv', file: 'big-export.csv', papers: 40_729, bytes: (papers) => Buffer.from(csvOf(papers)) },
  { key: 'bibtex', file: 'big-library.bib', papers: 20_000, bytes: (papers) => Buffer.from(bibtexOf(papers)) },
  // UTF-16 LE with its byte-order mark, as Excel's "Unicode text" writes it.
  { key: 'utf16', file: 'excel-unicode.csv', papers: 300, bytes: (papers) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(csvOf(papers), 'utf16le')]) },
];

export interface AppImportFigures {
  megabytes: number;
  importMs: number;
  longestTaskMs: number;
  /** Long tasks (over 50 ms) and those over the 200 ms the issue allows, during the import. */
  longTasks: number;
  tasksOver200: number;
  /** The longest task per import stage the page showed when it began ("saving", "receiving", "opening"…). */
  longestByStage: Record<string, number>;
}

/** Records long tasks from the first script on, with the import stage on screen when each began. */
function observeLongTasks(): void {
  const w = window as unknown as { benchLongTasks: { start: number; duration: number; stage: string }[]; benchStages: { at: number; stage: string }[] };
  w.benchLongTasks = [];
  w.benchStages = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) w.benchLongTasks.push({ start: entry.startTime, duration: entry.duration, stage: '' });
  }).observe({ type: 'longtask', buffered: true });
  // The stage the progress bar shows, noted as the DOM changes (a frame-based sample would lag behind busy tasks).
  const note = () => {
    const stage = document.querySelector('[data-testid="import-progress"]')?.getAttribute('data-stage') ?? 'opening';
    if (w.benchStages.at(-1)?.stage !== stage) w.benchStages.push({ at: performance.now(), stage });
  };
  new MutationObserver(note).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-stage'] });
}

/**
 * Until the chosen library is open and its embedding is planned: the long-run question, or the run under way.
 * An import the page refused (or could not save) ends the wait at once, with the page's words.
 */
async function importFinished(page: Page, name: string): Promise<void> {
  const outcome = await page.waitForFunction(
    (wanted) => {
      const failed = document.querySelector('[data-testid="notice"][data-code="import-rejected"], [data-testid="notice"][data-code="import-not-saved"]');
      if (failed) return `failed: ${failed.textContent?.replace(/\s*×\s*$/, '').trim()}`;
      const corpus = document.querySelector('[data-testid="corpus"]');
      if (corpus?.getAttribute('data-kind') !== 'imported' || corpus.getAttribute('data-name') !== wanted) return false;
      if (document.querySelector('[data-testid="import-progress"]')) return false;
      const state = document.querySelector('[data-testid="status"]')?.getAttribute('data-state');
      return document.querySelector('[data-testid="long-run"]') !== null || state === 'indexing' || state === 'ready' ? 'done' : false;
    },
    name,
    { timeout: 1_800_000, polling: 200 },
  );
  const result = await outcome.jsonValue();
  if (result !== 'done') throw new Error(`import of ${name}: the page says ${JSON.stringify(String(result).replace(/^failed: /, ''))}`);
}

async function measureCase(origin: string, path: string, name: string, megabytes: number): Promise<AppImportFigures> {
  const profile = mkdtempSync(join(tmpdir(), 'bench-app-import-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, viewport: { width: 1100, height: 900 } });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.addInitScript(observeLongTasks);
    await page.goto(`${origin}/`);
    await page.waitForSelector('[data-testid=status][data-state=ready]', { timeout: 600_000 });
    await page.waitForSelector('[data-testid="import-button"]:not([disabled])', { timeout: 600_000 });
    const started = await page.evaluate(() => performance.now());
    await page.setInputFiles('[data-testid="import"]', path);
    await importFinished(page, name);
    // Long-task entries arrive after their task ends: two frames and a timer later, all are in.
    const ended = await page.evaluate(() => new Promise<number>((done) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(() => done(performance.now()), 300)))));
    const { tasks, stages } = await page.evaluate(() => {
      const w = window as unknown as { benchLongTasks: { start: number; duration: number }[]; benchStages: { at: number; stage: string }[] };
      return { tasks: w.benchLongTasks, stages: w.benchStages };
    });
    const during = tasks.filter((task) => task.start + task.duration > started && task.start < ended);
    const longestByStage: Record<string, number> = {};
    for (const task of during) {
      const stage = stages.filter((s) => s.at <= task.start).at(-1)?.stage ?? 'opening';
      longestByStage[stage] = round(Math.max(longestByStage[stage] ?? 0, task.duration));
    }
    return {
      megabytes: round(megabytes, 1),
      importMs: round(ended - started),
      longestTaskMs: round(Math.max(0, ...during.map((task) => task.duration))),
      longTasks: during.length,
      tasksOver200: during.filter((task) => task.duration > 200).length,
      longestByStage,
    };
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

/** `vite preview` of dist/ without COOP/COEP headers, as GitHub Pages serves the app (the service worker adds them). */
async function startSite(port: number, site: SiteFolder): Promise<ChildProcess> {
  const where = site.dir ? ['--outDir', site.dir] : [];
  const env = { ...process.env, PAPER_SEARCH_PREVIEW_ISOLATED: '0', ...(site.base ? { BASE_PATH: site.base } : {}) };
  const server = spawn(process.execPath, ['node_modules/vite/bin/vite.js', 'preview', '--port', String(port), '--strictPort', ...where], { stdio: ['ignore', 'pipe', 'pipe'], env });
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error('vite preview did not start in 30 s')), 30_000);
    server.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes(String(port))) {
        clearTimeout(timer);
        ready();
      }
    });
    server.on('exit', (code) => fail(new Error(`vite preview exited with ${code}`)));
  });
  return server;
}

/** A built site other than dist/ at / (e.g. the e2e build, .cache/e2e-site under /paper-search/). */
export interface SiteFolder {
  dir?: string;
  base?: string;
}

/** Each case on a fresh profile of the built app (dist/), one after the other; keys app_import_<case>_*. */
export async function appImportFigures(only: readonly string[] | null, log: (line: string) => void, site: SiteFolder = {}, scifactDir = SCIFACT_DIR): Promise<Record<string, number | Record<string, number>>> {
  const folder = mkdtempSync(join(tmpdir(), 'bench-app-import-files-'));
  const port = 4900 + Math.floor(Math.random() * 90);
  const server = await startSite(port, site);
  const origin = `http://localhost:${port}${(site.base ?? '/').replace(/\/$/, '')}`;
  const result: Record<string, number | Record<string, number>> = {};
  try {
    const cases = APP_IMPORT_CASES.filter((c) => !only || only.includes(c.key));
    const papers = syntheticPapers(Math.max(...cases.map((c) => c.papers)) + 1, 19, loadScifactPapers(join(scifactDir, 'corpus.jsonl')));
    for (const c of cases) {
      const bytes = c.bytes(papers.slice(0, c.papers));
      const path = join(folder, c.file);
      writeFileSync(path, bytes);
      log(`app import ${c.key}: ${c.papers} records, ${(bytes.length / 1e6).toFixed(1)} MB; load ${loadavg()[0].toFixed(2)}`);
      const figures = await measureCase(origin, path, c.file, bytes.length / 1e6);
      rmSync(path);
      log(`  ${figures.importMs} ms, longest task ${figures.longestTaskMs} ms, ${figures.longTasks} long tasks (${figures.tasksOver200} over 200 ms), longest by stage ${JSON.stringify(figures.longestByStage)}`);
      result[`app_import_${c.key}_mb`] = figures.megabytes;
      result[`app_import_${c.key}_ms`] = figures.importMs;
      result[`app_import_${c.key}_longest_task_ms`] = figures.longestTaskMs;
      result[`app_import_${c.key}_long_tasks`] = figures.longTasks;
      result[`app_import_${c.key}_tasks_over_200ms`] = figures.tasksOver200;
      result[`app_import_${c.key}_longest_by_stage_ms`] = figures.longestByStage;
    }
  } finally {
    server.kill();
    rmSync(folder, { recursive: true, force: true });
  }
  return result;
}

async function main(argv: readonly string[]): Promise<void> {
  if (!argv.includes('--no-build')) {
    await new Promise<void>((done, fail) => spawn('npm', ['run', '--silent', 'build'], { stdio: ['ignore', 'ignore', 'inherit'] }).on('exit', (code) => (code === 0 ? done() : fail(new Error(`build exited with ${code}`)))));
  }
  const value = (flag: string) => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : undefined);
  const only = value('--only')?.split(',') ?? APP_IMPORT_CASES.map((c) => c.key);
  const base = value('--base');
  const site: SiteFolder = { dir: value('--site'), base };
  // --baseline <built folder>: an earlier build measured in the same run, case by case before this one (same load).
  const baseline = value('--baseline');
  const data = value('--data') ?? SCIFACT_DIR;
  const log = (line: string) => process.stderr.write(line + '\n');
  const load = loadavg()[0];
  const result: Record<string, unknown> = { load_average_1m: round(load, 2) };
  for (const key of only) {
    if (baseline) {
      log(`baseline (${baseline}):`);
      const figures = await appImportFigures([key], log, { dir: baseline, base }, data);
      for (const [name, figure] of Object.entries(figures)) result[`baseline_${name}`] = figure;
    }
    Object.assign(result, await appImportFigures([key], log, site, data));
  }
  result.load_average_1m_end = round(loadavg()[0], 2);
  console.log(argv.includes('--json') ? JSON.stringify(result) : JSON.stringify(result, null, 2));
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
