import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Plugin, ResolvedConfig } from 'vite';
import type { OptimizedFile, Provenance } from '../../src/embedding/fingerprint.ts';
import type { OptimizedModel } from './optimized-model.ts';

/**
 * The heavy files of the built site travel gzip-compressed (issue 16): some static hosts compress nothing, and
 * none compresses an `.onnx`. The embedding worker decompresses them with DecompressionStream and checks the
 * sha256 of the DECOMPRESSED bytes (src/embedding/verified-fetch.ts).
 *
 * - onnxruntime's plain SIMD-threaded wasm (14.3 MB, 3.7 MB gzipped) and its JS glue: what WASM runs on;
 * - the asyncify build (26.9 MB, 6.6 MB gzipped): only for WebGPU, fetched only when WebGPU is used (not precached);
 * - every `models/<id>/onnx/*.onnx` copied from public/ is replaced by `<name>.onnx.gz` (34.0 → 24.3 MB), holding
 *   onnxruntime's optimized graph of it (optimized-model.ts; PROVENANCE.json's `optimized` names its hash).
 *
 * The page learns the URLs and hashes from the virtual module `virtual:runtime-files` (see RuntimeFiles in
 * src/embedding/worker-api.ts). `vite dev` serves the plain files from node_modules and public/ instead.
 */

const VIRTUAL_ID = 'virtual:runtime-files';
const RESOLVED_ID = '\0' + VIRTUAL_ID;
const require = createRequire(import.meta.url);

