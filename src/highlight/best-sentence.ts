import { normalizeTerm, tokenize } from '../index/keyword.ts';

/**
 * "Why this paper": the sentence of an abstract that best matches the query, as character offsets so the
 * UI can highlight it in place. Lexical and synchronous: it uses the keyword index's own tokenisation, stop
 * words and stemming, so a highlighted sentence contains the terms that made the paper match. (Measured
 * against semantic sentence choice on seed-dev in docs/quality.md.)
 */

export interface Span {
  start: number;
  end: number;
  text: string;
}

/** Words that end with a period without ending a sentence (compared lower-case, without the period). */
const ABBREVIATIONS = new Set([
  'e.g', 'i.e', 'al', 'etc', 'vs', 'cf', 'fig', 'figs', 'eq', 'eqs', 'ref', 'refs', 'sec', 'approx', 'resp', 'no', 'nos',
  'dr', 'mr', 'mrs', 'ms', 'prof', 'st', 'jr', 'sr', 'inc', 'ltd', 'co', 'corp', 'vol', 'pp', 'ca', 'viz', 'u.s', 'u.k', 'e.u', 'approx',
]);

/** The word (letters, digits and inner periods) that ends just before `dot`. */
function wordBefore(text: string, dot: number): string {
  let start = dot;
  while (start > 0 && /[\p{L}\p{N}.]/u.test(text[start - 1])) start--;
  return text.slice(start, dot).replace(/^\.+/, '').toLowerCase();
}

/** True when the terminator at `at` (followed by whitespace) really ends a sentence. */
function endsSentence(text: string, at: number, next: number): boolean {
  const nextChar = text[next] ?? '';
  // A sentence starts with a capital, a digit, or an opening quote/bracket; "e.g. the" continues.
  if (!/[\p{Lu}\p{N}"'“‘(\[]/u.test(nextChar)) return false;
  if (text[at] !== '.') return true;
  const word = wordBefore(text, at);
  // No rule for initials: in abstracts "on task B. We ..." ends sentences far more often than "J. Smith"
  // appears, and species names ("E. coli") are already kept whole by the lower-case rule above.
  return !ABBREVIATIONS.has(word);
}

/** Sentences of `text` as trimmed spans; offsets index into `text`. */
export function splitSentences(text: string): Span[] {
  const spans: Span[] = [];
  let start = 0;
  const push = (end: number) => {
    let s = start;
    let e = end;
    while (s < e && /\s/.test(text[s])) s++;
    while (e > s && /\s/.test(text[e - 1])) e--;
    if (e > s) spans.push({ start: s, end: e, text: text.slice(s, e) });
  };
  for (let i = 0; i < text.length; i++) {
    if (!/[.!?]/.test(text[i])) continue;
    // Keep closing quotes and brackets with the sentence they close: 'it ends." Next'.
    let end = i + 1;
    while (end < text.length && /["'”’)\]]/.test(text[end])) end++;
    if (end >= text.length || !/\s/.test(text[end])) continue; // "3.5", "e.g.," and "U.S.-based" stay inside
    let next = end;
    while (next < text.length && /\s/.test(text[next])) next++;
    if (next >= text.length || !endsSentence(text, i, next)) continue;
    push(end);
    start = end;
    i = end - 1;
  }
  push(text.length);
  return spans;
}

/** Index terms of a text, as the keyword index produces them (stop words dropped, stemmed). */
function terms(text: string): string[] {
  const out: string[] = [];
  for (const token of tokenize(text)) {
    const term = normalizeTerm(token);
    if (term) out.push(term);
  }
  return out;
}

export interface BestSentenceOptions {
  /** Weight of a query term, e.g. the corpus idf from the keyword index. Default: idf over the abstract's sentences. */
  termWeight?: (term: string) => number;
}

/**
 * The sentence sharing the most (weighted) query terms with the query; ties go to the sentence where the
 * matches are denser, then to the earlier one. Null when no sentence shares a term with the query
 * (then there is nothing the user would recognise as the reason for the match).
 */
export function bestSentence(abstract: string, query: string, options: BestSentenceOptions = {}): Span | null {
  const queryTerms = new Set(terms(query));
  if (queryTerms.size === 0) return null;
  const sentences = splitSentences(abstract);
  const sentenceTerms = sentences.map((s) => terms(s.text));
  const sentenceSets = sentenceTerms.map((t) => new Set(t));
  // Rarer within this abstract = more telling; a term in every sentence still counts a little.
  const weight =
    options.termWeight ??
    ((term: string) => Math.log(1 + sentences.length / Math.max(1, sentenceSets.filter((set) => set.has(term)).length)));
  let best: Span | null = null;
  let bestScore = 0;
  let bestDensity = 0;
  sentences.forEach((sentence, i) => {
    let score = 0;
    for (const term of queryTerms) if (sentenceSets[i].has(term)) score += weight(term);
    const density = score / Math.sqrt(Math.max(1, sentenceTerms[i].length));
    if (score > bestScore + 1e-9 || (score > 0 && Math.abs(score - bestScore) <= 1e-9 && density > bestDensity + 1e-9)) {
      best = sentence;
      bestScore = score;
      bestDensity = density;
    }
  });
  return best;
}
