import { describe, expect, it } from 'vitest';
import { getModelSpec, MODELS } from '../../src/embedding/models.ts';
import { cutStats, precisionByScore, thresholdFor } from '../../src/eval/cutoff.ts';
import { BACKGROUND_RANK, KEYWORD_RELEVANCE, keywordStrength, queryBackground, queryScale, relevanceCut, relevanceLabel, relevanceLabelWith, relevanceThresholds, standing } from '../../src/search/relevance.ts';
import { SEARCH_MODES } from '../../src/search/search.ts';

const judged = (...pairs: Array<[number, 0 | 1]>) => pairs.map(([score, relevant]) => ({ score, relevant: relevant === 1 }));

describe('cut-off selection: precision by score (isotonic fit)', () => {
  it('pools neighbours that would make precision fall as the score rises (hand-computed)', () => {
    // Scores ascending: 0.1 no, 0.2 yes, 0.3 no, 0.4 yes, 0.5 yes. 0.2/0.3 violate (1 then 0): pooled to 0.5.
    const blocks = precisionByScore(judged([0.5, 1], [0.1, 0], [0.3, 0], [0.2, 1], [0.4, 1]));
    expect(blocks).toEqual([
      { min: 0.1, max: 0.1, precision: 0, count: 1 },
      { min: 0.2, max: 0.3, precision: 0.5, count: 2 },
      { min: 0.4, max: 0.5, precision: 1, count: 2 },
    ]);
  });

  it('never decreases with the score, and keeps tied scores in one block', () => {
    const samples = judged([0.7, 1], [0.7, 0], [0.7, 0], [0.9, 1], [0.2, 1], [0.3, 0], [0.8, 0], [0.85, 1]);
    const blocks = precisionByScore(samples);
    for (let i = 1; i < blocks.length; i++) expect(blocks[i].precision).toBeGreaterThan(blocks[i - 1].precision);
    expect(blocks.filter((b) => b.min <= 0.7 && b.max >= 0.7)).toHaveLength(1);
    expect(blocks.reduce((n, b) => n + b.count, 0)).toBe(samples.length);
  });

  it('weights let a small dataset have the same say as a large one', () => {
    // Four results scoring 0.5 (none relevant), one scoring 0.5 that is: unweighted 1/5, weighted 1/2.
    const many = judged([0.5, 0], [0.5, 0], [0.5, 0], [0.5, 0]).map((s) => ({ ...s, weight: 1 / 4 }));
    const few = [{ score: 0.5, relevant: true, weight: 1 }];
    expect(precisionByScore([...many.map(({ weight: _, ...s }) => s), { score: 0.5, relevant: true }])[0].precision).toBeCloseTo(0.2, 12);
    expect(precisionByScore([...many, ...few])[0].precision).toBeCloseTo(0.5, 12);
  });

  it('the threshold is the lowest score whose fitted precision reaches the level', () => {
    const blocks = precisionByScore(judged([0.1, 0], [0.2, 1], [0.3, 0], [0.4, 1], [0.5, 1]));
    expect(thresholdFor(blocks, 0.5)).toBe(0.2);
    expect(thresholdFor(blocks, 0.51)).toBe(0.4);
    expect(thresholdFor(blocks, 1)).toBe(0.4);
    expect(thresholdFor(precisionByScore(judged([0.9, 0])), 0.5)).toBe(Infinity);
    expect(() => thresholdFor(blocks, 0)).toThrow('level must be in (0, 1]');
  });

  it('precision and recall of showing what scores at least the threshold', () => {
    const samples = judged([0.9, 1], [0.8, 0], [0.6, 1], [0.3, 1]);
    // 4 judged relevant in all (one never retrieved): at 0.6, 3 shown, 2 relevant.
    expect(cutStats(samples, 0.6, 4)).toEqual({ shown: 3, precision: 2 / 3, recall: 0.5 });
    expect(cutStats(samples, 1, 4)).toEqual({ shown: 0, precision: NaN, recall: 0 });
  });
});

