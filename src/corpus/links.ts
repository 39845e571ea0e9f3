import type { Paper } from '../base/paper.ts';

/** Characters a DOI may contain that would end or change a URL path (#, ?, %, spaces, quotes, angle brackets…). */
const UNSAFE_IN_PATH = /[^A-Za-z0-9\-._~!$&'()*+,;=:@/]/g;

/**
 * The best link for a paper: its DOI (resolves to the publisher), else its arXiv page, else its own URL when
 * that is http(s). Null when there is none (never a javascript: or file: URL from an imported file).
 */
export function paperLink(paper: Pick<Paper, 'doi' | 'arxivId' | 'url'>): string | null {
  const doi = paper.doi?.trim();
  if (doi) return `https://doi.org/${doi.replace(UNSAFE_IN_PATH, encodeURIComponent)}`;
  const arxivId = paper.arxivId?.trim();
  if (arxivId) return `https://arxiv.org/abs/${arxivId.replace(UNSAFE_IN_PATH, encodeURIComponent)}`;
  const url = paper.url?.trim();
  if (url && /^https?:\/\/[^\s/]/i.test(url)) return url;
  return null;
}
