import { matmul, Tensor } from '@huggingface/transformers';

/**
 * Starts onnxruntime's WASM runtime (compiling the wasm, instantiating it, starting its threads) while the
 * model file is still being read, decompressed and hashed, instead of after: onnxruntime initialises once per
 * worker, on its first session, and transformers' `matmul` is a one-node session (default: the CPU/WASM
 * backend). Never rejects: if onnxruntime cannot start, loading the model fails with the real cause.
 */
export function warmRuntime(): Promise<void> {
  const one = () => new Tensor('float32', new Float32Array([1]), [1, 1]);
  return matmul(one(), one()).then(
    () => undefined,
    () => undefined,
  );
}
