import { codedErrorClass } from '../../base/errors.ts';

/**
 * Why a compressed index could not be opened, as stable codes (tests assert codes, the UI maps them to notices).
 * Every one of them means "build it again from the vectors" (or install it again from the published library); none
 * loses data that exists nowhere else.
 */
export const COMPRESSED_ERROR_CODES = {
  'codes-missing': 'No stored codes under this key (never saved, or cleared).',
  'codes-corrupt': 'Stored codes are damaged: a record has the wrong type or shape, or disagrees with the manifest.',
  'rows-missing': 'The int8 rows file the codes belong to is not in the origin private file system.',
  'rows-mismatch': 'The int8 rows file holds another number of rows than the codes, or rows of another size.',
  'no-opfs': 'This browser context has no origin private file system with synchronous access (workers only).',
  'install-invalid': 'The published library\'s codes and rows sections disagree with each other or with its row count.',
} as const;

export type CompressedErrorCode = keyof typeof COMPRESSED_ERROR_CODES;

export class CompressedIndexError extends codedErrorClass('CompressedIndexError', COMPRESSED_ERROR_CODES) {}
