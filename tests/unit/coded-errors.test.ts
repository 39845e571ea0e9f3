import { describe, expect, it } from 'vitest';
import { CodedError, isCodedError, isWorkerError, WorkerError } from '../../src/base/errors.ts';
import { CorpusFormatError } from '../../src/corpus/types.ts';
import { LibraryError } from '../../src/library/types.ts';
import { MapError } from '../../src/map/types.ts';
import { isPublishedLibraryError, PublishedLibraryError } from '../../src/published/errors.ts';
import { StaticKeywordError } from '../../src/published/static-keyword/errors.ts';

describe('coded errors: one base, one catalogue per area', () => {
  it('gives every area error its code, detail and name, and the catalogue sentence in the message', () => {
    const error = new PublishedLibraryError('file-damaged', 'sha256 differs', 'texts/0.json.gz');
    expect(error).toBeInstanceOf(CodedError);
    expect(error).toMatchObject({ name: 'PublishedLibraryError', code: 'file-damaged', detail: 'sha256 differs', file: 'texts/0.json.gz' });
    expect(error.message).toMatch(/does not match the size or sha256.*\(texts\/0\.json\.gz: sha256 differs\)$/);
    expect(new MapError('bad-input', '3 texts for 4 vectors.').message).toMatch(/parameters\. 3 texts for 4 vectors\.$/);
    expect(new CorpusFormatError('a.bib', 7, 'expected "}"', 'malformed-bibtex').message).toBe('a.bib:7: expected "}"');
  });

  it('keeps a cause when one is given', () => {
    const cause = new Error('QuotaExceededError');
    expect(new LibraryError('library-storage-full', 'library "x"', cause).cause).toBe(cause);
    expect(new StaticKeywordError('shard-missing', 'k/3.bin', { cause }).cause).toBe(cause);
  });

  it('guards by class and, when asked, by code', () => {
    const error = new PublishedLibraryError('offline', 'vectors/rows.bin');
    expect(isPublishedLibraryError(error)).toBe(true);
    expect(isPublishedLibraryError(error, 'offline')).toBe(true);
    expect(isPublishedLibraryError(error, 'storage-full')).toBe(false);
    expect(isCodedError(LibraryError, error)).toBe(false);
    expect(isWorkerError(new WorkerError('worker-crashed', 'map: out of memory'), 'worker-crashed')).toBe(true);
    expect(isWorkerError(new Error('worker-crashed'))).toBe(false);
  });
});
