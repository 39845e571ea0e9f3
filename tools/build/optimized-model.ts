import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import type { OptimizedFile } from '../../src/embedding/fingerprint.ts';

/**
 * The model as onnxruntime rewrites it when a session starts, done once at build time (issue 16.5).
 *
 * Creating the session was the longest step of a repeat visit: onnxruntime fuses the int8 graph (1,511 nodes →
 * 306: MatMulIntegerToFloat, DynamicQuantizeMatMul, LayerNormalization, Gelu …) on every start. In headless
 * Chromium on the 2-core machine the first session after onnxruntime's start took 632–837 ms for the shipped
 * model and 225–268 ms for this one loaded with `graphOptimizationLevel: 'disabled'` (a scratch page, 2026-12-06).
 * The weights keep their values, regrouped into the fused nodes; the vectors are the same
 * (tests/integration/issue-16-optimized-model.test.ts).
 *
 * 'extended', not 'all': onnxruntime warns that a graph saved at 'all' may carry layouts for this machine's CPU.
 * The result is deterministic for one onnxruntime version and kept in .cache/optimized by the source's sha256.
 */
export const OPTIMIZATION_LEVEL = 'extended';

/** The graph's bytes, and what the site's PROVENANCE.json records of them (its `optimized` entry). */
export interface OptimizedModel extends OptimizedFile {
  bytes: Buffer;
}

export async function optimizedModel(sourcePath: string, cacheDir: string): Promise<OptimizedModel> {
  const onnxruntime = ort.env.versions.node ?? ort.env.versions.common;
  const source = createHash('sha256').update(readFileSync(sourcePath)).digest('hex');
  const file = join(cacheDir, `${source}-ort-${onnxruntime}-${OPTIMIZATION_LEVEL}.onnx`);
  if (!existsSync(file)) {
    mkdirSync(cacheDir, { recursive: true });
    const partial = `${file}.${process.pid}.partial`;
    const session = await ort.InferenceSession.create(sourcePath, { graphOptimizationLevel: OPTIMIZATION_LEVEL, optimizedModelFilePath: partial });
    await session.release();
    renameSync(partial, file); // whole or absent: a build stopped midway leaves no half file under the real name
  }
  const bytes = readFileSync(file);
  return { bytes, sha256: createHash('sha256').update(bytes).digest('hex'), onnxruntime, level: OPTIMIZATION_LEVEL };
}