interface OrtFile {
  /** Package export, e.g. onnxruntime-web/ort-wasm-simd-threaded.wasm */
  spec: string;
  path: string;
  sha256: string;
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function ortFile(name: string): OrtFile {
  const spec = `onnxruntime-web/${name}`;
  const path = require.resolve(spec);
  return { spec, path, sha256: sha256(readFileSync(path)) };
}

/** gzip -9 of a file, kept in .cache/gzip by content hash: a 34 MB model takes seconds to compress. */
function gzipCached(bytes: Buffer, cacheDir: string): Buffer {
  const file = join(cacheDir, `${sha256(bytes)}.gz`);
  if (existsSync(file)) return readFileSync(file);
  const compressed = gzipSync(bytes, { level: 9 });
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(file, compressed);
  return compressed;
}

/** Output name with a short content hash, so a new onnxruntime gets a new URL (and a new precache entry). */
function hashedName(base: string, sha: string, ext: string): string {
  return `assets/${base}-${sha.slice(0, 10)}${ext}`;
}

/**
 * Notes in the output's PROVENANCE.json that the site serves `onnx` as onnxruntime's optimized graph: its sha256
 * (what the worker checks), which onnxruntime wrote it and at what level. `sha256` keeps the source's hash, which
 * the model's fingerprint is made of: the vectors are the same, so stored ones stay valid.
 */
function recordOptimized(onnx: string, optimized: OptimizedModel): void {
  const modelDir = dirname(dirname(onnx));
  const file = join(modelDir, 'PROVENANCE.json');
  if (!existsSync(file)) throw new Error(`${onnx}: no PROVENANCE.json in ${modelDir}, so its hash cannot be recorded`);
  const provenance = JSON.parse(readFileSync(file, 'utf8')) as Provenance;
  const name = relative(modelDir, onnx).split(sep).join('/');
  const entry: OptimizedFile = { sha256: optimized.sha256, onnxruntime: optimized.onnxruntime, level: optimized.level };
  provenance.optimized = { ...provenance.optimized, [name]: entry };
  writeFileSync(file, `${JSON.stringify(provenance, null, 2)}\n`);
}

/** `.onnx` files under the output's models/ folder (the copy of public/models). */
function onnxFiles(outDir: string): string[] {
  const models = join(outDir, 'models');
  if (!existsSync(models)) return [];
  return readdirSync(models, { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.onnx'))
    .map((path) => join(models, path));
}

export function runtimeFiles(): Plugin {
  const plain = ortFile('ort-wasm-simd-threaded.wasm');
  const glue = ortFile('ort-wasm-simd-threaded.mjs');
  const webgpu = ortFile('ort-wasm-simd-threaded.asyncify.wasm');
  const out = {
    plain: hashedName('ort-wasm-simd-threaded', plain.sha256, '.wasm.gz'),
    glue: hashedName('ort-wasm-simd-threaded', glue.sha256, '.mjs'),
    webgpu: hashedName('ort-wasm-simd-threaded.asyncify', webgpu.sha256, '.wasm.gz'),
  };
  let config: ResolvedConfig;
  const cacheDir = resolve('.cache', 'gzip');
  const optimizedDir = resolve('.cache', 'optimized');

  function buildModule(): string {
    const at = (path: string) => JSON.stringify(config.base + path);
    return [
      `export const runtimeFiles = {`,
      `  wasm: { url: ${at(out.plain)}, gzip: true, sha256: ${JSON.stringify(plain.sha256)} },`,
      `  glue: ${at(out.glue)},`,
      `  webgpuWasm: { url: ${at(out.webgpu)}, gzip: true, sha256: ${JSON.stringify(webgpu.sha256)} },`,
      `  modelGzip: true,`,
      `};`,
    ].join('\n');
  }

  function devModule(): string {
    return [
      `import wasm from '${plain.spec}?url';`,
      `import glue from '${glue.spec}?url';`,
      `import webgpuWasm from '${webgpu.spec}?url';`,
      `export const runtimeFiles = {`,
      `  wasm: { url: wasm, gzip: false, sha256: ${JSON.stringify(plain.sha256)} },`,
      `  glue,`,
      `  webgpuWasm: { url: webgpuWasm, gzip: false, sha256: ${JSON.stringify(webgpu.sha256)} },`,
      `  modelGzip: false,`,
      `};`,
    ].join('\n');
  }

  return {
    name: 'paper-search-runtime-files',
    configResolved(resolved) {
      config = resolved;
    },
    resolveId: (id) => (id === VIRTUAL_ID ? RESOLVED_ID : undefined),
    load: (id) => (id === RESOLVED_ID ? (config.command === 'build' ? buildModule() : devModule()) : undefined),
    async writeBundle() {
      // Runs before vite-plugin-pwa's closeBundle, so the precache manifest lists the .gz files, not the .onnx.
      const outDir = resolve(config.root, config.build.outDir);
      mkdirSync(join(outDir, 'assets'), { recursive: true });
      writeFileSync(join(outDir, out.plain), gzipCached(readFileSync(plain.path), cacheDir));
      writeFileSync(join(outDir, out.webgpu), gzipCached(readFileSync(webgpu.path), cacheDir));
      writeFileSync(join(outDir, out.glue), readFileSync(glue.path));
      // onnxruntime's bundle names the raw asyncify wasm with `new URL(…, import.meta.url)`, so Vite emits that
      // 26.9 MB file too; the worker always hands onnxruntime the binary itself, so it is never fetched.
      for (const name of readdirSync(join(outDir, 'assets'))) {
        if (/^ort-wasm-simd-threaded\.asyncify-[\w-]+\.wasm$/.test(name)) rmSync(join(outDir, 'assets', name));
      }
      // Loaded here, not at the top: onnxruntime-node is a native module that `vite dev` and the tests never need.
      const { optimizedModel } = await import('./optimized-model.ts');
      for (const onnx of onnxFiles(outDir)) {
        const optimized = await optimizedModel(onnx, optimizedDir);
        writeFileSync(`${onnx}.gz`, gzipCached(optimized.bytes, cacheDir));
        recordOptimized(onnx, optimized);
        rmSync(onnx);
      }
    },
  };
}

/** The asyncify build's file in the output: the service worker must not precache it (WebGPU fetches it on demand). */
export const WEBGPU_WASM_GLOB = 'assets/ort-wasm-simd-threaded.asyncify-*.wasm.gz';
