import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDailyPapers } from '../../src/corpus/daily-papers.ts';
import { bestSentence, splitSentences } from '../../src/highlight/best-sentence.ts';

const texts = (s: string) => splitSentences(s).map((span) => span.text);

describe('splitSentences', () => {
  it('splits at sentence ends and keeps offsets into the input', () => {
    const abstract = 'We study X.  It works well! Does it scale? Yes.';
    const spans = splitSentences(abstract);
    expect(spans.map((s) => s.text)).toEqual(['We study X.', 'It works well!', 'Does it scale?', 'Yes.']);
    for (const s of spans) expect(abstract.slice(s.start, s.end)).toBe(s.text);
  });

  it('does not split at e.g., i.e., et al., decimals, initials or figure references', () => {
    expect(texts('Large models, e.g. GPT-4, are costly. Smith et al. Showed this in 2020. Accuracy rose to 93.5 percent. Next.')).toEqual([
      'Large models, e.g. GPT-4, are costly.',
      'Smith et al. Showed this in 2020.',
      'Accuracy rose to 93.5 percent.',
      'Next.',
    ]);
    expect(texts('Methods (i.e. LoRA) help. As E. coli shows in Fig. 3, it is vs. Adam. Done.')).toEqual([
      'Methods (i.e. LoRA) help.',
      'As E. coli shows in Fig. 3, it is vs. Adam.',
      'Done.',
    ]);
  });

  it('does not split before a lower-case word, and keeps a closing quote with its sentence', () => {
    expect(texts('The so-called "approx. method." works. It is 2.5x faster.')).toEqual(['The so-called "approx. method." works.', 'It is 2.5x faster.']);
    expect(texts('It said "stop." Then it stopped.')).toEqual(['It said "stop."', 'Then it stopped.']);
  });

  it('returns one sentence for text without terminators and nothing for blank text', () => {
    expect(texts('no terminator here')).toEqual(['no terminator here']);
    expect(splitSentences('   ')).toEqual([]);
  });
});

describe('bestSentence', () => {
  const abstract =
    'Large language models are expensive to fine-tune. We propose a low-rank adaptation method that trains 0.1% of the weights. ' +
    'Experiments on GLUE show gains over full fine-tuning, e.g. 2.3 points. Code is released.';

  it('picks the sentence sharing the most query terms, with offsets into the abstract', () => {
    const span = bestSentence(abstract, 'efficient low-rank adaptation methods');
    expect(span?.text).toBe('We propose a low-rank adaptation method that trains 0.1% of the weights.');
    expect(abstract.slice(span!.start, span!.end)).toBe(span!.text);
  });

  it('matches inflected forms through the keyword stemmer and ignores stop words', () => {
    expect(bestSentence(abstract, 'experiment results')?.text).toBe('Experiments on GLUE show gains over full fine-tuning, e.g. 2.3 points.');
    expect(bestSentence(abstract, 'the of and')).toBeNull();
  });

  it('prefers the rarer term when two sentences each match one term', () => {
    // "fine" appears in two sentences, "released" in one: "released" is the more telling match.
    expect(bestSentence(abstract, 'fine released')?.text).toBe('Code is released.');
  });

  it('uses a caller-supplied term weight (corpus idf) when given', () => {
    const weights: Record<string, number> = { model: 10, releas: 1 };
    expect(bestSentence(abstract, 'models released', { termWeight: (t) => weights[t] ?? 0 })?.text).toBe(
      'Large language models are expensive to fine-tune.',
    );
  });

  it('returns null when no sentence shares a term with the query', () => {
    expect(bestSentence(abstract, 'protein folding')).toBeNull();
    expect(bestSentence('', 'anything')).toBeNull();
  });

  it('gives a real sentence of every bundled abstract for a query built from its title', () => {
    const papers = parseDailyPapers(readFileSync('data/daily-papers.txt', 'utf8'));
    let found = 0;
    for (const paper of papers) {
      const span = bestSentence(paper.abstract, paper.title);
      if (!span) continue;
      found++;
      expect(paper.abstract.slice(span.start, span.end)).toBe(span.text);
      expect(span.text.length).toBeLessThan(paper.abstract.length + 1);
    }
    expect(found).toBeGreaterThan(papers.length * 0.9);
  });
});
