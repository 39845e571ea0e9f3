import { vi } from 'vitest';

// urls.ts reads `self.location` and a Vite `?url` import when loaded, and offline.ts imports the PWA plugin's
// virtual module: neither exists under plain vitest, and the controller reaches both only through AppDeps
// and workerConfig(), so they are replaced here.
vi.mock('../../../src/app/urls.ts', () => ({
  assetUrls: {
    modelsBase: '/models/',
    wasm: 'https://example.test/ort.wasm',
    modelWeights: 'https://example.test/models/fake/onnx/model_quantized.onnx',
    corpus: 'https://example.test/corpus/corpus.json',
    vectors: 'https://example.test/corpus/vectors.bin',
  },
  workerConfig: (backend: string, extra: object = {}) => ({
    modelId: 'fake-model',
    modelsBaseUrl: '/models/',
    backend,
    ...extra,
  }),
}));
vi.mock('../../../src/app/offline.ts', () => ({
  isServedOffline: () => true,
  prepareOffline: async () => ({ kind: 'ready' }),
}));
