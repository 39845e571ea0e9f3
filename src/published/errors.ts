import { CodedError, codedMessage, isCodedError } from '../base/errors.ts';

/**
 * Why a file or part of a published library (issue 10) could not be read, stored or decoded, as stable codes:
 * tests assert codes, the UI maps them to notices. `file` names the library file concerned, when there is one.
 */
export const PUBLISHED_ERROR_CODES = {
  'file-unreachable': 'A library file could not be downloaded (a network error or an HTTP error status).',
  'file-damaged': 'A library file does not match the size or sha256 the manifest gives, even after downloading it again.',
  offline: 'The browser is offline and this library file is not stored for offline use.',
  'storage-unavailable': 'This browser context has no Cache Storage, so library files cannot be kept for offline use.',
  'storage-full': 'The browser refused to store a library file (storage quota exceeded, or storage cleared meanwhile).',
  'download-cancelled': 'The download was cancelled.',
  'text-shard-corrupt': 'A text shard does not decompress, does not parse, or does not hold the papers the manifest says.',
  'row-out-of-range': 'A row index is not an integer between 0 and the number of papers in the library.',
  'manifest-invalid': 'The library manifest (library.json) is not one this app reads: another format or version, or a field missing or inconsistent.',
} as const;

export type PublishedErrorCode = keyof typeof PUBLISHED_ERROR_CODES;

export class PublishedLibraryError extends CodedError<PublishedErrorCode> {
  constructor(
    code: PublishedErrorCode,
    detail: string,
    /** The library file concerned (its manifest path), when there is one. */
    readonly file?: string,
  ) {
    super('PublishedLibraryError', code, detail, codedMessage(PUBLISHED_ERROR_CODES, code, detail, file));
  }
}

export function isPublishedLibraryError(error: unknown, code?: PublishedErrorCode): error is PublishedLibraryError {
  return isCodedError(PublishedLibraryError, error, code);
}
