import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { CorpusFormatError } from '../types.ts';
import type { Candidate, Collector } from './collector.ts';
import { arxivIdIn, arxivIdOf, cleanDoi, collapseWhitespace, invertName, LineIndex, PROGRESS_EVERY, splitNames, yearOf, type Progress } from './fields.ts';

/**
 * arXiv's XML: API search results (an Atom feed, export.arxiv.org/api/query) and OAI-PMH harvests
 * (export.arxiv.org/oai2, metadataPrefix arXiv, arXivRaw or oai_dc).
 *
 * Parsed with fast-xml-parser, not DOMParser: the import runs in a Web Worker, where DOMParser does not exist.
 * fast-xml-parser is pure JavaScript (no DOM, no Node built-ins), actively maintained, widely used, and its
 * validator reports the line and column of the first well-formedness error, which the messages need. It does not
 * report positions of parsed elements, so the lines of entries come from a scan of their start tags.
 */

type Node = Record<string, unknown>;

const ARRAYS = new Set(['entry', 'author', 'link', 'record', 'creator', 'description', 'identifier', 'date', 'version', 'category']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  htmlEntities: true,
  isArray: (name) => ARRAYS.has(name),
});

/** Text content of an element, whether it came back as a string or as {#text, @_attr}. */
function textOf(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return textOf(value[0]);
  if (typeof value === 'object') return textOf((value as Node)['#text']);
  return undefined;
}

function texts(value: unknown): string[] {
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return list.map(textOf).filter((text): text is string => text !== undefined && text.trim() !== '');
}

function clean(value: string | undefined): string | undefined {
  const text = value === undefined ? undefined : collapseWhitespace(value);
  return text ? text : undefined;
}

/**
 * 1-based lines of the start tags named `local` (any namespace prefix), in document order, outside comments and
 * CDATA sections. One linear scan.
 */
function startTagLines(source: string, local: string, lines: LineIndex): number[] {
  const pattern = new RegExp(`<!--[\\s\\S]*?-->|<!\\[CDATA\\[[\\s\\S]*?\\]\\]>|<(?:[\\w.-]+:)?${local}(?=[\\s/>])`, 'g');
  const out: number[] = [];
  for (let match = pattern.exec(source); match; match = pattern.exec(source)) {
    if (!match[0].startsWith('<!')) out.push(lines.lineAt(match.index));
  }
  return out;
}

/** Puts a validator message in plain words; "Expected closing tag 'a' (opened in line 4, col 1) instead of closing tag 'b'." is already close. */
function xmlProblem(message: string): string {
  const closing = message.match(/^Expected closing tag '([^']+)' \(opened in line (\d+), col \d+\) instead of closing tag '([^']+)'\.?$/);
  if (closing) return `expected </${closing[1]}> (to close the <${closing[1]}> on line ${closing[2]}), found </${closing[3]}>`;
  const stray = message.match(/^Closing tag '([^']+)' has not been opened\.?$/);
  if (stray) return `expected text or a start tag, found </${stray[1]}>, which closes nothing`;
  const char = message.match(/^char '(.)' is not expected\.?$/);
  if (char) return `the XML is malformed: found ${JSON.stringify(char[1])} where it is not allowed${char[1] === '&' ? ' (write &amp; for a literal &)' : ''}`;
  return `the XML is malformed: ${message.replace(/\.$/, '')}`;
}

function validate(file: string, source: string, lines: LineIndex): void {
  const result = XMLValidator.validate(source);
  if (result === true) return;
  const { msg, line } = result.err;
  // An unclosed element at the end of the file: point at where the innermost one opened.
  const unclosed = msg.match(/^(?:Invalid '\[\s*(.*?)\s*\]' found|Unclosed tag '([^']+)')/s);
  if (unclosed) {
    const names = (unclosed[1] ?? `"${unclosed[2]}"`).split(',').map((name) => name.trim().replace(/^"|"$/g, ''));
    const innermost = names[names.length - 1];
    const at = source.lastIndexOf(`<${innermost}`);
    throw new CorpusFormatError(
      file,
      at === -1 ? lines.lineAt(source.length) : lines.lineAt(at),
      `expected </${innermost}> to close the <${innermost}> that opens on this line, found the end of the file`,
      'malformed-xml',
    );
  }
  throw new CorpusFormatError(file, line, xmlProblem(msg), 'malformed-xml');
}

function atomEntry(entry: Node, line: number): Candidate | { skip: string } {
  const id = textOf(entry.id) ?? '';
  if (/arxiv\.org\/api\/errors/i.test(id)) return { skip: `the arXiv API returned an error: ${clean(textOf(entry.summary)) ?? id}` };
  const links = (Array.isArray(entry.link) ? entry.link : []) as Node[];
  const href = (link: Node | undefined) => (link ? textOf(link['@_href']) : undefined);
  const alternate = href(links.find((link) => link['@_rel'] === 'alternate' || link['@_rel'] === undefined)) ?? href(links[0]);
  const doiLink = href(links.find((link) => link['@_title'] === 'doi'));
  const authors = ((Array.isArray(entry.author) ? entry.author : []) as Node[]).map((author) => clean(textOf(author.name))).filter((name): name is string => !!name);
  return {
    line,
    title: textOf(entry.title),
    abstract: textOf(entry.summary) ?? textOf(entry.content),
    authors: authors.length ? authors : undefined,
    year: yearOf(textOf(entry.published) ?? textOf(entry.updated)),
    venue: clean(textOf(entry.journal_ref)),
    doi: cleanDoi(textOf(entry.doi)) ?? cleanDoi(doiLink),
    url: alternate ?? (/^https?:/.test(id) ? id : undefined),
    arxivId: arxivIdIn(id, alternate),
  };
}

