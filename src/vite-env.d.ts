/// <reference types="vite/client" />
/// <reference types="vite-plugin-pwa/client" />
/// <reference types="svelte" />

/** sha256 (hex) of onnxruntime-web's wasm, computed at build time (vite.config.ts) and checked in the worker. */
declare const __ORT_WASM_SHA256__: string;
