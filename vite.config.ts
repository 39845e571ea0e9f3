import { svelte } from '@sveltejs/vite-plugin-svelte';
import { resolve } from 'node:path';
import { defineConfig, type Plugin } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import { withIntegrity, type PrecacheEntry } from './tools/build/precache-integrity.ts';
import { runtimeFiles, WEBGPU_WASM_GLOB } from './tools/build/runtime-files.ts';

/**
 * BASE_PATH is the sub-path the site is served from: "/" locally, "/<repo>/" on GitHub Pages
 * (set by .github/workflows/pages.yml). Everything the app fetches is relative to it.
 */
const base = process.env.BASE_PATH ?? '/';

/** Cross-origin isolation lets onnxruntime use threads. Dev sends the headers itself; the built site gets
 * them from the service worker (GitHub Pages cannot send headers), so `preview` must not send them: Vite's
 * `preview.headers` defaults to `server.headers`, hence the explicit empty `preview.headers` below. */
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** The build's output folder (e2e builds elsewhere), for the precache transform that hashes the files. */
let outDir = resolve('dist');
const captureOutDir: Plugin = { name: 'capture-out-dir', configResolved: (config) => void (outDir = resolve(config.root, config.build.outDir)) };

/**
 * The folder copied into the site as is (models, corpus). PAPER_SEARCH_PUBLIC_DIR points a build at another
 * one, e.g. a copy whose corpus/ holds a published library (tests/e2e/published.test.ts builds such a site).
 */
const publicDir = process.env.PAPER_SEARCH_PUBLIC_DIR ? resolve(process.env.PAPER_SEARCH_PUBLIC_DIR) : 'public';

export default defineConfig({
  base,
  publicDir,
  plugins: [
    captureOutDir,
    runtimeFiles(),
    svelte(),
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src/app',
      filename: 'sw.ts',
      registerType: 'autoUpdate',
      injectRegister: false,
      manifest: {
        name: 'Paper Search',
        short_name: 'Paper Search',
        description: 'Search research papers by meaning, privately, in your browser.',
        theme_color: '#1f3a5f',
        background_color: '#ffffff',
        display: 'standalone',
        icons: [{ src: 'icon.svg', sizes: 'any', type: 'image/svg+xml' }],
      },
      injectManifest: {
        // Everything a search needs offline, the gzipped model (24 MB) and onnxruntime (3.7 MB) included (see
        // src/app/sw.ts and tools/build/runtime-files.ts). The WebGPU build is fetched only when WebGPU is used.
        globPatterns: ['**/*.{js,mjs,css,html,svg,json,bin,webmanifest,wasm,onnx,gz}'],
        // A published library's shards (issue 10) are fetched on demand and stored by src/published/fetch-file.ts
        // ("available offline" is the reader's choice); precaching them would download a million papers at install.
        globIgnores: [WEBGPU_WASM_GLOB, 'bench*.html', 'assets/bench-*.js', 'assets/bench-*.css', 'corpus/library.psl', 'corpus/codes/**', 'corpus/rows/**', 'corpus/keyword/**', 'corpus/text/**'],
        maximumFileSizeToCacheInBytes: 64 * 1024 * 1024,
        // sha256 integrity on every file (a damaged download fails the install, never stays cached), and each
        // file's size for the download progress bar. See tools/build/precache-integrity.ts.
        manifestTransforms: [async (entries) => ({ manifest: withIntegrity(entries as PrecacheEntry[], outDir), warnings: [] })],
      },
      devOptions: { enabled: false },
    }),
  ],
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['@huggingface/transformers'] },
  server: { headers: isolationHeaders },
  // PAPER_SEARCH_PREVIEW_ISOLATED=1: real COOP/COEP headers, for the benchmark page only (tools/bench.ts), whose
  // embedding worker a page under COEP can only start if the worker script's own response carries them too.
  preview: { headers: process.env.PAPER_SEARCH_PREVIEW_ISOLATED === '1' ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } : {} },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 2048,
    // The benchmark pages are built only by vite.bench.config.ts (`npm run build:bench`), never shipped.
    rolldownOptions: { input: { main: 'index.html' } },
  },
});