function oaiRecord(record: Node, line: number): Candidate | { skip: string } {
  const header = (record.header ?? {}) as Node;
  const identifier = textOf(header.identifier) ?? '';
  if (header['@_status'] === 'deleted') return { skip: `deleted record ${identifier}`.trim() };
  const metadata = (record.metadata ?? {}) as Node;
  // metadataPrefix=arXiv → <arXiv>, arXivRaw → <arXivRaw>, oai_dc → <dc> (namespace prefixes removed).
  const arxiv = (metadata.arXiv ?? metadata.arXivRaw) as Node | undefined;
  if (arxiv) {
    const id = textOf(arxiv.id);
    const authorNodes = (arxiv.authors as Node | undefined)?.author;
    const authors = Array.isArray(authorNodes)
      ? (authorNodes as Node[]).map((author) => clean([textOf(author.forenames), textOf(author.keyname), textOf(author.suffix)].filter(Boolean).join(' '))).filter((name): name is string => !!name)
      : splitNames(clean(textOf(arxiv.authors)) ?? '');
    const versions = Array.isArray(arxiv.version) ? (arxiv.version as Node[]) : [];
    return {
      line,
      title: textOf(arxiv.title),
      abstract: textOf(arxiv.abstract),
      authors: authors.length ? authors : undefined,
      year: yearOf(textOf(arxiv.created)) ?? yearOf(textOf(versions[0]?.date)) ?? yearOf(textOf(header.datestamp)),
      venue: clean(textOf(arxiv['journal-ref'])),
      doi: cleanDoi(textOf(arxiv.doi)?.split(/\s+/)[0]),
      url: id ? `https://arxiv.org/abs/${id}` : undefined,
      arxivId: arxivIdOf(id) ?? arxivIdIn(identifier.replace(/^oai:arXiv\.org:/i, 'arXiv:')),
    };
  }
  const dc = metadata.dc as Node | undefined;
  if (dc) {
    const identifiers = texts(dc.identifier);
    const descriptions = texts(dc.description);
    const authors = texts(dc.creator).map(invertName);
    const url = identifiers.find((value) => /^https?:\/\//i.test(value));
    return {
      line,
      title: textOf(dc.title),
      // arXiv's oai_dc puts the abstract first and "Comment: …" notes after it.
      abstract: descriptions.find((text) => !/^\s*comment:/i.test(text)),
      authors: authors.length ? authors : undefined,
      year: yearOf(texts(dc.date)[0]),
      doi: cleanDoi(identifiers.find((value) => /^doi:|^10\.|doi\.org\//i.test(value))),
      url,
      arxivId: arxivIdIn(url, identifier.replace(/^oai:arXiv\.org:/i, 'arXiv:')),
    };
  }
  return { skip: `record ${identifier} has no arXiv or Dublin Core metadata`.trim() };
}

export function parseXml(file: string, source: string, collector: Collector, progress: Progress): 'atom' | 'oai-pmh' {
  const lines = new LineIndex(source);
  validate(file, source, lines);
  const document = parser.parse(source) as Node;
  const rootName = Object.keys(document).find((key) => !key.startsWith('?') && !key.startsWith('#'));
  const add = (items: Node[], tag: string, read: (item: Node, line: number) => Candidate | { skip: string }) => {
    const starts = startTagLines(source, tag, lines);
    items.forEach((item, i) => {
      // Start tags and parsed items pair up in document order; if a stray tag of the same name breaks that, fall back to line 1.
      const line = starts.length === items.length ? starts[i] : 1;
      const candidate = read(typeof item === 'object' && item !== null ? item : {}, line);
      if ('skip' in candidate) collector.skip(line, candidate.skip);
      else collector.add(candidate);
      if ((i + 1) % PROGRESS_EVERY === 0) progress((i + 1) / items.length);
    });
  };
  if (rootName === 'feed') {
    const feed = (document.feed ?? {}) as Node;
    add((Array.isArray(feed.entry) ? feed.entry : []) as Node[], 'entry', atomEntry);
    return 'atom';
  }
  if (rootName === 'OAI-PMH') {
    const oai = (document['OAI-PMH'] ?? {}) as Node;
    const error = oai.error;
    if (error !== undefined) {
      const code = typeof error === 'object' && error !== null ? textOf((error as Node)['@_code']) : undefined;
      const at = source.search(/<(?:[\w.-]+:)?error[\s>]/);
      throw new CorpusFormatError(file, at === -1 ? 1 : lines.lineAt(at), `expected OAI-PMH records, found an OAI-PMH error${code ? ` (${code})` : ''}: ${clean(textOf(error)) ?? 'no message'}`, 'empty');
    }
    const container = (oai.ListRecords ?? oai.GetRecord ?? {}) as Node;
    add((Array.isArray(container.record) ? container.record : []) as Node[], 'record', oaiRecord);
    return 'oai-pmh';
  }
  const at = source.search(/<[\w.-]/);
  throw new CorpusFormatError(
    file,
    at === -1 ? 1 : lines.lineAt(at),
    `expected an arXiv Atom feed (<feed>) or OAI-PMH records (<OAI-PMH>), found <${rootName ?? 'nothing'}>`,
    'unsupported-xml',
  );
}
