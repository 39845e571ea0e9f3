import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

/**
 * BASE_PATH is the sub-path the site is served from: "/" locally, "/<repo>/" on GitHub Pages
 * (set by .github/workflows/pages.yml). Everything the app fetches is relative to it.
 */
const base = process.env.BASE_PATH ?? '/';

/** Cross-origin isolation lets onnxruntime use threads. Dev sends the headers itself; the built site gets
 * them from the service worker (GitHub Pages cannot send headers), so `preview` deliberately does not. */
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  base,
  plugins: [
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
        // Everything a search needs offline, the 34 MB model and 27 MB wasm included (see src/app/sw.ts).
        globPatterns: ['**/*.{js,css,html,svg,json,bin,webmanifest,wasm,onnx}'],
        globIgnores: ['bench.html', 'assets/bench-*.js'],
        maximumFileSizeToCacheInBytes: 64 * 1024 * 1024,
        // Keep each file's size in the manifest: the service worker reports download progress against it.
        // (workbox deletes `size` after the transforms, hence the copy under another name.)
        manifestTransforms: [async (entries) => ({ manifest: entries.map((entry) => ({ ...entry, bytes: entry.size })), warnings: [] })],
      },
      devOptions: { enabled: false },
    }),
  ],
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['@huggingface/transformers'] },
  server: { headers: isolationHeaders },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 2048,
    // bench.html: the benchmark page driven by `npm run bench` (tools/bench.ts); not linked from the app.
    rolldownOptions: { input: { main: 'index.html', bench: 'bench.html' } },
  },
});
