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
