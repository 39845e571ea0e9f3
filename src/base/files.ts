/**
 * A published library (issue 10) is a folder of static files beside a manifest, `library.json`
 * (src/published/manifest.ts): sign codes, int8 rescoring rows, keyword shards and text shards, each file under
 * 100 MB because GitHub Pages refuses larger ones. Every part names its files the same way, so the page can
 * fetch, verify and cache any of them with one function, and the offline download can list them all.
 */

/** One file of a published library, as the manifest lists it. */
export interface PublishedFile {
  /** Path relative to the manifest's folder, '/'-separated (e.g. "keyword/k-0007.bin"). */
  path: string;
  bytes: number;
  /** sha256 of the file's bytes, lowercase hex: checked after every download. */
  sha256: string;
}

/** Where a builder (Node, `npm run index`, or a test in memory) puts a file it made; returns the file's entry. */
export type FileSink = (path: string, data: Uint8Array) => PublishedFile;

/** How the page (or a test) reads a file of the library: fetched, verified against `sha256`, maybe cached. */
export type FileSource = (file: PublishedFile) => Promise<Uint8Array>;

/** GitHub Pages rejects files over 100 MB; parts split their data below this. */
export const MAX_PUBLISHED_FILE_BYTES = 95 * 1024 * 1024;
