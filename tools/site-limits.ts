/**
 * What GitHub Pages accepts (issue 17.1): a site of at most 1 GB and no file over 100 MB. `npm run publish`
 * checks the built folder and refuses, naming the file, rather than letting the upload fail later; it also
 * refuses what must never be in a site folder (a library.psl left from an earlier `npm run index`).
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** "Published GitHub Pages sites may be no larger than 1 GB" (taken as 10^9 bytes, the smaller reading). */
export const PAGES_SITE_LIMIT = 1_000_000_000;
/** GitHub refuses files over 100 MiB; taken as 10^8 bytes, the smaller reading. */
export const PAGES_FILE_LIMIT = 100_000_000;
/** Files that belong in a library's folder but never in the site (the one-file import of `npm run index`). */
const NOT_SITE_FILES = /\.psl$/;

export interface SiteFile {
  /** Relative to the site folder, with forward slashes. */
  path: string;
  bytes: number;
}

export function siteFiles(root: string, dir = root): SiteFile[] {
  const files: SiteFile[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...siteFiles(root, full));
    else if (entry.isFile()) files.push({ path: relative(root, full).split('\\').join('/'), bytes: statSync(full).size });
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export class SiteLimitError extends Error {}

/** Throws a SiteLimitError naming the first file that breaks a limit; returns the totals otherwise. */
export function checkSite(root: string, limits = { site: PAGES_SITE_LIMIT, file: PAGES_FILE_LIMIT }): { files: number; bytes: number } {
  const files = siteFiles(root);
  const stray = files.find((file) => NOT_SITE_FILES.test(file.path));
  if (stray) throw new SiteLimitError(`${join(root, stray.path)}: a library file (.psl) does not belong in the site; remove it`);
  const big = files.find((file) => file.bytes > limits.file);
  if (big) throw new SiteLimitError(`${join(root, big.path)} is ${mb(big.bytes)}: GitHub Pages refuses files over ${mb(limits.file)} (use --layout compressed, whose files stay under it)`);
  const bytes = files.reduce((sum, file) => sum + file.bytes, 0);
  if (bytes > limits.site) {
    const largest = [...files].sort((a, b) => b.bytes - a.bytes)[0];
    throw new SiteLimitError(`${root} is ${mb(bytes)}: GitHub Pages sites may be at most ${mb(limits.site)} (largest file ${largest.path}, ${mb(largest.bytes)})`);
  }
  return { files: files.length, bytes };
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
