/** Bytes done of a download: the offline copy's, a published library's vectors; the page's bars take this shape. */
export interface ByteProgress {
  loaded: number;
  total: number;
}
