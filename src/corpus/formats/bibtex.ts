import { parse as parseBibtex, type Creator, type Entry } from '@retorquere/bibtex-parser';
import { CorpusFormatError } from '../types.ts';
import type { Collector } from './collector.ts';
import { arxivIdIn, arxivIdOf, cleanDoi, LineIndex, yearOf, type Progress } from './fields.ts';

/**
 * BibTeX and BibLaTeX (JabRef, Zotero/Better BibTeX, Mendeley, Google Scholar, publishers) through
 * @retorquere/bibtex-parser, the parser behind Better BibTeX's imports: it expands @string macros, decodes
 * LaTeX accents and commands to Unicode ({\"u} → ü, \'e → é, -- → –), understands nested braces, @comment and
 * @preamble, and splits author lists into names. Titles keep their case (`sentenceCase: false`).
 *
 * The parser converts every field through a full LaTeX grammar, about 1–3 ms per entry, so a large file is
 * parsed in chunks of entries (split where an "@" starts a line outside any braces), with @string definitions
 * carried forward, and progress reported after each chunk.
 */

const CHUNK_ENTRIES = 400;

/** HTML the parser emits for \emph, \textbf, \textsc, case protection, \url, sub/superscripts without a Unicode form… */
const MARKUP = /<\/?(?:i|b|sup|sub|sc|nc|ncx|code|enquote)>|<span (?:class="nocase"|style="font-variant:small-caps;")>|<\/span>|<a href="[^"]*">|<\/a>/g;
const BLOCK_MARKUP = /<\/?(?:p|br|li|ul|blockquote|h[1-6])>/g;

/**
 * A text field as plain text: markup dropped, the escaping of < and > undone (inside \url it stays literal), and
 * composed to NFC (the parser writes {\"u} as u + a combining diaeresis, which would not match a typed "ü").
 */
function plain(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = unescapeAngles(value.replace(BLOCK_MARKUP, ' ').replace(MARKUP, '')).normalize('NFC');
  return text.trim() ? text : undefined;
}

function unescapeAngles(text: string): string {
  return text.replace(/\\textless\{\}/g, '<').replace(/\\textgreater\{\}/g, '>');
}

/** Verbatim fields (url, doi) come back as written, so the escaping of < and > done before parsing is undone. */
function verbatim(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = unescapeAngles(value).trim();
  return text || undefined;
}

function personName(creator: Creator): string | undefined {
  const name = personParts(creator);
  return name === undefined ? undefined : unescapeAngles(name).normalize('NFC');
}

function personParts(creator: Creator): string | undefined {
  if (creator.name) return creator.name.trim() || undefined;
  const name = [creator.firstName, creator.prefix, creator.lastName].filter((part) => part && part.trim()).join(' ');
  if (!name || (!creator.firstName && creator.lastName?.toLowerCase() === 'others')) return undefined; // "and others"
  return creator.suffix ? `${name}, ${creator.suffix}` : name;
}

interface Block {
  start: number;
  directive: string;
}

/**
 * Where entries start: an "@" that begins a line (after spaces) outside braces. Null when braces do not balance
 * at the top level (then the file is parsed whole and the parser reports the problem).
 */
function entryBlocks(source: string): Block[] | null {
  const blocks: Block[] = [];
  let depth = 0;
  let lineStart = true;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\n') {
      lineStart = true;
      continue;
    }
    if (lineStart && (c === ' ' || c === '\t' || c === '\r')) continue;
    if (lineStart && c === '@' && depth === 0) {
      const directive = /^@\s*([A-Za-z]+)/.exec(source.slice(i, i + 40))?.[1]?.toLowerCase() ?? '';
      blocks.push({ start: i, directive });
    }
    lineStart = false;
    if (c === '\\') i++;
    else if (c === '{') depth++;
    else if (c === '}' && --depth < 0) return null;
  }
  return depth === 0 ? blocks : null;
}

