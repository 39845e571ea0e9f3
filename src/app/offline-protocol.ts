/** Messages the service worker posts to pages while it downloads the offline copy (sw.ts -> offline.ts). */
export interface PrecacheProgressMessage {
  type: 'precache-progress';
  loaded: number;
  total: number;
}

export function isPrecacheProgress(data: unknown): data is PrecacheProgressMessage {
  const m = data as PrecacheProgressMessage | null;
  return typeof m === 'object' && m !== null && m.type === 'precache-progress' && typeof m.loaded === 'number' && typeof m.total === 'number';
}

/**
 * A page asks the waiting (new) service worker to take over (offline.ts applyUpdate -> sw.ts). The worker does so
 * only when the asking tab is the last one open: every other tab still runs the version it started with, whose
 * files only the old worker's precache keeps (issue 19: a deploy must not break open tabs).
 */
export interface ActivateUpdateRequest {
  type: 'activate-update';
}

/** The worker's answer, on the request's MessageChannel port: whether it took over, and how many other tabs are open. */
export interface ActivateUpdateAnswer {
  type: 'activate-update-answer';
  activated: boolean;
  otherTabs: number;
}

export function isActivateUpdateRequest(data: unknown): data is ActivateUpdateRequest {
  return typeof data === 'object' && data !== null && (data as ActivateUpdateRequest).type === 'activate-update';
}

export function isActivateUpdateAnswer(data: unknown): data is ActivateUpdateAnswer {
  const m = data as ActivateUpdateAnswer | null;
  return typeof m === 'object' && m !== null && m.type === 'activate-update-answer' && typeof m.activated === 'boolean' && typeof m.otherTabs === 'number';
}
