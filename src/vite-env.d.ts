/// <reference types="vite/client" />
/// <reference types="vite-plugin-pwa/client" />
/// <reference types="svelte" />

/** onnxruntime's files as this build serves them (tools/build/runtime-files.ts). */
declare module 'virtual:runtime-files' {
  export const runtimeFiles: import('./embedding/worker-api.ts').RuntimeFiles;
}
