import { decideBeforeEmbedding, type MeasuredRate } from '../embedding-estimate.ts';

/**
 * What to do before embedding a library's missing papers: go, embed a small sample first to measure this
 * browser's rate, or put the estimate to the person (embedding-estimate.ts decides; this names it for the
 * controller).
 */
export type EmbeddingPlan = { kind: 'go' } | { kind: 'measure-first'; sample: number } | { kind: 'ask'; seconds: number; docsPerSecond: number };

/** `cost`: the papers' summed embeddingCost, so a library of long abstracts is estimated as slower. */
export function planEmbedding(count: number, cost: number, knownRate: MeasuredRate | null): EmbeddingPlan {
  const decision = decideBeforeEmbedding({ count, cost, knownRate });
  if (decision.kind === 'ask') return { kind: 'ask', seconds: decision.seconds, docsPerSecond: decision.rate };
  return decision;
}
