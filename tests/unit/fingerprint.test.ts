import { describe, expect, it } from 'vitest';
import { fingerprintKey, modelFingerprint, weightsHashFromProvenance, type ModelFingerprint } from '../../src/embedding/fingerprint.ts';
import { getModelSpec, MODELS } from '../../src/embedding/models.ts';

const SHA = '6c9c6101a956d62dfb5e7190c538226c0c5bb9cb27b651234b6df063ee7dbfe4';
const base: ModelFingerprint = modelFingerprint(getModelSpec('bge-small-en-v1.5'), SHA);

describe('modelFingerprint', () => {
  it('copies every vector-affecting field of the spec and the weights hash', () => {
    expect(base).toEqual({
      id: 'bge-small-en-v1.5',
      weightsSha256: SHA,
      pooling: 'cls',
      normalize: true,
      queryPrefix: 'Represent this sentence for searching relevant passages: ',
      documentPrefix: '',
      maxTokens: 512,
      dims: 384,
    });
  });
});

describe('fingerprintKey (the prefix of every cached vector: a changed field must change it)', () => {
  const key = fingerprintKey(base);

  it('is stable for equal inputs (a fresh, equal object gives the same key) and starts with the model id', () => {
    expect(fingerprintKey({ ...base })).toBe(key);
    expect(fingerprintKey(modelFingerprint(getModelSpec('bge-small-en-v1.5'), SHA))).toBe(key);
    expect(key).toMatch(/^bge-small-en-v1\.5@[0-9a-f]{16}$/);
  });

  it('does not depend on the property order of the fingerprint object', () => {
    const reordered = Object.fromEntries(Object.entries(base).reverse()) as unknown as ModelFingerprint;
    expect(fingerprintKey(reordered)).toBe(key);
  });

  const changes: Array<[field: keyof ModelFingerprint, value: ModelFingerprint[keyof ModelFingerprint]]> = [
    ['id', 'bge-small-en-v1.5-copy'],
    ['weightsSha256', SHA.slice(0, -1) + '5'],
    ['pooling', 'mean'],
    ['normalize', false],
    ['queryPrefix', ''],
    ['queryPrefix', 'Represent this sentence for searching relevant passages:'], // one trailing space less
    ['documentPrefix', 'passage: '],
    ['maxTokens', 256],
    ['dims', 768],
  ];
  it.each(changes)('changes when %s changes (to %j)', (field, value) => {
    expect(fingerprintKey({ ...base, [field]: value })).not.toBe(key);
  });

  it('moving text between the query and the document prefix changes the key (fields are not concatenated)', () => {
    const a = fingerprintKey({ ...base, queryPrefix: 'ab', documentPrefix: '' });
    const b = fingerprintKey({ ...base, queryPrefix: 'a', documentPrefix: 'b' });
    expect(a).not.toBe(b);
  });

  it('the three known models have three different keys for the same weights hash', () => {
    const keys = Object.values(MODELS).map((spec) => fingerprintKey(modelFingerprint(spec, SHA)));
    expect(new Set(keys).size).toBe(3);
  });
});

describe('weightsHashFromProvenance', () => {
  it('prefers the int8 weights, falls back to fp32 weights, and fails without onnx weights', () => {
    expect(weightsHashFromProvenance({ model: 'm', sha256: { 'onnx/model_quantized.onnx': 'q', 'onnx/model.onnx': 'f' } })).toBe('q');
    expect(weightsHashFromProvenance({ model: 'm', sha256: { 'onnx/model.onnx': 'f' } })).toBe('f');
    expect(() => weightsHashFromProvenance({ model: 'm', sha256: { 'tokenizer.json': 't' } })).toThrow('PROVENANCE.json of m lists no onnx weights');
  });

  it('a different tokenizer.json gives a different hash, so its vectors are never reused', () => {
    const withTokenizer = (t: string) => weightsHashFromProvenance({ model: 'm', sha256: { 'onnx/model_quantized.onnx': 'q', 'tokenizer.json': t } });
    expect(withTokenizer('t1')).not.toBe(withTokenizer('t2'));
    expect(withTokenizer('t1')).toBe(withTokenizer('t1'));
    expect(withTokenizer('t1')).not.toBe('q');
  });
});
