/** Number formatting for the status line and progress bars. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
}

/**
 * A duration as people say it, rounded to whole seconds first so the parts never read "60 s" or "60 min":
 * "59 s", "1 min 0 s", "2 h 5 min", "1 day 4 h", "3 days 0 h". Two units at most, the smaller one truncated
 * (2 h 5 min 59 s is "2 h 5 min"); "…" when unknown (NaN, infinite, negative).
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '…';
  const total = Math.round(seconds);
  if (total < 60) return `${total} s`;
  const minutes = Math.floor(total / 60);
  if (minutes < 60) return `${minutes} min ${total % 60} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return `${days} ${days === 1 ? 'day' : 'days'} ${hours % 24} h`;
}

export function percent(loaded: number, total: number): number {
  return total > 0 ? Math.min(100, (100 * loaded) / total) : 0;
}
