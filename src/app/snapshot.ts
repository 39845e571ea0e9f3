import type { ImportStage } from '../library/import/import-api.ts';
import type { Paper } from '../base/paper.ts';
import type { LoadAmount, ModelInfo } from '../embedding/worker-api.ts';
import type { Notice } from './notices.ts';
import type { ByteProgress } from '../base/progress.ts';
import type { OfflineStatus } from './offline.ts';
import type { PublishedOfflineState } from '../published/published-library.ts';

/**
 * What the page shows, as one immutable value the controller replaces on every change. Kept apart from the
 * controller so components import the shape without the orchestration.
 */

export type Phase = 'loading' | 'indexing' | 'ready' | 'error';
/** The embedding engine as the person sees it: `restarting` after a lost worker, `unavailable` = keywords only. */
export type EngineStatus = 'starting' | 'ready' | 'restarting' | 'unavailable';

/** The shipped Daily Papers: always a library, never stored in IndexedDB (they come with the site). */
export const BUNDLED_LIBRARY_ID = 'bundled';

export interface LibraryEntry {
  id: string;
  name: string;
  kind: 'bundled' | 'imported';
  paperCount: number;
  /** Estimated bytes this library keeps in the browser (papers + its vectors); null when not known. */
  bytesOnDisk: number | null;
}

export interface EmbeddingProgress {
  done: number;
  total: number;
  docsPerSecond: number;
  secondsLeft: number;
}

/** An import being read and parsed (in a worker), before its papers are searchable. */
export interface ImportActivity {
  name: string;
  stage: ImportStage | 'saving' | 'indexing';
  done: number;
  total: number;
}

/** Embedding would take long: the person decides whether to go on in this browser. */
export interface LongRunQuestion {
  library: string;
  count: number;
  seconds: number;
  docsPerSecond: number;
  /** Stored in this browser with its vectors: closing the page pauses the work rather than losing it. */
  kept: boolean;
}

/** A CSV/TSV whose title/abstract columns cannot be told from the header: the person picks them. */
export interface ColumnQuestion {
  file: string;
  headers: string[];
  candidates: { title: string[]; abstract: string[] };
}

export interface StorageInfo {
  usage: number | null;
  quota: number | null;
  persisted: boolean | null;
}

/** The site's published library (issue 10), when it is the one open: its vectors and its offline copy. */
export interface PublishedStatus {
  count: number;
  /** `downloading`: search by meaning waits for the codes and rows; keywords answer meanwhile. */
  vectors: 'downloading' | 'ready' | 'failed' | 'wrong-model';
  vectorDownload: ByteProgress | null;
  /** What this browser holds of each part; null until known. */
  offline: PublishedOfflineState | null;
  /** "Make this library available offline" under way. */
  offlineDownload: ByteProgress | null;
}

export interface Snapshot {
  phase: Phase;
  error: string | null;
  papers: readonly Paper[];
  /** The library being searched (BUNDLED_LIBRARY_ID or a stored library's id) and its name. */
  libraryId: string;
  corpusName: string;
  corpusKind: 'bundled' | 'imported';
  libraries: LibraryEntry[];
  /** An import or a library switch is under way; another one waits until it is done. */
  switching: boolean;
  importing: ImportActivity | null;
  columnQuestion: ColumnQuestion | null;
  longRun: LongRunQuestion | null;
  /** Embedding of the active library was put off (the person said not now): done so far, of total. */
  embeddingPaused: { done: number; total: number } | null;
  storageInfo: StorageInfo | null;
  /** First visit: the service worker downloading the offline copy (app, model, wasm). */
  offlineDownload: ByteProgress | null;
  /** `lost`: the offline copy was ready and has gone (site data cleared) while the page is open. */
  offline: OfflineStatus['kind'] | 'checking' | 'lost';
  download: LoadAmount | null;
  startup: LoadAmount | null;
  embedding: EmbeddingProgress | null;
  engine: EngineStatus;
  /** Why the engine is unavailable, for the diagnostics panel. */
  engineDetail: string | null;
  model: ModelInfo | null;
  storage: 'indexeddb' | 'memory' | null;
  fromPrecomputed: number;
  fromCache: number;
  embeddedNow: number;
  notices: Notice[];
  published: PublishedStatus | null;
}

export function initialSnapshot(): Snapshot {
  return {
    phase: 'loading',
    error: null,
    papers: [],
    libraryId: BUNDLED_LIBRARY_ID,
    corpusName: 'bundled',
    corpusKind: 'bundled',
    libraries: [],
    switching: false,
    importing: null,
    columnQuestion: null,
    longRun: null,
    embeddingPaused: null,
    storageInfo: null,
    offlineDownload: null,
    offline: 'checking',
    download: null,
    startup: null,
    embedding: null,
    engine: 'starting',
    engineDetail: null,
    model: null,
    storage: null,
    fromPrecomputed: 0,
    fromCache: 0,
    embeddedNow: 0,
    notices: [],
    published: null,
  };
}
