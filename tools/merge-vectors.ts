/**
 * The merge step of embedding spread across machines (issue 17.3): adds the vectors of every shard file that
 * `npm run index -- --shard i/N` wrote to the vector cache, so the publish that follows embeds nothing.
 *
 *   npm run merge-vectors -- [--shard-dir .cache/vector-shards] [--cache-dir .cache/vectors] [--model <id>] [--json]
 *
 * It merges every shard-*.vec under --shard-dir (searched recursively: CI downloads each runner's artifact into
 * a folder of its own).
 *
 * A shard file made by another model than the app's is refused, naming the file.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseFlags, stringFlag, UsageError } from './cli.ts';
import { DEFAULT_MODEL_ID, getModelSpec } from '../src/embedding/models.ts';
import { fingerprintKey, modelFingerprint, weightsHashFromProvenance } from '../src/embedding/fingerprint.ts';
import { locateModel, readProvenance } from '../src/embedding/node-encoder.ts';
import { mergeShards } from './vector-shards.ts';

const USAGE = 'usage: npm run merge-vectors -- [--shard-dir <dir>] [--cache-dir <dir>] [--model <id>] [--json]';

/** Every shard-*.vec under `dir`, sorted (the merge does not depend on the order; the log does). */
function shardFiles(dir: string): string[] {
  if (!existsSync(dir)) throw new UsageError(`${dir}: no such folder`);
  const entries = readdirSync(dir, { recursive: true, encoding: 'utf8' });
  return entries.filter((path) => /(^|\/)shard-\d+-of-\d+\.vec$/.test(path)).sort().map((path) => join(dir, path));
}

function main(argv: readonly string[]): void {
  const flags = parseFlags(argv, { 'shard-dir': { type: 'string' }, 'cache-dir': { type: 'string' }, model: { type: 'string' }, json: { type: 'boolean' } });
  const shardDir = resolve(stringFlag(flags, 'shard-dir') ?? join('.cache', 'vector-shards'));
  const files = shardFiles(shardDir);
  if (files.length === 0) throw new UsageError(`${shardDir}: no shard-<i>-of-<N>.vec files (written by npm run index -- --shard i/N)`);
  const modelId = stringFlag(flags, 'model') ?? DEFAULT_MODEL_ID;
  const spec = getModelSpec(modelId);
  const modelKey = fingerprintKey(modelFingerprint(spec, weightsHashFromProvenance(readProvenance(locateModel(modelId)))));
  const cacheDir = resolve(stringFlag(flags, 'cache-dir') ?? join('.cache', 'vectors'));
  const report = mergeShards(files, cacheDir, modelKey, spec.dims);
  const line = `merged ${report.files} shard files into ${cacheDir}: ${report.added} vectors added, ${report.known} already there`;
  if (flags.json === true) {
    process.stderr.write(line + '\n');
    console.log(JSON.stringify(report));
  } else console.log(line);
}

try {
  main(process.argv.slice(2));
} catch (error) {
  console.error(error instanceof UsageError ? `${error.message}\n${USAGE}` : error instanceof Error ? error.message : error);
  process.exit(1);
}
