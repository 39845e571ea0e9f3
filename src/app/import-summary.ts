import type { ParsedLibrary } from '../library/import/import-client.ts';

/** How many skipped records are listed by line; the rest are counted. */
const SKIPS_LISTED = 3;

/**
 * What an import did, in one sentence a person reads: "refs.bib: 200 papers (12 with a title only),
 * 3 duplicates merged, 1 record skipped (line 40: no title); 180 precomputed vectors, 20 papers to embed."
 */
export function importSummaryText(name: string, parsed: Pick<ParsedLibrary, 'summary' | 'vectors' | 'papers'>): string {
  const { summary, vectors } = parsed;
  const parts = [`${name}: ${count(summary.imported, 'paper')}${summary.titleOnly > 0 ? ` (${summary.titleOnly.toLocaleString('en')} with a title only)` : ''}`];
  if (summary.duplicatesMerged > 0) parts.push(`${count(summary.duplicatesMerged, 'duplicate')} merged`);
  if (summary.skipped.length > 0) {
    const listed = summary.skipped.slice(0, SKIPS_LISTED).map((skip) => `line ${skip.line}: ${skip.reason}`);
    const more = summary.skipped.length - listed.length;
    parts.push(`${count(summary.skipped.length, 'record')} skipped (${listed.join('; ')}${more > 0 ? `; ${more} more` : ''})`);
  }
  let text = parts.join(', ');
  if (vectors) {
    const have = vectors.hashes.length;
    text += `; ${count(have, 'precomputed vector')}${vectors.missing > 0 ? `, ${count(vectors.missing, 'paper')} to embed here` : ', nothing to embed'}`;
  }
  return text + '.';
}

function count(n: number, noun: string): string {
  return `${n.toLocaleString('en')} ${noun}${n === 1 ? '' : 's'}`;
}
