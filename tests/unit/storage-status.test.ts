import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  estimateImportBytes,
  libraryBytesOnDisk,
  readStorageStatus,
  requestPersistence,
  roomForImport,
  type StorageApi,
} from '../../src/library/storage-status.ts';

/** A StorageManager with the answers given; `persist` flips `persisted` when it grants. */
function fakeStorage({ usage = 1_000, quota = 10_000, persisted = false, grants = true } = {}) {
  const state = { persisted, persistCalls: 0 };
  const storage: StorageApi = {
    estimate: async () => ({ usage, quota }),
    persisted: async () => state.persisted,
    persist: async () => {
      state.persistCalls++;
      state.persisted ||= grants;
      return grants;
    },
  };
  return { storage, state };
}

afterEach(() => vi.unstubAllGlobals());

describe('readStorageStatus', () => {
  it('reports usage, quota and whether storage is persistent', async () => {
    expect(await readStorageStatus(fakeStorage({ usage: 123, quota: 4_567, persisted: true }).storage)).toEqual({ usage: 123, quota: 4_567, persisted: true });
  });

  it('gives nulls where the API is missing, throws, or answers nonsense', async () => {
    expect(await readStorageStatus(undefined)).toEqual({ usage: null, quota: null, persisted: null });
    expect(await readStorageStatus({})).toEqual({ usage: null, quota: null, persisted: null });
    const broken: StorageApi = { estimate: () => Promise.reject(new Error('SecurityError')), persisted: () => Promise.reject(new Error('no')) };
    expect(await readStorageStatus(broken)).toEqual({ usage: null, quota: null, persisted: null });
    expect(await readStorageStatus({ estimate: async () => ({ usage: NaN }) })).toEqual({ usage: null, quota: null, persisted: null });
  });

  it('reads navigator.storage by default', async () => {
    vi.stubGlobal('navigator', { storage: fakeStorage({ usage: 5, quota: 50 }).storage });
    expect(await readStorageStatus()).toMatchObject({ usage: 5, quota: 50 });
    vi.stubGlobal('navigator', {});
    expect(await readStorageStatus()).toEqual({ usage: null, quota: null, persisted: null });
  });
});

describe('requestPersistence', () => {
  it('says granted or denied, and already without asking again', async () => {
    const granting = fakeStorage({ grants: true });
    expect(await requestPersistence(granting.storage)).toBe('granted');
    expect(await requestPersistence(granting.storage)).toBe('already');
    expect(granting.state.persistCalls).toBe(1);
    expect(await requestPersistence(fakeStorage({ grants: false }).storage)).toBe('denied');
  });

  it('says unsupported without the API or when the browser throws', async () => {
    expect(await requestPersistence(undefined)).toBe('unsupported');
    expect(await requestPersistence({ estimate: async () => ({}) })).toBe('unsupported');
    expect(await requestPersistence({ persist: () => Promise.reject(new DOMException('no', 'InvalidStateError')) })).toBe('unsupported');
  });
});

describe('size estimates and the room check', () => {
  it('counts papers, hashes and int8 vectors with their scale and hash', () => {
    // 1,000 papers of 384 dims: 1,000 x (384 + 4 + 32) bytes of vectors.
    expect(libraryBytesOnDisk({ paperBytes: 500_000, hashBytes: 32_000 }, 1_000, 384)).toBe(500_000 + 32_000 + 420_000);
    expect(libraryBytesOnDisk({ paperBytes: 10, hashBytes: 0 }, 0, 384)).toBe(10);
    expect(estimateImportBytes(1_000, 500_000, 384)).toBe(libraryBytesOnDisk({ paperBytes: 500_000, hashBytes: 32_000 }, 1_000, 384));
  });

  it('says whether an import fits, with the margin, before it starts', () => {
    const status = { usage: 9_000, quota: 10_000 };
    expect(roomForImport(status, 900, 0.1)).toEqual({ ok: true });
    expect(roomForImport(status, 909, 0.1)).toEqual({ ok: true });
    expect(roomForImport(status, 920, 0.1)).toEqual({ ok: false, neededBytes: 1_012, availableBytes: 1_000 });
    expect(roomForImport(status, 910, 0.1)).toMatchObject({ ok: false });
    expect(roomForImport({ usage: 11_000, quota: 10_000 }, 1, 0)).toEqual({ ok: false, neededBytes: 1, availableBytes: 0 });
    // Unknown quota: nothing to warn about; the import's own error still reports a refusal.
    expect(roomForImport({ usage: null, quota: null }, 1e12)).toEqual({ ok: true });
  });
});
