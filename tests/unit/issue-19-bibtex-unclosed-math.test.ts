import { describe, expect, it } from 'vitest';
import { importSummaryText } from '../../src/app/import-summary.ts';
import { importText, lineOf } from './import-helpers.ts';

/**
 * Issue 19, point 2: a 20,000-entry BibTeX file was refused whole ("expected a closing "$" for the math in a value
 * of this entry … Nothing was imported") because one entry had an unescaped "$". That entry is now imported with
 * its "$" taken literally, every other entry as usual (across the parser's 400-entry chunks), and the summary
 * names the entry's line.
 */

const entry = (i: number, abstract = `Abstract number ${i}, with 50\\% of R\\&D and $x^2$ kept as math.`) =>
  `@article{k${i},\n  title = {Paper number ${i}},\n  year = {2020},\n  abstract = {${abstract}}\n}\n`;

function library(size: number, broken: number): string {
  return Array.from({ length: size }, (_, i) => (i === broken ? entry(i, 'It costs $5 per sample, and the rest of this field must not be lost.') : entry(i))).join('\n');
}

describe('issue 19: one BibTeX entry with an unclosed "$" does not refuse the file', () => {
  it('imports every entry of a 1,000-entry file, the broken one with its text as written, and says which line', () => {
    const text = library(1000, 654);
    const result = importText('lib1000.bib', text);
    expect(result.summary.imported).toBe(1000);
    expect(result.summary.skipped).toEqual([]);
    const line = lineOf(text, '@article{k654,');
    expect(result.summary.keptAsWritten).toEqual([{ line, reason: expect.stringContaining('"$"') }]);
    const broken = result.papers.find((paper) => paper.title === 'Paper number 654');
    expect(broken?.abstract).toBe('It costs $5 per sample, and the rest of this field must not be lost.');
    // The entries around it, in their order, with balanced math still read as math.
    expect(result.papers[653].title).toBe('Paper number 653');
    expect(result.papers[654].title).toBe('Paper number 654');
    expect(result.papers[655].abstract).toBe('Abstract number 655, with 50% of R&D and x² kept as math.');
    expect(importSummaryText('lib1000.bib', { ...result, vectors: null })).toContain(`1 record read with an unclosed "$" as a dollar sign, not math (line ${line.toLocaleString('en')})`);
  });

  it('in a small file (one chunk) too, keeping an escaped \\$ and the other fields', () => {
    const text = `${entry(0)}\n@book{price,\n  title = {Prices: \\$3 or $4},\n  author = {Doe, Jane},\n  abstract = {Plain.}\n}\n\n${entry(2)}`;
    const result = importText('small.bib', text);
    expect(result.papers.map((paper) => paper.title)).toEqual(['Paper number 0', 'Prices: $3 or $4', 'Paper number 2']);
    expect(result.papers[1].authors).toEqual(['Jane Doe']);
    expect(result.summary.keptAsWritten).toEqual([{ line: lineOf(text, '@book{price'), reason: expect.any(String) }]);
  });
});
