import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { parseLibrary, type ImportOptions, type ImportResult } from '../../src/corpus/import.ts';
import { CorpusFormatError } from '../../src/corpus/types.ts';

/** Shared by the tests/unit/import-*.test.ts files: hand-written exports in tests/fixtures/import/. */

export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(fileURLToPath(new URL(`../fixtures/import/${name}`, import.meta.url))));
}

/** The fixture as text (BOM dropped), for finding the line a record starts on independently of the parsers. */
export function fixtureText(name: string): string {
  return new TextDecoder().decode(fixtureBytes(name));
}

/** 1-based line of the first line containing `needle` (after `after` lines), or a test failure. */
export function lineOf(text: string, needle: string, after = 0): number {
  const lines = text.split(/\r?\n/);
  const index = lines.findIndex((line, i) => i >= after && line.includes(needle));
  if (index === -1) throw new Error(`no line contains ${JSON.stringify(needle)}`);
  return index + 1;
}

export function importFixture(name: string, options?: ImportOptions): ImportResult {
  return parseLibrary(name, fixtureBytes(name), undefined, options);
}

export function importText(name: string, text: string, options?: ImportOptions): ImportResult {
  return parseLibrary(name, new TextEncoder().encode(text), undefined, options);
}

/** The CorpusFormatError `run` throws (fails the test when it throws something else or nothing). */
export function importError(run: () => unknown): CorpusFormatError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(CorpusFormatError);
    return error as CorpusFormatError;
  }
  throw new Error('expected a CorpusFormatError');
}