describe('relevance labels and the cut', () => {
  // Keyword mode compares keywordStrength: with a one-term query over papers whose rarest-term idf is 1, that is
  // the BM25 score itself. ln(1 + (N - 0.5) / 1.5) = 1 for N = 1.5 (e - 1) + 0.5.
  const unitIdf = { query: 'transformer', papers: 1.5 * (Math.E - 1) + 0.5 };
  const contextFor = (mode: string) => (mode === 'keyword' ? unitIdf : {});

  it('every shipped threshold pair is finite and ordered: good <= strong', () => {
    for (const mode of SEARCH_MODES) {
      const t = relevanceThresholds(mode)!;
      expect(t, mode).not.toBeNull();
      expect(t.good).toBeLessThanOrEqual(t.strong);
      expect(Number.isFinite(t.strong) && Number.isFinite(t.good)).toBe(true);
    }
  });

  it('labels a score by the mode and model thresholds, boundaries included', () => {
    for (const mode of SEARCH_MODES) {
      const { strong, good } = relevanceThresholds(mode)!;
      const label = (score: number) => relevanceLabel(mode, score, contextFor(mode));
      expect(label(strong)).toBe('strong');
      expect(label(strong + 1)).toBe('strong');
      expect(label(good)).toBe('good');
      expect(label((good + strong) / 2)).toBe('good');
      expect(label(good - 1e-6)).toBe('weak');
    }
  });

  it("keyword strength: per distinct query term (stop words and repeats not counted), in units of the rarest term's idf", () => {
    expect(keywordStrength(3, 'transformer', unitIdf.papers)).toBeCloseTo(3, 12);
    // "the" and "of" are stop words; "models" and "model" stem alike: two terms.
    expect(keywordStrength(3, 'the models of a model transformer', unitIdf.papers)).toBeCloseTo(1.5, 12);
    // A bigger corpus makes rare terms weigh more, so the same BM25 is less strong.
    expect(keywordStrength(3, 'transformer', 1000)).toBeCloseTo(3 / Math.log(1 + 999.5 / 1.5), 12);
    expect(keywordStrength(3, '!!!', unitIdf.papers)).toBeCloseTo(3, 12);
    expect(() => relevanceLabel('keyword', 3)).toThrow('keyword mode needs the query and the number of papers');
  });

  it('semantic and hybrid thresholds come from the model spec; keyword ones do not depend on the model', () => {
    const spec = getModelSpec('bge-small-en-v1.5').ranking.relevance!;
    expect(relevanceThresholds('semantic', 'bge-small-en-v1.5')).toBe(spec.semantic);
    expect(relevanceThresholds('hybrid', 'bge-small-en-v1.5')).toBe(spec.hybrid);
    for (const id of Object.keys(MODELS)) expect(relevanceThresholds('keyword', id)).toBe(KEYWORD_RELEVANCE);
    expect(() => relevanceThresholds('semantic', 'no-such-model')).toThrow('Unknown model "no-such-model"');
  });

  it('a model whose thresholds were never measured gets no label and nothing held back', () => {
    const unmeasured = Object.values(MODELS).filter((spec) => spec.ranking.relevance === null);
    expect(unmeasured.length).toBeGreaterThan(0);
    const hits = [{ index: 0, score: 0.99 }, { index: 1, score: 0.1 }];
    for (const spec of unmeasured) {
      expect(relevanceLabel('semantic', 0.99, { modelId: spec.id })).toBeNull();
      expect(relevanceCut('hybrid', hits, { modelId: spec.id })).toEqual({ strong: 2, more: 0 });
      expect(relevanceLabel('keyword', KEYWORD_RELEVANCE.strong, { ...unitIdf, modelId: spec.id })).toBe('strong');
    }
  });

  it('splits best-first hits at the strong threshold: "n strong matches · m more"', () => {
    for (const mode of SEARCH_MODES) {
      const { strong } = relevanceThresholds(mode)!;
      const hits = [strong + 0.2, strong + 0.01, strong, strong - 0.001, strong - 0.3].map((score, index) => ({ index, score }));
      expect(relevanceCut(mode, hits, contextFor(mode))).toEqual({ strong: 3, more: 2 });
      expect(relevanceCut(mode, hits.slice(3), contextFor(mode))).toEqual({ strong: 0, more: 2 });
      expect(relevanceCut(mode, [], contextFor(mode))).toEqual({ strong: 0, more: 0 });
    }
  });
});

describe('issue 18.4: a result that stands out of the query background', () => {
  const thresholds = { strong: 0.9, good: 0.85, standout: { min: 0.7, weight: 2, level: 1, near: 0.02 } };
  const hits = (scores: number[]) => scores.map((score, index) => ({ index, score }));

  it("the background is the score of the app's last result (the 50th), or the lowest of fewer; the best is the first", () => {
    const fifty = hits(Array.from({ length: 60 }, (_, i) => 1 - i / 100));
    expect(BACKGROUND_RANK).toBe(50);
    expect(queryBackground(fifty)).toBeCloseTo(1 - 49 / 100, 12);
    expect(queryBackground(hits([0.9, 0.8, 0.7]))).toBe(0.7);
    expect(queryBackground([])).toBeNull();
    expect(queryScale(hits([0.9, 0.8, 0.7]))).toEqual({ background: 0.7, best: 0.9 });
    expect(queryScale([])).toEqual({ background: null, best: null });
  });

  it('below good, a hit is good when score + weight x (score - background) reaches the level, above the floor, near the best', () => {
    const label = (score: number, background: number | null, best: number | null = score) => relevanceLabelWith(thresholds, score, { background, best });
    expect(standing(thresholds.standout, 0.8, 0.7)).toBeCloseTo(1, 12);
    expect(label(0.8, 0.7)).toBe('good'); // 0.8 + 2 x 0.1 = 1
    expect(label(0.8, 0.7001)).toBe('weak'); // just under the level
    expect(label(0.72, 0.58)).toBe('good'); // scores lower, stands out further: 0.72 + 2 x 0.14 = 1
    expect(label(0.69, 0.4)).toBe('weak'); // under the floor however far it stands out
    expect(label(0.8, 0.7, 0.82)).toBe('good'); // within near (0.02) of the best
    expect(label(0.8, 0.7, 0.8201)).toBe('weak'); // further from the best: a claim's middling results do not all stand out
    expect(label(0.8, null)).toBe('weak'); // no background known: the fixed thresholds alone
    expect(label(0.8, 0.7, null)).toBe('weak'); // no best known: likewise
    expect(label(0.86, 0.85)).toBe('good');
    expect(label(0.95, 0.94)).toBe('strong'); // standing out never makes strong, nor is needed for it
  });

  it("the shipped model's cosine modes carry a standout, chosen by tools/choose-cutoff.ts", () => {
    for (const mode of ['hybrid', 'semantic'] as const) {
      const t = relevanceThresholds(mode)!;
      expect(t.standout, mode).toBeDefined();
      expect(t.standout!.min).toBeLessThanOrEqual(t.good);
      expect(t.standout!.weight).toBeGreaterThan(0);
      expect(t.standout!.near).toBeGreaterThanOrEqual(0);
    }
  });
});
