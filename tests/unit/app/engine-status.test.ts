import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AppState } from '../../../src/app/services/app-state.ts';
import { EngineStatus } from '../../../src/app/services/engine-status.ts';
import { OfflineCopy } from '../../../src/app/services/offline-copy.ts';
import { fakeModel } from '../../support/fake-worker.ts';

const MODEL = fakeModel(4);
const codes = (state: AppState) => state.current.notices.map((n) => n.code);

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('EngineStatus', () => {
  it('starting, restarting (with a notice), ready again (recovered), and the picker is refreshed on ready', () => {
    const state = new AppState(() => {});
    let readies = 0;
    const status = new EngineStatus(state, () => void readies++);
    status.onState({ kind: 'starting', restart: 0 });
    expect(state.current.engine).toBe('starting');
    status.onState({ kind: 'ready', model: MODEL });
    status.onState({ kind: 'starting', restart: 1, after: 'died' });
    expect(state.current).toMatchObject({ engine: 'restarting', engineDetail: 'worker died' });
    expect(codes(state)).toEqual(['engine-restarting']);
    status.onState({ kind: 'ready', model: MODEL });
    expect(codes(state)).toEqual(['engine-recovered']);
    expect(readies).toBe(2);
  });

  it('unavailable: keywords only, the failure in the diagnostics and a notice by its code', () => {
    const state = new AppState(() => {});
    const status = new EngineStatus(state, () => {});
    status.onProgress({ phase: 'repair', file: 'model.onnx' });
    expect(codes(state)).toEqual(['model-repairing']);
    status.onState({ kind: 'unavailable', failure: { code: 'files-damaged', file: 'model.onnx', detail: 'sha256 mismatch' } });
    expect(state.current).toMatchObject({ engine: 'unavailable', engineDetail: 'files-damaged: sha256 mismatch', download: null });
    expect(codes(state)).toEqual(['model-damaged']);
  });
});

describe('OfflineCopy', () => {
  it('a first visit that needs a reload resolves null; a ready copy is watched, and its loss is said', async () => {
    const state = new AppState(() => {});
    const reloading = new OfflineCopy(state, { isServedOffline: () => false, prepareOffline: async () => ({ kind: 'reloading' }), watchOffline: () => () => {} });
    expect(await reloading.settle()).toBeNull();
    let onChange: (ready: boolean) => void = () => {};
    let stopped = 0;
    const ready = new OfflineCopy(state, { isServedOffline: () => false, prepareOffline: async () => ({ kind: 'ready' }), watchOffline: (watch) => ((onChange = watch), () => void stopped++) });
    expect(await ready.settle()).toBe(true);
    onChange(false);
    expect(state.current.offline).toBe('lost');
    expect(codes(state)).toEqual(['offline-lost']);
    onChange(true);
    expect(codes(state)).toEqual([]);
    ready.stop();
    expect(stopped).toBe(1);
  });
});
