/**
 * Measures the "why this paper" sentence choice on a BEIR folder's judged (query, relevant paper) pairs:
 *   npx tsx tools/eval-highlight.ts --data <dir> [--split s] [--model id]
 * For each pair it embeds every sentence of the abstract (as a document) and the query with the app's encoder,
 * takes the sentence most similar to the query as the semantic reference, and reports how often the lexical
 * bestSentence() finds a sentence, agrees with that reference, or lands in its top 2, against the baseline
 * "always the first sentence".
 */
import type { Query } from '../src/corpus/beir.ts';
import { DEFAULT_MODEL_ID } from '../src/embedding/models.ts';
import { loadNodeEncoder } from '../src/embedding/node-encoder.ts';
import { loadBeirDataset } from '../src/eval/dataset.ts';
import { bestSentence, splitSentences } from '../src/highlight/best-sentence.ts';
import { cosine } from '../src/index/cosine.ts';
import { parseOptions, runTool, UsageError } from './cli.ts';

async function main(argv: readonly string[]): Promise<void> {
  const options = parseOptions(argv, { data: 'string', split: 'string', model: 'string' });
  if (!options.data) throw new UsageError('--data <dir> is required');
  const dataset = loadBeirDataset(options.data, options.split);
  const encoder = await loadNodeEncoder(options.model ?? DEFAULT_MODEL_ID);
  const papers = new Map(dataset.papers.map((p) => [p.id, p]));
  const counts = { pairs: 0, found: 0, agree: 0, top2: 0, firstAgree: 0, firstTop2: 0, };
  for (const query of dataset.queries as Query[]) {
    const judged = dataset.qrels.get(query.id);
    if (!judged) continue;
    const queryVector = await encoder.embedQuery(query.text);
    for (const [docId, grade] of judged) {
      if (grade <= 0) continue;
      const abstract = papers.get(docId)!.abstract;
      const sentences = splitSentences(abstract);
      if (sentences.length < 2) continue;
      const vectors = await encoder.embedDocuments(sentences.map((s) => s.text));
      const sims = sentences.map((_, i) => cosine(queryVector, vectors.subarray(i * encoder.dims, (i + 1) * encoder.dims)));
      const order = sims.map((_, i) => i).sort((a, b) => sims[b] - sims[a]);
      const rankOf = (start: number) => order.findIndex((i) => sentences[i].start === start);
      counts.pairs++;
      const lexical = bestSentence(abstract, query.text);
      if (lexical) {
        counts.found++;
        const rank = rankOf(lexical.start);
        if (rank === 0) counts.agree++;
        if (rank <= 1) counts.top2++;
      }
      const firstRank = rankOf(sentences[0].start);
      if (firstRank === 0) counts.firstAgree++;
      if (firstRank <= 1) counts.firstTop2++;
    }
  }
  await encoder.dispose();
  const pct = (n: number) => `${((100 * n) / counts.pairs).toFixed(1)}%`;
  console.log(`${options.data}: ${counts.pairs} (query, relevant paper) pairs with 2+ sentences`);
  console.log(`lexical bestSentence: finds a sentence ${pct(counts.found)}, = semantic best ${pct(counts.agree)}, in semantic top 2 ${pct(counts.top2)}`);
  console.log(`first-sentence baseline: = semantic best ${pct(counts.firstAgree)}, in semantic top 2 ${pct(counts.firstTop2)}`);
}

runTool('eval-highlight', main);
