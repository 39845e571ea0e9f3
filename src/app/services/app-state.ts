import { addNotice, withdrawNotices, type Notice, type NoticeCode } from '../notices.ts';
import { initialSnapshot, type Snapshot } from '../snapshot.ts';

/**
 * The page's state as one immutable snapshot, shared by the controller's services: each writes its part
 * through `update`, and every change is reported to the view at once.
 */
export class AppState {
  private snapshot: Snapshot = initialSnapshot();

  constructor(private readonly onChange: (snapshot: Snapshot) => void) {}

  get current(): Snapshot {
    return this.snapshot;
  }

  update(patch: Partial<Snapshot>): void {
    if (patch.phase === 'ready' && this.snapshot.phase !== 'ready') markFirstReady();
    this.snapshot = { ...this.snapshot, ...patch };
    this.onChange(this.snapshot);
  }

  notify(next: Notice): void {
    this.update({ notices: addNotice(this.snapshot.notices, next) });
  }

  withdraw(...codes: NoticeCode[]): void {
    this.update({ notices: withdrawNotices(this.snapshot.notices, ...codes) });
  }

  dismiss(index: number): void {
    this.update({ notices: this.snapshot.notices.filter((_, i) => i !== index) });
  }
}

/**
 * `app:ready`, once per page: the moment the status first says ready, on the page's own clock (ms since
 * navigation). tools/bench-first-visit.ts reads it for `ready_repeat_ms`; polling the DOM from the test
 * driver instead adds up to half a second (Playwright re-checks a selector at most every 500 ms).
 */
function markFirstReady(): void {
  if (typeof performance === 'undefined' || performance.getEntriesByName('app:ready', 'mark').length > 0) return;
  performance.mark('app:ready');
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function isAbort(error: unknown): boolean {
  return (error as Error | null)?.name === 'AbortError';
}
