import { parseBeirCorpus } from './beir.ts';
import { parseDailyPapers } from './daily-papers.ts';
import { paperIdFromTitle } from './paper-id.ts';
import { CorpusFormatError, type Paper } from './types.ts';

/**
 * Reads a corpus a person brings, by file name: `.jsonl` (one paper per line, BEIR style
 * {"_id","title","text"}; `_id` optional, `abstract` accepted for `text`) or `.txt` (a Daily Papers listing).
 * Throws CorpusFormatError naming the line; never returns a partial corpus.
 */
export function parseCorpusFile(name: string, source: string): Paper[] {
  const lower = name.toLowerCase();
  if (lower.endsWith('.txt')) return parseDailyPapers(source, name);
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return parseBeirCorpus(withDefaults(source, name), name);
  throw new CorpusFormatError(name, 1, 'expected a .jsonl file (one {"title","text"} object per line) or a .txt Daily Papers listing');
}

/** Fills `_id` from the title and `text` from `abstract`, line by line, so line numbers stay true. */
function withDefaults(source: string, file: string): string {
  const lines = source.replace(/^\uFEFF/, '').split(/\r?\n/);
  return lines
    .map((line, i) => {
      if (line.trim() === '') return line;
      let value: Record<string, unknown>;
      try {
        value = JSON.parse(line);
      } catch (error) {
        throw new CorpusFormatError(file, i + 1, `expected one JSON object per line: ${(error as Error).message}`);
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new CorpusFormatError(file, i + 1, 'expected a JSON object');
      if (value.text === undefined && typeof value.abstract === 'string') value.text = value.abstract;
      if (value._id === undefined) {
        if (typeof value.title !== 'string' || !value.title) throw new CorpusFormatError(file, i + 1, 'expected "_id" or a non-empty "title" to derive an id from');
        value._id = paperIdFromTitle(value.title);
      }
      return JSON.stringify(value);
    })
    .join('\n');
}