/** The parser's own message, in the "expected …, found …" form where it has a known shape. */
function syntaxProblem(message: string, stoppedLine: number | null, entryLine: number): string {
  const where = stoppedLine !== null && stoppedLine !== entryLine ? ` on line ${stoppedLine}` : '';
  // The parser quotes what it found with JSON.stringify: show line breaks in it as spaces, not as \n.
  const text = message.replace(/ at line \d+, column \d+( in .*)?$/s, '').replace(/(\\r)?\\n\s*/g, ' ');
  let match = text.match(/^Token mismatch, expected (.+?), found (.+?)(\.\.\.)?$/s);
  if (match) return `expected ${match[1]} in this entry, found ${match[2]}${match[3] ? '…' : ''}${where}`;
  match = text.match(/^Unterminated brace-value (.*)$/s);
  if (match) return `expected a closing "}" for the value that begins ${match[1]}, found the end of the file`;
  match = text.match(/^Unterminated quote-value (.*)$/s);
  if (match) return `expected a closing '"' for the value that begins ${match[1]}, found the end of the file`;
  match = text.match(/^(\S+) = value expected, equals sign missing: (.*?)(\.\.\.)?$/s);
  if (match) return `expected "=" after the field name "${match[1]}", found ${match[2]}${match[3] ? '…' : ''}${where}`;
  if (/^Runaway key/.test(text)) return 'expected a complete entry, found the end of the file';
  if (/^Unclosed math section/.test(text)) return `expected a closing "$" for the math in a value of this entry${where}`;
  return `this entry does not parse: ${text}${where}`;
}

function addEntry(entry: Entry, line: number, collector: Collector): void {
  const f = entry.fields as Record<string, unknown>;
  const authors = (Array.isArray(f.author) ? (f.author as Creator[]) : []).map(personName).filter((name): name is string => !!name);
  const url = verbatim(f.url);
  const doiField = verbatim(f.doi);
  const archive = String(f.archiveprefix ?? f.eprinttype ?? '').toLowerCase();
  const eprint = verbatim(f.eprint);
  collector.add({
    line,
    title: plain(f.title),
    abstract: plain(f.abstract),
    authors: authors.length ? authors : undefined,
    year: yearOf(f.year) ?? yearOf(f.date),
    venue: plain(f.journal) ?? plain(f.journaltitle) ?? plain(f.booktitle) ?? plain(f.eventtitle),
    doi: cleanDoi(doiField),
    url,
    citationKey: citationKeyOf(entry.key),
    arxivId: (archive === 'arxiv' || !archive ? arxivIdOf(eprint) : undefined) ?? arxivIdIn(url, doiField, plain(f.journal), plain(f.note), plain(f.howpublished)),
  });
}

