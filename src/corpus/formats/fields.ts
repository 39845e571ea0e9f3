/** Small shared pieces of the import parsers: field cleaning, line numbers from offsets, progress. */

/** Collapses runs of whitespace (line breaks from wrapped exports included) to one space and trims. */
export function collapseWhitespace(text: string): string {
  return text.replace(/\s{2,}|[^\S ]/g, ' ').trim(); // = /\s+/g → ' ', without rewriting every single space
}

/** A bare DOI ("10.1234/x") from a DOI, a doi: string or a doi.org URL; undefined when it is not a DOI. */
export function cleanDoi(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const doi = value
    .trim()
    .replace(/^https?:\/\/(?:dx\.)?doi\.org\//i, '')
    .replace(/^doi:\s*/i, '')
    .trim();
  return /^10\.\d{4,9}\/\S/.test(doi) ? doi : undefined;
}

const ARXIV_ID = /^(?:arxiv:)?\s*(\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[A-Z]{2})?\/\d{7})(?:v\d+)?$/i;
const ARXIV_IN_URL = /arxiv\.org\/(?:abs|pdf)\/(\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[A-Z]{2})?\/\d{7})/i;
const ARXIV_IN_TEXT = /\barxiv[:.]\s?(\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[A-Z]{2})?\/\d{7})/i;

/** An arXiv id given on its own ("2101.00001v2", "arXiv:hep-th/9901001"), version dropped. */
export function arxivIdOf(value: string | undefined): string | undefined {
  const match = value?.trim().match(ARXIV_ID);
  return match ? match[1] : undefined;
}

/**
 * An arXiv id found inside other text: an arxiv.org/abs or /pdf URL, "arXiv:2101.00001" (Google Scholar's
 * "arXiv preprint arXiv:…"), or the arXiv DOI 10.48550/arXiv.2101.00001. Version dropped.
 */
export function arxivIdIn(...values: (string | undefined)[]): string | undefined {
  for (const value of values) {
    if (!value) continue;
    const match = value.match(ARXIV_IN_URL) ?? value.match(ARXIV_IN_TEXT);
    if (match) return match[1];
  }
  return undefined;
}

/** The first plausible year (1000–2999) in a value: 2017, "2017", "2017-05-01", "May 2017", "2017///". */
export function yearOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 1000 && value <= 2999 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = value.match(/(?:^|\D)([12]\d{3})(?!\d)/);
  return match ? Number(match[1]) : undefined;
}

/** "Last, First" (RIS, Zotero CSV, OAI-PMH Dublin Core) as "First Last"; any other form unchanged. */
export function invertName(name: string): string {
  const parts = name.split(',').map((part) => part.trim());
  if (parts.length === 1 || !parts[0]) return collapseWhitespace(name);
  const [last, first, ...suffix] = parts;
  return collapseWhitespace([first, last, ...suffix].filter(Boolean).join(' '));
}

/**
 * A list of people from one text field: "A; B" and "A and B" split there, one "Last, First" is one person,
 * otherwise commas separate names ("A. Smith, B. Jones"). Names in "Last, First" form are turned around.
 */
export function splitNames(value: string): string[] {
  const text = value.trim();
  if (!text) return [];
  let names: string[];
  if (text.includes(';')) names = text.split(';');
  else if (/\sand\s/i.test(text)) names = text.split(/\s+and\s+/i);
  else if ((text.match(/,/g) ?? []).length === 1) names = [text];
  else names = text.split(',');
  return names.map((name) => invertName(name)).filter(Boolean);
}

/** A string field of an untyped record, trimmed; undefined when absent or empty. Numbers are accepted as text. */
export function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() ? value : undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/**
 * Line numbers (1-based) of character offsets: one pass to find the line breaks, then a binary search per
 * question, so asking for every record of a large file stays linear in practice.
 */
export class LineIndex {
  private readonly breaks: number[] = [];

  constructor(source: string) {
    for (let at = source.indexOf('\n'); at !== -1; at = source.indexOf('\n', at + 1)) this.breaks.push(at);
  }

  lineAt(offset: number): number {
    let low = 0;
    let high = this.breaks.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.breaks[mid] < offset) low = mid + 1;
      else high = mid;
    }
    return low + 1;
  }

  /** 1-based column of an offset on its line. */
  columnAt(offset: number): number {
    const line = this.lineAt(offset);
    return offset - (line === 1 ? 0 : this.breaks[line - 2] + 1) + 1;
  }
}

/** How often a parser reports progress: every this many records. */
export const PROGRESS_EVERY = 2000;

export type Progress = (fraction: number) => void;

/** Wraps a callback so it sees fractions in [0, 1], never going back and never the same value twice. */
export function monotonicProgress(onProgress: Progress | undefined): Progress {
  let last = -1;
  return (fraction) => {
    if (!onProgress) return;
    const clamped = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
    if (clamped <= last) return;
    last = clamped;
    onProgress(clamped);
  };
}

/** A short, printable excerpt of source text for messages: `"@article{x, ti…"`. */
export function excerpt(source: string, max = 30): string {
  const flat = source.replace(/\r?\n/g, ' ');
  return JSON.stringify(flat.length > max ? flat.slice(0, max) + '…' : flat);
}
