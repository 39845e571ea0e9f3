import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Build-time hashes (Node only; used by vite.config.ts). The browser checks downloads against them:
 * the service worker through Subresource Integrity on every precached file (onnxruntime's own hashes: runtime-files.ts).
 */

function sha256(bytes: Buffer, encoding: 'hex' | 'base64'): string {
  return createHash('sha256').update(bytes).digest(encoding);
}

export interface PrecacheEntry {
  url: string;
  revision: string | null;
  size: number;
  integrity?: string;
  bytes?: number;
}

/**
 * Adds `integrity` (sha256 SRI) to each entry, so a truncated or altered download fails the service worker's
 * install instead of being kept. Revisions stay workbox's own (vite-plugin-pwa adds the icon again with that
 * revision, and two revisions of one URL are refused); a damaged copy cached by an older version is evicted by
 * the embedding worker's own check (src/embedding/verified-fetch.ts). `bytes` keeps the size, which workbox
 * strips later (the service worker reports download progress against it).
 */
export function withIntegrity(entries: PrecacheEntry[], outDir: string): PrecacheEntry[] {
  return entries.map((entry) => {
    const content = readFileSync(join(outDir, decodeURIComponent(entry.url.split('?')[0])));
    return {
      ...entry,
      integrity: `sha256-${sha256(content, 'base64')}`,
      bytes: entry.size,
    };
  });
}