/** The entry's key as written, if it is one BibTeX can cite (no spaces, commas or braces). */
function citationKeyOf(key: unknown): string | undefined {
  return typeof key === 'string' && /^[^\s,{}"#%'()=\\]+$/.test(key) ? key : undefined;
}

const UNCLOSED_MATH = /^Unclosed math section/;

/** The citation key in an entry's source ("@article{key," → "key"). */
function keyOf(input: string): string {
  return /^@\s*[A-Za-z]+\s*[{(]\s*([^,\s]*)/.exec(input)?.[1] ?? '';
}

/**
 * An entry with a "$" that opens math and never closes (a price, "$5", written unescaped by hand or by an exporter
 * that does not escape): the parser drops the rest of the field. One such entry must not refuse a 20,000-entry file
 * (issue 19), so it is read again with every unescaped "$" taken as a dollar sign, and imported with a note naming
 * its line; if it still does not parse, it alone is skipped, with the reason.
 */
function addLiterally(input: string, line: number, options: Parameters<typeof parseBibtex>[1], collector: Collector): void {
  const again = parseBibtex(input.replace(/(?<!\\)\$/g, () => '\\$'), options);
  const entry = again.entries[0];
  if (again.errors.length === 0 && again.entries.length === 1 && entry) {
    addEntry(entry, line, collector);
    collector.keptLiterally(line, 'a "$" that opens math and never closes, kept as a dollar sign');
    return;
  }
  collector.skip(line, 'expected a closing "$" for the math in a value of this entry');
}

export function parseBibtexLibrary(file: string, original: string, collector: Collector, progress: Progress): void {
  // A bare < or > in text mode is the OT1 font's ¡ and ¿ to LaTeX (and to the parser); people mean < and >.
  const source = original.replace(/</g, '\\textless{}').replace(/>/g, '\\textgreater{}');
  const lines = new LineIndex(source);
  const blocks = entryBlocks(source);
  const chunks: { start: number; end: number }[] = [];
  if (!blocks || blocks.length <= CHUNK_ENTRIES) {
    chunks.push({ start: 0, end: source.length });
  } else {
    for (let i = 0; i < blocks.length; i += CHUNK_ENTRIES) {
      chunks.push({ start: i === 0 ? 0 : blocks[i].start, end: i + CHUNK_ENTRIES < blocks.length ? blocks[i + CHUNK_ENTRIES].start : source.length });
    }
  }
  let strings = '';
  let blockIndex = 0;
  for (const chunk of chunks) {
    const text = source.slice(chunk.start, chunk.end);
    const prefixLines = strings ? (strings.match(/\n/g)?.length ?? 0) + 1 : 0;
    const options = { sentenceCase: false, english: false, unsupported: 'ignore', applyCrossRef: true, strings: strings || undefined } as const;
    const library = parseBibtex(text, options);
    // Entries whose math never closes are read again with their "$" taken literally (below), not half-read.
    const literal = new Map<string, { input: string; line: number }>();
    for (const error of library.errors) {
      const location = error.error.match(/ at line (\d+), column \d+/);
      if (location) {
        const at = error.input ? text.indexOf(error.input.trimEnd()) : -1;
        const entryLine = lines.lineAt(chunk.start + Math.max(0, at));
        const stopped = lines.lineAt(chunk.start) + Number(location[1]) - 1 - prefixLines;
        if (UNCLOSED_MATH.test(error.error) && at !== -1 && error.input?.startsWith('@')) {
          literal.set(keyOf(error.input), { input: error.input, line: entryLine });
          continue;
        }
        throw new CorpusFormatError(file, at === -1 ? stopped : entryLine, syntaxProblem(error.error, stopped, entryLine), 'malformed-bibtex');
      }
    }
    let cursor = 0;
    const dropped = new Set(library.errors.filter((error) => error.input?.startsWith('@') && !UNCLOSED_MATH.test(error.error)).map((error) => error.input));
    for (const entry of library.entries) {
      // The parser returns such an entry half-read, without its source: it is replaced, in its place.
      const redo = entry.input ? undefined : literal.get(entry.key);
      if (redo) {
        addLiterally(redo.input, redo.line, options, collector);
        literal.delete(entry.key);
        continue;
      }
      const at = entry.input ? text.indexOf(entry.input, cursor) : -1;
      if (at !== -1) cursor = at + 1;
      addEntry(entry, lines.lineAt(chunk.start + Math.max(0, at)), collector);
    }
    for (const { input, line } of literal.values()) addLiterally(input, line, options, collector); // not returned even in part
    // Entries the parser read but could not convert (an error naming the entry's source): skipped, with their line.
    for (const input of dropped) {
      if (!input || library.entries.some((entry) => entry.input === input)) continue;
      const at = text.indexOf(input);
      const reason = library.errors.find((error) => error.input === input)?.error.split('\n')[0] ?? 'unreadable';
      collector.skip(lines.lineAt(chunk.start + Math.max(0, at)), `its LaTeX could not be read (${reason})`);
    }
    // @string definitions of this chunk apply to the next ones.
    if (blocks) {
      for (; blockIndex < blocks.length && blocks[blockIndex].start < chunk.end; blockIndex++) {
        const block = blocks[blockIndex];
        if (block.directive === 'string') strings += source.slice(block.start, blocks[blockIndex + 1]?.start ?? source.length) + '\n';
      }
    }
    progress(chunk.end / source.length);
  }
}
