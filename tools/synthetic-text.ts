/**
 * Synthetic papers with realistic term statistics for the keyword benchmarks at 1,000,000 abstracts (issue 10,
 * part 5): each paper mixes 2–4 real SciFact documents (as src/index/compressed/synthetic.ts mixes their
 * vectors): its title is one source's title, its abstract as many sentences as one of the sources has, each
 * drawn from a random source of the mix without repetition. Word and sentence statistics are those of real
 * biomedical abstracts; no two papers share their sentence mix unless the same 2–4 sources and the same
 * sentences come up, which with 5,183 sources is rare (the titles do repeat: ~190 times each at 1M).
 * Paper i depends only on (seed, i), so any prefix of a larger set is the smaller set, and papers can be made
 * on demand (`syntheticPaperSource`) instead of held: a million abstracts are ~1.5 GB of text.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBeirCorpus } from '../src/corpus/beir.ts';
import type { Paper } from '../src/base/paper.ts';
import { SCIFACT_DIR } from './synthetic-corpus.ts';
import { seededRandom } from '../src/base/random.ts';

export const SCIFACT_CORPUS = join(SCIFACT_DIR, 'corpus.jsonl');

interface Source {
  title: string;
  sentences: string[];
}

/** Sentence ends: . ! or ? then space, before a capital, a digit or an opening bracket (not "e.g. the"). */
const SENTENCE_BREAK = /(?<=[.!?])\s+(?=[A-Z0-9([])/;

function sourcesOf(papers: readonly Paper[]): Source[] {
  return papers.filter((p) => p.abstract.trim() !== '').map((p) => ({ title: p.title, sentences: p.abstract.split(SENTENCE_BREAK).filter((s) => s.trim() !== '') }));
}


function seedFor(seed: number, index: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35)) >>> 0;
}

function makePaper(sources: readonly Source[], seed: number, index: number): Paper {
  const next = seededRandom(seedFor(seed, index));
  const count = 2 + Math.floor(next() * 3);
  const picked: Source[] = [];
  while (picked.length < count) {
    const source = sources[Math.floor(next() * sources.length)];
    if (!picked.includes(source)) picked.push(source);
  }
  const length = picked[Math.floor(next() * count)].sentences.length;
  const remaining = picked.map((s) => s.sentences.map((_, i) => i));
  const sentences: string[] = [];
  while (sentences.length < length) {
    const open = remaining.map((_, i) => i).filter((i) => remaining[i].length > 0);
    if (open.length === 0) break;
    const from = open[Math.floor(next() * open.length)];
    const at = Math.floor(next() * remaining[from].length);
    sentences.push(picked[from].sentences[remaining[from][at]]);
    remaining[from].splice(at, 1);
  }
  return { id: `syn-${seed}-${index}`, title: picked[0].title, abstract: sentences.join(' ') };
}

/** SciFact's corpus, read by path (CC BY-NC: never copied into the repository). */
export function loadScifactPapers(corpusPath = SCIFACT_CORPUS): Paper[] {
  return parseBeirCorpus(readFileSync(corpusPath, 'utf8'), corpusPath);
}

/** n synthetic papers made on demand: an ArrayLike whose element i is built when read (same paper every time). */
export function syntheticPaperSource(n: number, seed: number, papers: readonly Paper[] = loadScifactPapers()): ArrayLike<Paper> {
  const sources = sourcesOf(papers);
  return new Proxy({ length: n } as ArrayLike<Paper>, {
    get(target, key) {
      if (typeof key === 'string' && /^\d+$/.test(key)) {
        const index = Number(key);
        return index < n ? makePaper(sources, seed, index) : undefined;
      }
      return Reflect.get(target, key);
    },
  });
}

/** n synthetic papers, deterministic by seed (see the module comment). */
export function syntheticPapers(n: number, seed: number, papers: readonly Paper[] = loadScifactPapers()): Paper[] {
  const sources = sourcesOf(papers);
  return Array.from({ length: n }, (_, i) => makePaper(sources, seed, i));
}
