import { exportPapers, suggestedFileName, type ExportFormat } from '../corpus/export.ts';
import type { Paper } from '../base/paper.ts';
import { downloadText } from './download.ts';
import type { SearchOutcome } from '../search/searcher.ts';

/** Saves the results on screen, with their ranks and scores, as a file the person downloads. */
export function exportResults(outcome: SearchOutcome, format: ExportFormat, libraryName: string): void {
  const rows = outcome.hits.map((hit, i) => ({ paper: outcome.papers[hit.index], score: hit.score, rank: i + 1 }));
  const file = exportPapers(rows, format, { query: outcome.query, mode: outcome.fallback ? 'keyword' : outcome.mode });
  downloadText(file.text, suggestedFileName(libraryName, format, outcome.query), file.mimeType);
}

/** Saves a whole library as a file the person downloads. */
export function exportLibrary(libraryName: string, papers: readonly Paper[], format: ExportFormat): void {
  const file = exportPapers(papers.map((paper) => ({ paper })), format);
  downloadText(file.text, suggestedFileName(libraryName, format), file.mimeType);
}
