import type { EmbeddingSupervisor } from '../../embedding/supervisor.ts';
import { notice } from '../notices.ts';
import type { PublishedLibrary } from '../../published/published-library.ts';
import { RESULT_LIMIT } from '../../search/searcher.ts';
import type { PublishedStatus } from '../snapshot.ts';
import { describe, type AppState } from './app-state.ts';
import type { OpenLibrarySlot } from './open-library.ts';

export interface PublishedParts {
  state: AppState;
  library: PublishedLibrary;
  engine: Pick<EmbeddingSupervisor, 'whenReady'>;
  slot: OpenLibrarySlot;
}

/**
 * The site's published library as the page uses it: its first papers listed at once (keywords work from the
 * shards), its vectors installed for search by meaning, and "make available offline". Reports only while it
 * is the library open.
 */
export class PublishedSession {
  private install: Promise<void> | null = null;
  private offlineDownload: AbortController | null = null;

  constructor(private readonly parts: PublishedParts) {}

  get library(): PublishedLibrary {
    return this.parts.library;
  }

  private get isOpen(): boolean {
    return this.parts.slot.published === this.parts.library;
  }

  /** The view of a just-opened published library: its first papers, and meaning once its vectors are here. */
  async enter(): Promise<void> {
    const { state, library } = this.parts;
    // The first papers are what the page lists before a query.
    const first = Array.from({ length: Math.min(RESULT_LIMIT, library.count) }, (_, row) => row);
    await library.searchable.book.load(first).catch((error: unknown) => console.warn('could not read the first papers', error));
    state.update({
      phase: 'ready',
      papers: library.searchable.book.papers,
      published: { count: library.count, vectors: 'downloading', vectorDownload: null, offline: null, offlineDownload: null },
    });
    void this.installVectors();
    void this.refreshOffline();
  }

  /** Another library opens: the offline download stops (it resumes where it was, later). */
  leave(): void {
    this.offlineDownload?.abort();
  }

  /** The Retry of 'published-vectors-failed'. */
  retryVectors(): void {
    if (!this.isOpen || this.parts.state.current.published?.vectors !== 'failed') return;
    this.parts.state.withdraw('published-vectors-failed');
    void this.installVectors();
  }

  /** Meaning can answer: the vectors are installed and made by this app's model. */
  vectorsReady(): boolean {
    return this.parts.state.current.published?.vectors === 'ready';
  }

  /** "Make this library available offline": downloads what is missing, with progress; the button again resumes. */
  async makeAvailableOffline(): Promise<void> {
    const { state, library } = this.parts;
    if (!this.isOpen || this.offlineDownload) return;
    const abort = new AbortController();
    this.offlineDownload = abort;
    state.withdraw('published-offline-failed');
    this.updateStatus({ offlineDownload: { loaded: 0, total: state.current.published?.offline?.missingBytes ?? 0 } });
    try {
      const ended = await library.downloadForOffline((progress) => this.updateStatus({ offlineDownload: progress }), abort.signal);
      if (ended === 'complete') state.notify(notice('published-offline-ready'));
    } catch (error) {
      state.notify(notice('published-offline-failed', { reason: describe(error) }));
    } finally {
      this.offlineDownload = null;
      this.updateStatus({ offlineDownload: null });
      await this.refreshOffline();
    }
  }

  cancelOfflineDownload(): void {
    this.offlineDownload?.abort();
  }

  dispose(): void {
    this.parts.library.dispose();
  }

  private updateStatus(patch: Partial<PublishedStatus>): void {
    const current = this.parts.state.current.published;
    if (this.isOpen && current) this.parts.state.update({ published: { ...current, ...patch } });
  }

  private installVectors(): Promise<void> {
    this.install ??= this.runInstall().finally(() => (this.install = null));
    return this.install;
  }

  private async runInstall(): Promise<void> {
    const { state, library, engine } = this.parts;
    this.updateStatus({ vectors: 'downloading', vectorDownload: null });
    try {
      await library.installVectors((progress) => this.updateStatus({ vectorDownload: progress }));
    } catch (error) {
      this.updateStatus({ vectors: 'failed', vectorDownload: null });
      if (this.isOpen) state.notify(notice('published-vectors-failed', { reason: describe(error) }));
      return;
    }
    state.withdraw('published-vectors-failed');
    // Queries are embedded by this app's model: vectors of another cannot be compared with them.
    const model = await engine.whenReady().catch(() => null);
    if (model && model.modelKey !== library.modelKey) {
      this.updateStatus({ vectors: 'wrong-model', vectorDownload: null });
      state.notify(notice('published-wrong-model', { library: library.modelKey, model: model.modelKey }));
      return;
    }
    this.updateStatus({ vectors: 'ready', vectorDownload: null });
    if (this.isOpen) state.update({ fromPrecomputed: library.count });
    void this.refreshOffline();
  }

  private async refreshOffline(): Promise<void> {
    const offline = await this.parts.library.offlineState().catch(() => null);
    if (offline) this.updateStatus({ offline });
  }
}
