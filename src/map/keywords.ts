import { normalizeTerm, tokenize } from '../index/keyword.ts';

/**
 * Labels for map clusters: the terms (stemmed words and two-word phrases, tokenised and stemmed as BM25 does,
 * index/keyword.ts) that most distinguish a cluster's papers from the rest of the library, by the log-odds
 * ratio with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008), z-scored. Counts are document
 * frequencies, so one long abstract cannot carry a label. Terms are shown in their most frequent surface form.
 */

/**
 * Strength of the prior: pseudo-counts spread over the vocabulary in proportion to library frequency, at most
 * a tenth of the library's own counts (so a small library is not drowned by it).
 */
const PRIOR_STRENGTH = 500;
const PRIOR_SHARE = 0.1;
/** A phrase replaces its word when its z-score is at least this fraction of the word's (phrases read better). */
const PHRASE_PREFERENCE = 0.5;
/** z-score each word of a phrase must reach on its own (about one standard error above its library rate). */
const MIN_WORD_Z = 1;

const PHRASE_KEY = 2 ** 26;
const CLAUSE_BREAK = /[.,;:!?()[\]{}"“”]+/;

interface Surface {
  /** Unigram term id of this token, or -1 for a stop word / unusable token. */
  term: number;
  count: number;
}

export function distinctiveKeywords(texts: readonly string[], assignment: ArrayLike<number>, clusters: number, perCluster: number): string[][] {
  if (texts.length !== assignment.length) throw new Error(`distinctiveKeywords: ${texts.length} texts for ${assignment.length} points`);
  const stems = new Map<string, number>();
  /** Per term: the unigram ids it is made of (one, or two for a phrase). */
  const parts: number[][] = [];
  const surfaces = new Map<string, Surface>();
  let documentFrequency = new Int32Array(1024);
  let lastDocument = new Int32Array(1024).fill(-1);
  const clusterCounts = Array.from({ length: clusters }, () => new Map<number, number>());
  const clusterTotals = new Float64Array(clusters);
  const clusterDocs = new Int32Array(clusters);

  const phrases = new Map<number, number>();
  /** Id of a new term made of `made` (one unigram id for itself, or two for a phrase); grows the per-term arrays. */
  const newTerm = (made: number[] | null): number => {
    const id = parts.length;
    parts.push(made ?? [id]);
    if (id >= documentFrequency.length) {
      const grownDf = new Int32Array(documentFrequency.length * 2);
      grownDf.set(documentFrequency);
      documentFrequency = grownDf;
      const grownLast = new Int32Array(lastDocument.length * 2).fill(-1);
      grownLast.set(lastDocument);
      lastDocument = grownLast;
    }
    return id;
  };
  const unigramId = (stem: string): number => {
    let id = stems.get(stem);
    if (id === undefined) stems.set(stem, (id = newTerm(null)));
    return id;
  };
  // A phrase is keyed by its two word ids as one number (ids stay far below 2^26): no string per occurrence.
  const phraseId = (first: number, second: number): number => {
    const key = first * PHRASE_KEY + second;
    let id = phrases.get(key);
    if (id === undefined) phrases.set(key, (id = newTerm([first, second])));
    return id;
  };
  // Each distinct token is checked and stemmed once (the vocabulary is far smaller than the text).
  const surfaceOf = (token: string): Surface => {
    let surface = surfaces.get(token);
    if (!surface) {
      const stem = usable(token) ? normalizeTerm(token) : null;
      surface = { term: stem === null ? -1 : unigramId(stem), count: 0 };
      surfaces.set(token, surface);
    }
    surface.count++;
    return surface;
  };

  for (let doc = 0; doc < texts.length; doc++) {
    const cluster = assignment[doc];
    const counts = clusterCounts[cluster];
    clusterDocs[cluster]++;
    const count = (id: number) => {
      if (lastDocument[id] === doc) return;
      lastDocument[id] = doc;
      documentFrequency[id]++;
      counts.set(id, (counts.get(id) ?? 0) + 1);
      clusterTotals[cluster]++;
    };
    // Phrases do not cross punctuation: "processing (NLP)" is not the phrase "processing nlp".
    for (const clause of texts[doc].replace(WEB_ADDRESS, '.').split(CLAUSE_BREAK)) {
      let previous = -1;
      for (const token of tokenize(clause)) {
        const { term } = surfaceOf(token);
        if (term < 0) {
          previous = -1;
          continue;
        }
        count(term);
        if (previous >= 0 && previous !== term) count(phraseId(previous, term));
        previous = term;
      }
    }
  }

  const display = displayForms(surfaces, parts.length);
  const libraryTotal = clusterTotals.reduce((a, b) => a + b, 0);
  const strength = Math.min(PRIOR_STRENGTH, PRIOR_SHARE * libraryTotal);
  return clusterCounts.map((counts, c) => {
    const minimum = clusterDocs[c] > 1 ? 2 : 1;
    const restTotal = libraryTotal - clusterTotals[c];
    let scored: { id: number; z: number }[] = [];
    for (const [id, inCluster] of counts) {
      if (inCluster < minimum) continue;
      const inRest = documentFrequency[id] - inCluster;
      const prior = (strength * documentFrequency[id]) / libraryTotal;
      const delta =
        Math.log((inCluster + prior) / (clusterTotals[c] + strength - inCluster - prior)) -
        Math.log((inRest + prior) / (restTotal + strength - inRest - prior));
      const z = delta / Math.sqrt(1 / (inCluster + prior) + 1 / (inRest + prior));
      if (z > 0) scored.push({ id, z });
    }
    // A phrase is a label only if each of its words is itself distinctive here: "study protein" is as specific
    // to a cluster as "protein folding", but "study" says nothing about it.
    const zOf = new Map(scored.map((entry) => [entry.id, entry.z]));
    scored = scored.filter((entry) => parts[entry.id].length === 1 || parts[entry.id].every((part) => (zOf.get(part) ?? 0) >= MIN_WORD_Z));
    scored.sort((a, b) => b.z - a.z || a.id - b.id);
    // A word's best phrase in this cluster ("state space" for "space"), to be shown instead when nearly as distinctive.
    const bestPhrase = new Map<number, { id: number; z: number }>();
    for (const entry of scored) {
      if (parts[entry.id].length < 2) continue;
      for (const part of parts[entry.id]) if (!bestPhrase.has(part)) bestPhrase.set(part, entry);
    }
    const chosen: string[] = [];
    const used = new Set<number>();
    for (const entry of scored) {
      if (chosen.length >= perCluster) break;
      const phrase = parts[entry.id].length === 1 ? bestPhrase.get(entry.id) : undefined;
      const id = phrase && phrase.z >= PHRASE_PREFERENCE * entry.z ? phrase.id : entry.id;
      // "language models" and "language" say the same thing: a term sharing a word with a chosen one is skipped.
      if (parts[id].some((part) => used.has(part))) continue;
      parts[id].forEach((part) => used.add(part));
      chosen.push(parts[id].map((part) => display[part]).join(' '));
    }
    return chosen;
  });
}

/**
 * Words that make no label (issue 18: "women who", "http, www"): function words the keyword index keeps (BM25
 * weighs them down by itself; a label has no such weighting), and the pieces of web addresses.
 */
const LABEL_STOP_WORDS: ReadonlySet<string> = new Set(
  ('who whom whose what when where why how which while whether here more most other others some any each every all both ' +
    'very only just about over under between through during before after above below again further once same own ' +
    'you your i my me he she him her his them itself themselves ourselves do does did doing done having being would ' +
    'could should may might must shall one two via using use used based show shows shown new however thus therefore ' +
    'http https www com org net html htm github io doi arxiv pdf').split(' '),
);

/** Web addresses in an abstract ("code at https://github.com/x/y", "www.example.org"): no label comes from them. */
const WEB_ADDRESS = /\b(?:https?:\/\/|www\.)\S+|\b\S+\.(?:com|org|net|io)\/\S*/gi;

/** Words worth a label: at least three characters, not only digits, not a function word or piece of an address. */
function usable(token: string): boolean {
  return token.length >= 3 && !/^\d+$/.test(token) && !LABEL_STOP_WORDS.has(token);
}

/** The most frequent surface form of each unigram term (ties: the alphabetically first). */
function displayForms(surfaces: Map<string, Surface>, size: number): string[] {
  const best = new Array<string>(size).fill('');
  const bestCount = new Int32Array(size);
  for (const [token, { term, count }] of surfaces) {
    if (term < 0) continue;
    if (count > bestCount[term] || (count === bestCount[term] && token < best[term])) {
      best[term] = token;
      bestCount[term] = count;
    }
  }
  return best;
}
