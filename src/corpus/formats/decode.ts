import { CorpusFormatError } from '../types.ts';

/** File signatures of things people pick by mistake (or rename), checked before any attempt to read text. */
const MAGIC: { bytes: (number | null)[]; at?: number; what: string }[] = [
  { bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], what: 'a PNG image' },
  { bytes: [0xff, 0xd8, 0xff], what: 'a JPEG image' },
  { bytes: [0x47, 0x49, 0x46, 0x38], what: 'a GIF image' },
  { bytes: [0x52, 0x49, 0x46, 0x46, null, null, null, null, 0x57, 0x45, 0x42, 0x50], what: 'a WebP image' },
  { bytes: [0x49, 0x49, 0x2a, 0x00], what: 'a TIFF image' },
  { bytes: [0x4d, 0x4d, 0x00, 0x2a], what: 'a TIFF image' },
  { bytes: [0x66, 0x74, 0x79, 0x70], at: 4, what: 'a video or HEIC image' },
  { bytes: [0x25, 0x50, 0x44, 0x46, 0x2d], what: 'a PDF document' },
  { bytes: [0x50, 0x4b, 0x03, 0x04], what: 'a ZIP archive (or a .docx/.xlsx/.odt document)' },
  { bytes: [0x50, 0x4b, 0x05, 0x06], what: 'an empty ZIP archive' },
  { bytes: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], what: 'an old Microsoft Office document (.doc/.xls)' },
  { bytes: [0x1f, 0x8b], what: 'a gzip-compressed file' },
  { bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], what: 'a 7-Zip archive' },
  { bytes: [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07], what: 'a RAR archive' },
  { bytes: [...'SQLite format 3'].map((c) => c.charCodeAt(0)).concat(0), what: "an SQLite database (such as Zotero's zotero.sqlite)" },
  { bytes: [0x7f, 0x45, 0x4c, 0x46], what: 'a program (ELF executable)' },
];

function startsWith(bytes: Uint8Array, magic: (typeof MAGIC)[number]): boolean {
  const at = magic.at ?? 0;
  if (bytes.length < at + magic.bytes.length) return false;
  return magic.bytes.every((byte, i) => byte === null || bytes[at + i] === byte);
}

function lineOfByte(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

/** Offset of the first byte that breaks UTF-8 (only called once the fast decoder has refused the file). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    const need = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (need < 0) return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
    }
    // Overlong three/four-byte forms, UTF-16 surrogates and code points past U+10FFFF.
    const c1 = bytes[i + 1];
    if ((b === 0xe0 && c1 < 0xa0) || (b === 0xed && c1 > 0x9f) || (b === 0xf0 && c1 < 0x90) || (b === 0xf4 && c1 > 0x8f)) return i;
    i += need + 1;
  }
  return bytes.length;
}

/**
 * The text of an uploaded file: UTF-8 (a byte-order mark is dropped) or UTF-16 with its byte-order mark.
 * Anything else is refused before a parser sees it, so a renamed image never reaches JSON.parse:
 * a known binary signature or a NUL byte gives 'not-text'; bytes that are not UTF-8 (a Latin-1 export) give
 * 'not-utf8' with the line of the first such byte.
 */
export function decodeText(file: string, bytes: Uint8Array): string {
  for (const magic of MAGIC) {
    if (startsWith(bytes, magic)) throw new CorpusFormatError(file, 1, `this file is ${magic.what}, not a library export`, 'not-text');
  }
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes);
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    throw new CorpusFormatError(file, lineOfByte(bytes, nul), 'this file holds binary data (a NUL byte), not a text export of a library', 'not-text');
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    const byte = bytes[at].toString(16).toUpperCase().padStart(2, '0');
    throw new CorpusFormatError(
      file,
      lineOfByte(bytes, at),
      `expected UTF-8 text, found the byte 0x${byte}, which is not UTF-8 (probably a Latin-1 or Windows-1252 export: export the library again as UTF-8)`,
      'not-utf8',
    );
  }
}

/** Signatures as they look in text that was decoded without checking (a File's .text() turns bad bytes into U+FFFD). */
const TEXT_MAGIC: [string, string][] = [
  ['\uFFFDPNG\r\n\u001a\n', 'a PNG image'],
  ['%PDF-', 'a PDF document'],
  ['PK\u0003\u0004', 'a ZIP archive (or a .docx/.xlsx/.odt document)'],
  ['GIF8', 'a GIF image'],
  ['SQLite format 3\u0000', "an SQLite database (such as Zotero's zotero.sqlite)"],
];

/**
 * The same refusal for text a caller decoded itself (parseCorpusFile): known signatures that survive decoding, and
 * NUL characters, which no library export contains.
 */
export function refuseBinaryText(file: string, text: string): void {
  for (const [prefix, what] of TEXT_MAGIC) {
    if (text.startsWith(prefix)) throw new CorpusFormatError(file, 1, `this file is ${what}, not a library export`, 'not-text');
  }
  const nul = text.indexOf('\u0000');
  if (nul !== -1) {
    let line = 1;
    for (let at = text.indexOf('\n'); at !== -1 && at < nul; at = text.indexOf('\n', at + 1)) line++;
    throw new CorpusFormatError(file, line, 'this file holds binary data (a NUL byte), not a text export of a library', 'not-text');
  }
}
