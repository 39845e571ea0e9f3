/**
 * One command from a library file to a static site (issue 17.1):
 *
 *   npm run publish -- --corpus <file> --name "<library name>" [--description "<text>"] [--about "<line>"]
 *                      [--layout auto|exact|compressed] [--out dist] [--cache-dir .cache/vectors] [--json]
 *   npm run publish -- [--config library.config.json]        (the same settings from a committed file)
 *
 * Steps: `npm run index` (tools/index.ts: every import format, the app's model and code, the layout chosen by
 * size, vectors reused from the content-addressed cache so only new or edited papers are embedded) into a staged
 * copy of public/ under .cache/publish/, then `vite build` of that copy into --out (BASE_PATH honoured, as for
 * `vite build`), with the library's name, description and about line for the page (src/app/site-info.ts). Last,
 * the site is checked against GitHub Pages' limits (tools/site-limits.ts). public/corpus is never read, so a
 * stray library.psl or an old corpus cannot reach the site. With --json the last stdout line is one JSON object:
 * papers, embedded, reused, layout, files, bytes (and out, seconds).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseFlags, stringFlag, UsageError } from './cli.ts';
import { checkSite, SiteLimitError } from './site-limits.ts';

export const DEFAULT_CONFIG = 'library.config.json';
const ROOT = resolve(import.meta.dirname, '..');
const USAGE =
  'usage: npm run publish -- --corpus <file> --name "<library name>" [--description "<text>"] [--about "<line>"] ' +
  '[--layout auto|exact|compressed] [--out <dir>] [--cache-dir <dir>] [--json]\n       npm run publish -- [--config library.config.json]';

export interface PublishSettings {
  corpus: string;
  name: string;
  description: string;
  about: string;
  layout: 'auto' | 'exact' | 'compressed';
  out: string;
}

const LAYOUTS = ['auto', 'exact', 'compressed'] as const;
const CONFIG_KEYS = ['corpus', 'name', 'description', 'about', 'layout', 'out'] as const;

/** library.config.json: the same settings as the flags; corpus and out are relative to the file's folder. */
export function readConfig(path: string): Partial<PublishSettings> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`${path}: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`${path}: expected a JSON object with "corpus" and "name"`);
  const config: Record<string, string> = {};
  for (const [key, field] of Object.entries(value)) {
    if (!(CONFIG_KEYS as readonly string[]).includes(key)) throw new UsageError(`${path}: unknown setting "${key}" (known: ${CONFIG_KEYS.join(', ')})`);
    if (typeof field !== 'string') throw new UsageError(`${path}: "${key}" must be a string`);
    config[key] = key === 'corpus' || key === 'out' ? resolve(dirname(path), field) : field;
  }
  return config as Partial<PublishSettings>;
}

/** Flags over the config file; the config is read when --config names it, or when no --corpus is given. */
export function resolveSettings(flags: Record<string, string | boolean | undefined>, root = process.cwd()): PublishSettings {
  const flag = (name: string) => stringFlag(flags, name);
  const configPath = flag('config') ?? (flag('corpus') === undefined ? join(root, DEFAULT_CONFIG) : undefined);
  if (configPath !== undefined && !existsSync(configPath)) throw new UsageError(`${configPath}: no such file (give --corpus and --name, or write ${DEFAULT_CONFIG})`);
  const config = configPath ? readConfig(configPath) : {};
  const pick = (key: (typeof CONFIG_KEYS)[number]) => flag(key) ?? config[key];
  const corpus = pick('corpus');
  const name = pick('name')?.trim();
  if (!corpus) throw new UsageError('--corpus is required');
  if (!existsSync(corpus)) throw new UsageError(`--corpus ${corpus}: no such file`);
  if (!name) throw new UsageError('--name is required: the library\'s name, shown on the page');
  const layout = pick('layout') ?? 'auto';
  if (!(LAYOUTS as readonly string[]).includes(layout)) throw new UsageError(`--layout must be auto, exact or compressed, not "${layout}"`);
  return {
    corpus: resolve(corpus),
    name,
    description: pick('description')?.trim() ?? '',
    about: pick('about')?.trim() ?? '',
    layout: layout as PublishSettings['layout'],
    out: resolve(pick('out') ?? join(root, 'dist')),
  };
}

export interface PublishSummary {
  papers: number;
  embedded: number;
  reused: number;
  layout: string;
  files: number;
  bytes: number;
  out: string;
  seconds: number;
}

/** public/ without corpus/ (whatever an earlier `npm run index` left there), plus the library just indexed. */
function stagePublic(stage: string): string {
  const staged = join(stage, 'public');
  rmSync(staged, { recursive: true, force: true });
  cpSync(join(ROOT, 'public'), staged, { recursive: true, filter: (source) => resolve(source) !== join(ROOT, 'public', 'corpus') });
  return staged;
}

/** The last stdout line of a child that printed one JSON object there (`--json`). */
function lastJsonLine(output: string, what: string): Record<string, unknown> {
  const line = output.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw new Error(`${what} printed no JSON summary (last line: ${line.slice(0, 200)})`);
  }
}

/** A child step whose own message is already on stderr: fail with one line saying which step. */
function runStep(step: () => string, failure: string): string {
  try {
    return step();
  } catch {
    throw new Error(failure);
  }
}

/** One staging folder per output folder, so two publishes into different places (e2e, dist) never collide. */
export function stagingFolder(out: string): string {
  return join(ROOT, '.cache', 'publish', out.replace(/[^\w.-]+/g, '_'));
}

/** The public folder (models, corpus) a publish into `out` built from: `vite dev` can serve it too. */
export function stagedPublicDir(out: string): string {
  return join(stagingFolder(out), 'public');
}

function publish(settings: PublishSettings, cacheDir: string | undefined, log: (line: string) => void): PublishSummary {
  const started = performance.now();
  const stage = stagingFolder(settings.out);
  mkdirSync(stage, { recursive: true });
  const staged = stagePublic(stage);
  const node = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
    execFileSync(process.execPath, args, { cwd: ROOT, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 });
  log(`indexing ${settings.corpus} (layout ${settings.layout})`);
  const indexArgs = ['--import', 'tsx', join(ROOT, 'tools', 'index.ts'), '--corpus', settings.corpus, '--out', join(staged, 'corpus')];
  indexArgs.push('--layout', settings.layout, '--name', settings.name, '--no-bundle', '--json', ...(cacheDir ? ['--cache-dir', cacheDir] : []));
  const indexed = lastJsonLine(runStep(() => node(indexArgs), `indexing ${settings.corpus} failed (the reason is above)`), 'npm run index');
  log(`building the site into ${settings.out}`);
  const env = {
    ...process.env,
    // vitest (e2e) sets NODE_ENV=test, which would make vite build a development bundle.
    NODE_ENV: 'production',
    PAPER_SEARCH_PUBLIC_DIR: staged,
    VITE_LIBRARY_NAME: settings.name,
    VITE_LIBRARY_DESCRIPTION: settings.description,
    VITE_LIBRARY_ABOUT: settings.about,
  };
  const vite = [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--outDir', settings.out, '--emptyOutDir'];
  process.stderr.write(runStep(() => node(vite, env), `building the site into ${settings.out} failed (the reason is above)`));
  const site = checkSite(settings.out);
  return {
    papers: Number(indexed.papers),
    embedded: Number(indexed.embedded),
    reused: Number(indexed.reused),
    layout: String(indexed.layout),
    files: site.files,
    bytes: site.bytes,
    out: settings.out,
    seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
  };
}

function main(argv: readonly string[]): void {
  const flags = parseFlags(argv, {
    corpus: { type: 'string' },
    name: { type: 'string' },
    description: { type: 'string' },
    about: { type: 'string' },
    layout: { type: 'string' },
    out: { type: 'string' },
    config: { type: 'string' },
    'cache-dir': { type: 'string' },
    json: { type: 'boolean' },
  });
  const settings = resolveSettings(flags);
  const log = (line: string) => process.stderr.write(`publish: ${line}\n`);
  const summary = publish(settings, stringFlag(flags, 'cache-dir'), log);
  const text =
    `published "${settings.name}": ${summary.papers} papers (${summary.embedded} embedded, ${summary.reused} reused), ` +
    `${summary.layout} layout, ${summary.files} files, ${(summary.bytes / 1e6).toFixed(1)} MB in ${summary.out} (${summary.seconds} s)`;
  if (flags.json === true) {
    log(text);
    console.log(JSON.stringify(summary));
  } else console.log(text);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) console.error(`${error.message}\n${USAGE}`);
    else if (error instanceof SiteLimitError) console.error(`publish: refused: ${error.message}`);
    else console.error(`publish: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
