import type { Paper } from '../base/paper.ts';
import { vectorSourceFromFile, type VectorSource } from '../index/resolve-vectors.ts';
import { decodeVectorFile } from '../index/vector-file.ts';
import { BUNDLED_LIBRARY_ID } from './snapshot.ts';
import { assetUrls } from './urls.ts';

/** A library ready to be indexed: its papers and any vectors that came with it (precomputed, or imported). */
export interface LoadedCorpus {
  /** BUNDLED_LIBRARY_ID, or a stored library's id. */
  id: string;
  name: string;
  kind: 'bundled' | 'imported';
  papers: Paper[];
  /** contentHash of each paper when already known (stored libraries, the import worker); else computed. */
  hashes?: readonly string[];
  precomputed: VectorSource | null;
}

/** The shipped papers and their precomputed vectors; unusable vectors are reported and the papers still load. */
export async function loadBundledCorpus(onVectorsUnusable: (reason: string) => void): Promise<LoadedCorpus> {
  const [papers, precomputed] = await Promise.all([
    fetchBundledPapers(),
    loadPrecomputed().catch((error: Error) => {
      onVectorsUnusable(error.message);
      return null;
    }),
  ]);
  return { id: BUNDLED_LIBRARY_ID, name: 'bundled', kind: 'bundled', papers, precomputed };
}

async function fetchBundledPapers(): Promise<Paper[]> {
  const response = await fetch(assetUrls.corpus).catch(() => {
    throw new Error('The papers could not be downloaded: you appear to be offline, and this browser has no offline copy yet. Reload when you are back online.');
  });
  if (!response.ok) throw new Error(`Could not load the corpus from ${assetUrls.corpus} (HTTP ${response.status}).`);
  const body = (await response.json()) as { papers?: Paper[] };
  if (!Array.isArray(body.papers)) throw new Error(`${assetUrls.corpus} has no "papers" list.`);
  return body.papers;
}

async function loadPrecomputed(): Promise<VectorSource | null> {
  const response = await fetch(assetUrls.vectors);
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`HTTP ${response.status} for ${assetUrls.vectors}`);
  return vectorSourceFromFile(decodeVectorFile(new Uint8Array(await response.arrayBuffer()), 'corpus/vectors.bin'));
}
