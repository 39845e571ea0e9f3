import { describe, expect, it } from 'vitest';
import { servedHashes, weightsHashFromProvenance, weightsPreoptimized, type Provenance } from '../../src/embedding/fingerprint.ts';

// Issue 16.5: a built site's PROVENANCE.json names the optimized graph it serves beside the source's hashes.
const source: Provenance = {
  model: 'bge-small-en-v1.5',
  sha256: { 'onnx/model_quantized.onnx': 'a'.repeat(64), 'tokenizer.json': 'b'.repeat(64), 'config.json': 'c'.repeat(64) },
};
const built: Provenance = {
  ...source,
  optimized: { 'onnx/model_quantized.onnx': { sha256: 'd'.repeat(64), onnxruntime: '1.30.0', level: 'extended' } },
};

describe('issue 16.5: PROVENANCE.json of a site that serves the optimized graph', () => {
  it('keeps the fingerprint: the weights hash is the source model’s', () => {
    expect(weightsHashFromProvenance(built)).toBe(weightsHashFromProvenance(source));
  });

  it('checks the served bytes against the optimized graph’s sha256, every other file as before', () => {
    expect(servedHashes(built)).toEqual({ 'onnx/model_quantized.onnx': 'd'.repeat(64), 'tokenizer.json': 'b'.repeat(64), 'config.json': 'c'.repeat(64) });
    expect(servedHashes(source)).toEqual(source.sha256);
  });

  it('adds no file: an optimized entry for a file the provenance does not list is ignored', () => {
    const stray: Provenance = { ...source, optimized: { 'onnx/other.onnx': { sha256: 'e'.repeat(64), onnxruntime: '1.30.0', level: 'extended' } } };
    expect(servedHashes(stray)).toEqual(source.sha256);
    expect(weightsPreoptimized(stray)).toBe(false);
  });

  it('tells the worker to skip graph optimization only when the weights are served optimized', () => {
    expect(weightsPreoptimized(built)).toBe(true);
    expect(weightsPreoptimized(source)).toBe(false);
  });
});
