/**
 * Every message the app shows outside the results, in one catalogue: a stable code (rendered as `data-code`,
 * asserted by the tests), a level, and the words a person reads. The words say what happened and what to
 * do; library internals never reach them (they go to the diagnostics panel).
 */

export type NoticeLevel = 'info' | 'warning';

interface Entry<P> {
  level: NoticeLevel;
  text: (params: P) => string;
  /** The notice offers this action as a button. */
  action?: NoticeAction;
}

/** Buttons a notice can carry; the view maps each to a controller method. */
export type NoticeAction = 'retry-model' | 'resume-embedding' | 'retry-published-vectors' | 'reload-update';

type NoParams = Record<string, never>;
const entry = <P = NoParams>(level: NoticeLevel, text: (params: P) => string, action?: NoticeAction): Entry<P> => ({ level, text, action });

const KEYWORDS_WORK = 'Keyword search still works.';

export const NOTICES = {
  'model-repairing': entry('info', () => 'The model download was damaged; fetching it again…'),
  'model-damaged': entry<{ file: string }>('warning', ({ file }) => `Search by meaning is unavailable: the model download was damaged (${file}), and fetching it again did not help. ${KEYWORDS_WORK} Check your connection, then press Retry.`, 'retry-model'),
  'model-unreachable': entry<{ file: string }>('warning', ({ file }) => `Search by meaning is unavailable: the model could not be downloaded (${file}); you may be offline. ${KEYWORDS_WORK} Press Retry when you are back online.`, 'retry-model'),
  'model-failed': entry('warning', () => `Search by meaning is unavailable: the model could not start in this browser. ${KEYWORDS_WORK} Press Retry, or reload the page.`, 'retry-model'),
  'engine-crashing': entry('warning', () => `Search by meaning is unavailable: the search engine stopped several times in a row. ${KEYWORDS_WORK} Press Retry.`, 'retry-model'),
  'engine-restarting': entry('info', () => 'The search engine stopped unexpectedly; restarting it…'),
  'engine-recovered': entry('info', () => 'The search engine stopped unexpectedly and was restarted; search works again.'),
  'indexing-resumed': entry<{ done: number; total: number }>('info', ({ done, total }) => `Indexing was interrupted and continues where it stopped (${done} of ${total} papers already embedded).`),
  'query-failed': entry('warning', () => 'This search could not be answered by meaning; the results are keyword matches. Try again in a moment.'),
  'part-unavailable': entry<{ parts: string }>('warning', ({ parts }) => `Part of this library could not be read for this search: ${parts}. The results use what still works.`),
  'query-cut': entry<{ length: number; kept: number }>('info', ({ length, kept }) => `Your query was ${length} characters long; only its first ${kept} were searched.`),
  'webgpu-fallback': entry<{ reason: string }>('warning', ({ reason }) => `WebGPU not used: ${reason}. Running on WASM.`),
  'offline-unavailable': entry<{ reason: string }>('info', ({ reason }) => `Offline use is not available: ${reason}. Search works while you are online.`),
  'offline-lost': entry('warning', () => 'The offline copy of Paper Search was removed (were site data cleared?). Search keeps working in this tab; reload while online to save it again.'),
  'app-updated': entry('info', () => 'A new version of Paper Search is ready. This tab keeps the version it started with until you reload it.', 'reload-update'),
  'update-other-tabs': entry<{ count: number }>('info', ({ count }) => `The new version starts once the other ${count === 1 ? 'tab' : `${count} tabs`} of Paper Search ${count === 1 ? 'is' : 'are'} closed: ${count === 1 ? 'it runs' : 'they run'} the version ${count === 1 ? 'it' : 'they'} started with. Close ${count === 1 ? 'it' : 'them'}, then press Reload again.`),
  'precomputed-unused': entry<{ reason: string }>('info', ({ reason }) => `Precomputed vectors not used (${reason}); abstracts will be embedded here.`),
  'storage-unavailable': entry<{ problem: string }>('warning', ({ problem }) => `${problem}. Search works; abstracts will be embedded again next visit.`),
  'storage-fallback': entry<{ reason: string }>('warning', ({ reason }) => `Browser storage problem: ${reason}. Search keeps working from memory; vectors will not be kept after this tab closes.`),
  'vectors-discarded': entry<{ problems: string }>('warning', ({ problems }) => `Some saved vectors were unreadable and were discarded (${problems}). They will be embedded again.`),
  'import-rejected': entry<{ problem: string }>('warning', ({ problem }) => `${problem}. Nothing was imported; your current papers are unchanged.`),
  'import-not-saved': entry<{ name: string; reason: string }>('warning', ({ name, reason }) => `${name} could not be saved in this browser: ${reason}. Nothing of it was kept; it is searchable until you close this tab.`),
  'import-summary': entry<{ summary: string }>('info', ({ summary }) => summary),
  'storage-tight': entry<{ needed: string; available: string }>('warning', ({ needed, available }) => `This library needs about ${needed} in this browser and only about ${available} is left. Papers that do not fit are kept for this tab only. Deleting a library you no longer need makes room.`),
  'storage-persisted': entry('info', () => 'This browser will keep your libraries until you delete them (persistent storage granted).'),
  'storage-not-persisted': entry('info', () => 'This browser did not grant persistent storage, so it may clear your libraries when disk space runs low. Export a library to keep a copy of it.'),
  'library-deleted': entry<{ name: string; papers: number; vectors: number }>('info', ({ name, papers, vectors }) => `Deleted ${name}: ${papers.toLocaleString('en')} papers, and ${vectors.toLocaleString('en')} vectors no other library uses.`),
  'library-missing': entry('warning', () => 'The library in this address is not in this browser (deleted, or kept in another browser); showing the bundled papers.'),
  'library-failed': entry<{ action: string; reason: string }>('warning', ({ action, reason }) => `Could not ${action}: ${reason}. Nothing else changed.`),
  'embedding-paused': entry<{ name: string; done: number; total: number }>('info', ({ name, done, total }) => `Embedding ${name} is paused: ${done.toLocaleString('en')} of ${total.toLocaleString('en')} papers are searchable by meaning, all of them by keywords.`, 'resume-embedding'),
  'examples-unusable': entry<{ reason: string }>('warning', ({ reason }) => `The pinned papers could not be used as examples: ${reason} The results are for the typed words alone.`),
  'examples-dropped': entry<{ count: number; ids: string }>('info', ({ count, ids }) => `${count === 1 ? 'A pinned paper is' : `${count} pinned papers are`} not in this library and ${count === 1 ? 'was' : 'were'} left out (${ids}).`),
  'library-deleted-elsewhere': entry<{ name: string }>('warning', ({ name }) => `${name} was deleted in another tab; showing the site's own papers.`),
  'map-failed': entry<{ reason: string }>('warning', ({ reason }) => `The map of this library could not be drawn (${reason}). Search is not affected.`),
  'published-unreadable': entry<{ reason: string }>('warning', ({ reason }) => `This site's library could not be opened (${reason}); showing the papers that come with the app.`),
  'published-vectors-failed': entry<{ reason: string }>('warning', ({ reason }) => `Search by meaning is not ready: the library's vectors could not be downloaded (${reason}). ${KEYWORDS_WORK} Press Retry when you are back online.`, 'retry-published-vectors'),
  'published-wrong-model': entry<{ library: string; model: string }>('warning', ({ library, model }) => `Search by meaning is unavailable for this library: its vectors were made by ${library}, but this app runs ${model}. ${KEYWORDS_WORK} The site needs \`npm run index\` again with this model.`),
  'published-offline-ready': entry('info', () => 'This library is available offline: search, keywords and every abstract work without a connection.'),
  'published-offline-failed': entry<{ reason: string }>('warning', ({ reason }) => `Making the library available offline stopped (${reason}). What was downloaded is kept; press the button again to continue.`),
  'indexing-failed': entry<{ name: string; reason: string }>('warning', ({ name, reason }) => `${name} could not be fully indexed (${reason}); keyword search works over all of it.`),
} satisfies Record<string, Entry<never>>;

