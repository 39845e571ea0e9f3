import { paperIdFromContent } from '../../base/paper-id.ts';
import type { Paper, PaperMetadata } from '../../base/paper.ts';
import { CorpusFormatError } from '../types.ts';
import { collapseWhitespace } from './fields.ts';

/** One record as a format parser read it, before ids, cleaning and duplicate merging. */
export interface Candidate extends PaperMetadata {
  /** Line the record starts on (1-based), for messages and summary.skipped. */
  line: number;
  title?: string;
  abstract?: string;
  /** An id the person wrote themselves (`_id` in JSON/JSONL/CSV); other formats' keys are not ids. */
  explicitId?: string;
}

export interface ImportSummary {
  /** Records read from the file (imported, merged into an earlier copy, or skipped). */
  records: number;
  /** Papers returned. */
  imported: number;
  /** Of those, papers with a title but no abstract. */
  titleOnly: number;
  /** Records that repeated an earlier paper (same title and abstract) and were folded into it. */
  duplicatesMerged: number;
  /** Records not imported, with the line they start on and why. */
  skipped: { line: number; reason: string }[];
  /** Records imported with part of their text kept as written (a BibTeX "$" that opens math never closed), when any. */
  keptAsWritten?: { line: number; reason: string }[];
}

const METADATA = ['authors', 'year', 'venue', 'doi', 'url', 'arxivId', 'citationKey'] as const satisfies readonly (keyof PaperMetadata)[];

interface Seen {
  index: number;
  line: number;
  explicit: boolean;
  content: string;
}

/**
 * Turns candidates into papers: ids from content (or the person's `_id`), true duplicates merged, title-less
 * records skipped, counts kept. Shared by every import format so they all behave the same way.
 */
export class Collector {
  readonly papers: Paper[] = [];
  private readonly byContent = new Map<string, Seen>();
  private readonly byId = new Map<string, Seen>();
  private records = 0;
  private titleOnly = 0;
  private duplicatesMerged = 0;
  private readonly skipped: { line: number; reason: string }[] = [];
  private readonly keptAsWritten: { line: number; reason: string }[] = [];
  /** Lines of records skipped for having no title (the error when nothing at all has one). */
  private readonly untitled: number[] = [];

  /**
   * @param file name for messages
   * @param normalise collapse whitespace in title and abstract and compose them to NFC (for formats where line breaks are layout:
   *   BibTeX, RIS, CSV, XML; JSON text is kept exactly as given, so content hashes, and so cached vectors, match earlier imports)
   */
  constructor(
    private readonly file: string,
    private readonly normalise: boolean,
  ) {}

  add(candidate: Candidate): void {
    this.records++;
    const title = this.clean(candidate.title);
    const abstract = this.clean(candidate.abstract);
    const explicitId = candidate.explicitId;
    // BEIR corpora have papers without titles but with an _id and a text; anything else needs a title.
    if (!title.trim() && !(explicitId && abstract.trim())) {
      this.skipped.push({ line: candidate.line, reason: abstract.trim() ? 'no title' : 'no title and no abstract' });
      this.untitled.push(candidate.line);
      return;
    }
    const content = paperIdFromContent(title, abstract);
    const same = this.byContent.get(content);
    if (same) {
      this.duplicatesMerged++;
      fillMissing(this.papers[same.index], candidate);
      return;
    }
    let id = explicitId ?? content;
    const earlier = this.byId.get(id);
    if (earlier) {
      if (explicitId || earlier.explicit) {
        throw new CorpusFormatError(
          this.file,
          candidate.line,
          `duplicate _id "${id}": line ${earlier.line} has the same _id with a different title or abstract`,
          'duplicate-id',
        );
      }
      // Two different texts with the same 48-bit hash prefix: keep both, the later one with its line appended.
      id = `${id}-${candidate.line}`;
    }
    const paper: Paper = { id, title, abstract };
    fillMissing(paper, candidate);
    const seen: Seen = { index: this.papers.length, line: candidate.line, explicit: explicitId !== undefined, content };
    this.byContent.set(content, seen);
    this.byId.set(id, seen);
    this.papers.push(paper);
    if (!abstract.trim()) this.titleOnly++;
  }

  skip(line: number, reason: string): void {
    this.records++;
    this.skipped.push({ line, reason });
  }

  /** The record on this line was imported (add() it too) with part of its text taken literally, for this reason. */
  keptLiterally(line: number, reason: string): void {
    this.keptAsWritten.push({ line, reason });
  }

  /**
   * The summary, or an error when nothing was imported: no records ('empty'), records without any title
   * ('missing-title', at the first one), or records all skipped for other reasons ('empty', naming the first).
   */
  finish(emptyProblem: string): ImportSummary {
    if (this.papers.length === 0) {
      if (this.records === 0) throw new CorpusFormatError(this.file, 1, emptyProblem, 'empty');
      if (this.untitled.length === this.skipped.length) {
        throw new CorpusFormatError(this.file, this.untitled[0], `expected at least one record with a title, found ${this.records} without`, 'missing-title');
      }
      const first = this.skipped[0];
      throw new CorpusFormatError(this.file, first.line, `expected at least one paper, found none to import (the first record was skipped: ${first.reason})`, 'empty');
    }
    return {
      records: this.records,
      imported: this.papers.length,
      titleOnly: this.titleOnly,
      duplicatesMerged: this.duplicatesMerged,
      skipped: this.skipped,
      ...(this.keptAsWritten.length > 0 ? { keptAsWritten: this.keptAsWritten } : {}),
    };
  }

  private clean(value: string | undefined): string {
    if (value === undefined || !value.trim()) return '';
    return this.normalise ? collapseWhitespace(value).normalize('NFC') : value;
  }
}

/** Copies metadata the paper lacks from a later copy of it; never overwrites, never adds undefined keys. */
function fillMissing(paper: Paper, from: Candidate): void {
  for (const key of METADATA) {
    const value = from[key];
    if (value === undefined || paper[key] !== undefined) continue;
    if (Array.isArray(value) && value.length === 0) continue;
    if (typeof value === 'string' && !value.trim()) continue;
    (paper as unknown as Record<string, unknown>)[key] = value;
  }
}
