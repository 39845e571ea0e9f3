import { codedErrorClass } from '../../base/errors.ts';

/**
 * Why the static keyword index (issue 10, part 2) could not answer, as stable codes: tests assert codes, the UI
 * maps them to notices. A query never falls back to partial scores: a shard it needs that cannot be read fails it.
 */
export const STATIC_KEYWORD_ERROR_CODES = {
  'manifest-invalid': 'The keyword section of the library manifest is of another format version or inconsistent.',
  'shard-missing': 'A keyword shard could not be fetched (network error, 404, or a failed hash check).',
  'shard-corrupt': 'A keyword shard is damaged: wrong size, bad checksum, or postings that do not decode.',
} as const;

export type StaticKeywordErrorCode = keyof typeof STATIC_KEYWORD_ERROR_CODES;

export class StaticKeywordError extends codedErrorClass('StaticKeywordError', STATIC_KEYWORD_ERROR_CODES) {}
