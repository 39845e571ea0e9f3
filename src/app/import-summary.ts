import type { ParsedLibrary } from '../library/import/import-client.ts';

/** How many skipped records are listed by line; the rest are counted. */
const SKIPS_LISTED = 3;

/**
 * What an import did, in one sentence a person reads: "refs.bib: 200 papers (12 with a title only),
 * 3 duplicates merged, 1 record skipped (line 40: no title); 180 precomputed vectors, 20 papers to embed."
 */
export function importSummaryText(name: string, parsed: Pick<ParsedLibrary, 'summary' | 'vectors' | 'papers'>): string {
  const { summary, vectors } = parsed;
  const parts = [`${name}: ${count(summary.imported, 'paper')}${summary.titleOnly > 0 ? ` (${titleOnlyNote(summary.titleOnly, summary.imported)})` : ''}`];
  if (summary.duplicatesMerged > 0) parts.push(`${count(summary.duplicatesMerged, 'duplicate')} merged`);
  if (summary.skipped.length > 0) {
    const listed = summary.skipped.slice(0, SKIPS_LISTED).map((skip) => `line ${skip.line}: ${skip.reason}`);
    const more = summary.skipped.length - listed.length;
    parts.push(`${count(summary.skipped.length, 'record')} skipped (${listed.join('; ')}${more > 0 ? `; ${more} more` : ''})`);
  }
  const literal = summary.keptAsWritten ?? [];
  if (literal.length > 0) {
    const lines = literal.slice(0, SKIPS_LISTED).map((kept) => kept.line.toLocaleString('en'));
    const more = literal.length - lines.length;
    parts.push(`${count(literal.length, 'record')} read with an unclosed "$" as a dollar sign, not math (line${literal.length === 1 ? '' : 's'} ${lines.join(', ')}${more > 0 ? ` and ${more} more` : ''})`);
  }
  let text = parts.join(', ');
  if (vectors) {
    const have = vectors.hashes.length;
    text += `; ${count(have, 'precomputed vector')}${vectors.missing > 0 ? `, ${count(vectors.missing, 'paper')} to embed here` : ', nothing to embed'}`;
  }
  return text + '.';
}

/** A library of titles alone (a pasted list) is searched by its titles: people should know why matches are rougher. */
function titleOnlyNote(titleOnly: number, imported: number): string {
  if (titleOnly < imported) return `${titleOnly.toLocaleString('en')} with a title only`;
  return `titles only, no abstracts: search by meaning uses ${imported === 1 ? 'the title' : 'the titles'}`;
}

function count(n: number, noun: string): string {
  return `${n.toLocaleString('en')} ${noun}${n === 1 ? '' : 's'}`;
}
