import { defineConfig } from 'vitest/config';
import { runtimeFiles } from './tools/build/runtime-files.ts';

/**
 * Three projects, all against real parts: unit (pure logic, fake-indexeddb for IndexedDB semantics),
 * integration (the vendored model in Node via onnxruntime-node), e2e (the built site in Debian's headless
 * Chromium via Playwright). `npm test` runs all three; `npm run test:unit` etc. run one.
 */
export default defineConfig({
  test: {
    projects: [
      // runtimeFiles: the app's modules import onnxruntime's file list from `virtual:runtime-files`.
      // 30 s, not vitest's 5 s: a few unit tests write 25k vectors to fake-indexeddb or parse big files, which
      // took 5-16 s on a busy 2-core machine (load 25). A budget, not a speed check: speed lives in `npm run bench`.
      { plugins: [runtimeFiles()], test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], environment: 'node', testTimeout: 30_000 } },
      {
        plugins: [runtimeFiles()],
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['tests/e2e/global-setup.ts'],
          setupFiles: ['tests/e2e/reset-server.ts'],
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
