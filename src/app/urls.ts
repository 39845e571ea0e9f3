import { DEFAULT_SEARCH_MODE, SEARCH_MODES, type SearchMode } from '../search/search.ts';
import { parseBackendRequest } from '../embedding/backend.ts';
import { modelAssetUrls, siteBase } from '../embedding/site-assets.ts';
import type { BackendRequest } from '../embedding/worker-api.ts';

export const assetUrls = {
  ...modelAssetUrls,
  corpus: new URL('corpus/corpus.json', siteBase).href,
  vectors: new URL('corpus/vectors.bin', siteBase).href,
  /** A published library's manifest (issue 10): when the site has one, it replaces corpus.json. */
  publishedManifest: new URL('corpus/library.json', siteBase).href,
};

export interface UrlState {
  query: string;
  mode: SearchMode;
  backend: BackendRequest;
  /** The library searched (?library=<id>); null for the bundled papers or when the address names none. */
  library: string | null;
  /** Papers pinned as examples (?like=<id>,<id>) and as counter-examples (?not=<id>). */
  like: string[];
  not: string[];
}

export function readUrlState(href = self.location.href): UrlState {
  const params = new URL(href).searchParams;
  const mode = params.get('mode') as SearchMode | null;
  return {
    query: params.get('q') ?? '',
    mode: mode && SEARCH_MODES.includes(mode) ? mode : DEFAULT_SEARCH_MODE,
    backend: parseBackendRequest(params.get('backend')),
    library: params.get('library') || null,
    like: idList(params.get('like')),
    not: idList(params.get('not')),
  };
}

/** Keeps ?q=, ?mode= and ?library= in the address bar (replaceState: typing does not flood the history). */
export function writeUrlState(state: Pick<UrlState, 'query' | 'mode' | 'library' | 'like' | 'not'>): void {
  const url = new URL(self.location.href);
  for (const key of ['like', 'not'] as const) {
    if (state[key].length > 0) url.searchParams.set(key, state[key].join(','));
    else url.searchParams.delete(key);
  }
  if (state.library) url.searchParams.set('library', state.library);
  else url.searchParams.delete('library');
  if (state.query) url.searchParams.set('q', state.query);
  else url.searchParams.delete('q');
  if (state.mode !== DEFAULT_SEARCH_MODE) url.searchParams.set('mode', state.mode);
  else url.searchParams.delete('mode');
  history.replaceState(history.state, '', url);
}

function idList(value: string | null): string[] {
  return value ? [...new Set(value.split(',').map((id) => id.trim()).filter(Boolean))] : [];
}
