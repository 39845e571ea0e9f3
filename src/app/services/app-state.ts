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

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function isAbort(error: unknown): boolean {
  return (error as Error | null)?.name === 'AbortError';
}
