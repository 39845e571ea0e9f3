import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The house as intended (docs/architecture.json, issue 15): its parts are folders, and its "never" pairs are
 * imports that must not exist. This reads every relative import in src/ and tools/ and holds them against it.
 */

const ROOT = resolve(import.meta.dirname, '..', '..');
interface Architecture {
  parts: Record<string, { is: string[] }>;
  never: [string, string, string][];
}
const architecture = JSON.parse(readFileSync(join(ROOT, 'docs/architecture.json'), 'utf8')) as Architecture;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|svelte)$/.test(name) ? [path] : [];
  });
}

const IMPORT = /(?:import|export)\s[^'"]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)|new URL\(\s*['"](\.[^'"]+)['"]/g;

/** Every relative import, as [importing file, imported file], paths from the repository root. */
function imports(): [string, string][] {
  const pairs: [string, string][] = [];
  for (const file of [...sourceFiles(join(ROOT, 'src')), ...sourceFiles(join(ROOT, 'tools'))]) {
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const target = (match[1] ?? match[2] ?? match[3]).split('?')[0];
      pairs.push([relative(ROOT, file), relative(ROOT, resolve(dirname(file), target))]);
    }
  }
  return pairs;
}

const partOf = (path: string): string | undefined => Object.entries(architecture.parts).find(([, part]) => part.is.some((prefix) => path.startsWith(prefix)))?.[0];
const topFolder = (path: string): string | undefined => (path.startsWith('src/') ? path.split('/')[1] : undefined);

describe('issue 15: the house as docs/architecture.json draws it', () => {
  const pairs = imports();

  it('finds the imports it checks', () => {
    expect(pairs.length).toBeGreaterThan(300);
  });

  it('breaks no never', () => {
    const broken = pairs.filter(([from, to]) => architecture.never.some(([a, b]) => partOf(from) === a && partOf(to) === b));
    expect(broken.map(([from, to]) => `${from} -> ${to}`)).toEqual([]);
  });

  it('has no two top-level folders of src/ that import each other', () => {
    const edges = new Set(pairs.map(([from, to]) => [topFolder(from), topFolder(to)]).filter(([a, b]) => a && b && a !== b && !a.includes('.')).map(([a, b]) => `${a}>${b}`));
    const mutual = [...edges].filter((edge) => edges.has(edge.split('>').reverse().join('>')));
    expect(mutual).toEqual([]);
  });
});
