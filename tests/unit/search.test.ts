import { describe, expect, it } from 'vitest';
import type { Paper } from '../../src/corpus/types.ts';
import { VectorMatrix } from '../../src/index/vector-matrix.ts';
import { SearchIndex } from '../../src/search/search.ts';

const papers: Paper[] = [
  { id: 'a', title: 'GottBERT: a German language model', abstract: 'A RoBERTa model pre-trained on German text from OSCAR.' },
  { id: 'b', title: 'Mamba: selective state spaces', abstract: 'Linear-time sequence modeling with selective state space layers.' },
  { id: 'c', title: 'Block-wise quantization of optimizers', abstract: 'Optimizer states stored in 8 bits save memory.' },
  { id: 'd', title: 'Electrocardiogram foundation model', abstract: 'A model of heart signals trained on ten million recordings.' },
  { id: 'e', title: 'Korean language understanding benchmark', abstract: 'Eight tasks for evaluating Korean models.' },
];

/** Hand-made unit vectors: paper i points mostly along axis i of a 5-d space. */
function unitRows(rows: number[][]): VectorMatrix {
  const matrix = new VectorMatrix(rows[0].length, rows.length);
  rows.forEach((row, i) => {
    const norm = Math.hypot(...row);
    matrix.setRow(
      i,
      row.map((x) => x / norm),
    );
  });
  return matrix;
}

const vectors = unitRows([
  [1, 0, 0, 0, 0.1],
  [0, 1, 0.2, 0, 0],
  [0, 0.3, 1, 0, 0],
  [0, 0, 0, 1, 0],
  [0.5, 0, 0, 0, 1],
]);
const index = new SearchIndex(papers, vectors);
const q = (...v: number[]) => {
  const norm = Math.hypot(...v);
  return Float32Array.from(v, (x) => x / norm);
};
const ids = (hits: { index: number }[]) => hits.map((h) => papers[h.index].id);

describe('SearchIndex.rank semantic', () => {
  it('orders papers by cosine to the query vector', () => {
    expect(ids(index.rank('semantic', '', q(1, 0, 0, 0, 0), 5))).toEqual(['a', 'e', 'b', 'c', 'd']);
    expect(ids(index.rank('semantic', '', q(0, 1, 0.5, 0, 0), 3))).toEqual(['b', 'c', 'a']);
    expect(ids(index.rank('semantic', '', q(0, 0, 0, 0, 1), 2))).toEqual(['e', 'a']);
  });

  it('scores are the cosines, best first', () => {
    const [first, second] = index.rank('semantic', '', q(0, 0, 0, 1, 0), 2);
    expect(first).toEqual({ index: 3, score: 1 });
    expect(second.score).toBeCloseTo(0, 6);
  });

  it('the query text is ignored in semantic mode', () => {
    const v = q(0, 0, 1, 0, 0);
    expect(index.rank('semantic', 'GottBERT', v, 5)).toEqual(index.rank('semantic', '', v, 5));
  });

  it('repeated queries on the shared scratch buffer do not leak scores between queries', () => {
    const first = index.rank('semantic', '', q(1, 0, 0, 0, 0), 5);
    index.rank('semantic', '', q(0, 0, 0, 1, 0), 5);
    expect(index.rank('semantic', '', q(1, 0, 0, 0, 0), 5)).toEqual(first);
  });

  it('k limits the hits; k larger than the corpus returns every paper once', () => {
    expect(index.rank('semantic', '', q(1, 1, 1, 1, 1), 1)).toHaveLength(1);
    expect(ids(index.rank('semantic', '', q(1, 1, 1, 1, 1), 50)).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('needs the query vector in semantic and hybrid modes, with a matching number of dims', () => {
    expect(() => index.rank('semantic', 'x', null, 5)).toThrow('rank: mode "semantic" needs the query vector');
    expect(() => index.rank('hybrid', 'x', null, 5)).toThrow('rank: mode "hybrid" needs the query vector');
    expect(() => index.rank('semantic', 'x', new Float32Array(4), 5)).toThrow('query has 4 dims, index has 5');
  });

  it('refuses papers and vectors of different counts', () => {
    expect(() => new SearchIndex(papers.slice(0, 4), vectors)).toThrow('SearchIndex: 4 papers but 5 vectors');
  });
});

describe('SearchIndex.rank keyword', () => {
  it('finds the paper with an exact term from its title or abstract first', () => {
    expect(ids(index.rank('keyword', 'GottBERT', null, 5))[0]).toBe('a');
    expect(ids(index.rank('keyword', 'electrocardiogram', null, 5))).toEqual(['d']);
    expect(ids(index.rank('keyword', 'OSCAR', null, 5))).toEqual(['a']);
  });

  it('a term in several papers returns each of them; an unknown term returns nothing', () => {
    expect(ids(index.rank('keyword', 'Korean', null, 5))).toEqual(['e']);
    expect(ids(index.rank('keyword', 'language', null, 5)).sort()).toEqual(['a', 'e']);
    expect(index.rank('keyword', 'zebrafish', null, 5)).toEqual([]);
  });

  it('does not need a query vector', () => {
    expect(index.rank('keyword', 'Mamba', null, 5).map((h) => h.index)).toEqual([1]);
  });
});

describe('SearchIndex.rank hybrid', () => {
  it('contains the semantic best and the keyword best when they differ', () => {
    // The text matches only paper d (electrocardiogram); the vector points at paper b.
    const hits = ids(index.rank('hybrid', 'electrocardiogram', q(0, 1, 0, 0, 0), 5));
    expect(hits).toContain('d');
    expect(hits).toContain('b');
    // Default cosine blend: the keyword match adds 0.065 cosine, so d (cosine 0) passes a and e (cosine 0, no
    // match) but not c (cosine 0.29, close to the query).
    expect(hits.slice(0, 3)).toEqual(['b', 'c', 'd']);
    // The min-max blend scales each list to [0, 1], so there the two bests take the first two places.
    const blend = new SearchIndex(papers, vectors, { k: 60, semanticWeight: 1, keywordWeight: 0.7, method: 'blend' });
    expect(ids(blend.rank('hybrid', 'electrocardiogram', q(0, 1, 0, 0, 0), 5)).slice(0, 2).sort()).toEqual(['b', 'd']);
  });

  it('a paper first in both rankings is first in the fusion', () => {
    expect(ids(index.rank('hybrid', 'GottBERT German', q(1, 0, 0, 0, 0), 3))[0]).toBe('a');
  });

  it('k limits the fused hits and every paper appears at most once', () => {
    const hits = ids(index.rank('hybrid', 'language model', q(1, 1, 1, 1, 1), 3));
    expect(hits).toHaveLength(3);
    expect(new Set(hits).size).toBe(3);
    expect(new Set(ids(index.rank('hybrid', 'language model', q(1, 1, 1, 1, 1), 10))).size).toBe(5);
  });
});
