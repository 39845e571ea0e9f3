/**
 * int8 vs fp32 parity: embeds the committed sample (tests/fixtures/parity-sentences.json) with each model's
 * int8 export and its fp32 original, as documents and as queries, and prints the cosine of each pair.
 *   npx tsx tools/parity-fp32.ts [model-id ...]      (default: every model whose both folders exist)
 * Needs `npm run fetch-model -- <id>` and `npm run fetch-model -- <id> --fp32`. Exits 1 if any cosine < 0.98.
 */
import { readFileSync } from 'node:fs';
import { MODELS } from '../src/embedding/models.ts';
import { loadNodeEncoder, locateModel } from '../src/embedding/node-encoder.ts';
import { cosine } from '../src/index/cosine.ts';
import { parseCommandLine, runTool } from './cli.ts';

const THRESHOLD = 0.98;
const FIXTURE = 'tests/fixtures/parity-sentences.json';

function available(id: string): boolean {
  try {
    locateModel(id, 'q8');
    locateModel(id, 'fp32');
    return true;
  } catch {
    return false;
  }
}

async function embedBoth(id: string, precision: 'q8' | 'fp32', texts: readonly string[]): Promise<Float32Array[]> {
  const encoder = await loadNodeEncoder(id, { precision });
  const docs = await encoder.embedDocuments(texts);
  const out = texts.map((_, i) => docs.subarray(i * encoder.dims, (i + 1) * encoder.dims));
  for (const text of texts) out.push(await encoder.embedQuery(text));
  await encoder.dispose();
  return out;
}

async function main(argv: readonly string[]): Promise<void> {
  const { positionals } = parseCommandLine(argv, {}, true);
  const { texts } = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { texts: string[] };
  const ids = positionals.length ? positionals : Object.keys(MODELS).filter(available);
  if (ids.length === 0) throw new Error('no model has both int8 and fp32 folders; run npm run fetch-model first');
  let failed = 0;
  for (const id of ids) {
    const int8 = await embedBoth(id, 'q8', texts);
    const fp32 = await embedBoth(id, 'fp32', texts);
    const cosines = int8.map((v, i) => cosine(v, fp32[i]));
    const min = Math.min(...cosines);
    const mean = cosines.reduce((a, b) => a + b, 0) / cosines.length;
    const ok = min >= THRESHOLD;
    if (!ok) failed++;
    console.log(`${id.padEnd(20)} ${cosines.length} vectors (${texts.length} texts as document and as query)  min cosine ${min.toFixed(4)}  mean ${mean.toFixed(4)}  ${ok ? 'OK' : `BELOW ${THRESHOLD}`}`);
  }
  process.exitCode = failed ? 1 : 0;
}

runTool('parity-fp32', main);