export type NoticeCode = keyof typeof NOTICES;
type ParamsOf<C extends NoticeCode> = (typeof NOTICES)[C] extends Entry<infer P> ? P : never;

export interface Notice {
  code: NoticeCode;
  level: NoticeLevel;
  text: string;
  action?: NoticeAction;
}

/** Builds a notice from the catalogue: `notice('model-damaged', { file })`. */
export function notice<C extends NoticeCode>(code: C, ...[params]: ParamsOf<C> extends NoParams ? [] : [ParamsOf<C>]): Notice {
  const { level, text, action } = NOTICES[code] as Entry<ParamsOf<C> | undefined>;
  return { code, level, text: text(params as ParamsOf<C>), ...(action ? { action } : {}) };
}

/**
 * The notices on screen. A code appears at most once (the newest words replace the old), and notices that
 * stopped being true are withdrawn by code.
 */
export function addNotice(list: readonly Notice[], next: Notice): Notice[] {
  return [...list.filter((n) => n.code !== next.code), next];
}

export function withdrawNotices(list: readonly Notice[], ...codes: NoticeCode[]): Notice[] {
  return list.filter((n) => !codes.includes(n.code));
}

/** The notice that says why search by meaning is unavailable, by the engine's failure code. */
export function modelUnavailableNotice(failure: { code: string; file?: string }): Notice {
  switch (failure.code) {
    case 'files-damaged':
      return notice('model-damaged', { file: failure.file ?? 'a model file' });
    case 'files-unreachable':
      return notice('model-unreachable', { file: failure.file ?? 'a model file' });
    case 'worker-lost':
      return notice('engine-crashing');
    default:
      return notice('model-failed');
  }
}

export const MODEL_UNAVAILABLE_CODES: NoticeCode[] = ['model-damaged', 'model-unreachable', 'model-failed', 'engine-crashing'];
