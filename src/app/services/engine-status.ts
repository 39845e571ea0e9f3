import type { EngineState } from '../../embedding/supervisor.ts';
import type { BackendInfo, LoadProgress } from '../../embedding/worker-api.ts';
import { MODEL_UNAVAILABLE_CODES, modelUnavailableNotice, notice } from '../notices.ts';
import type { AppState } from './app-state.ts';

/**
 * The embedding engine as the page shows it: starting, ready, restarting after a lost worker, or unavailable
 * (keywords only), with the notices that say so and the download and start-up bars.
 */
export class EngineStatus {
  constructor(
    private readonly state: AppState,
    /** The engine became ready: the picker's sizes depend on the model's dimensions. */
    private readonly onReady: () => void,
  ) {}

  onState(state: EngineState): void {
    const was = this.state.current.engine;
    if (state.kind === 'starting') {
      const restarting = state.restart > 0;
      this.state.update({ engine: restarting ? 'restarting' : 'starting', engineDetail: state.after ? `worker ${state.after}` : null });
      if (restarting) this.state.notify(notice('engine-restarting'));
    } else if (state.kind === 'ready') {
      this.state.update({ engine: 'ready', model: state.model, engineDetail: null, download: null, startup: null });
      this.state.withdraw('model-repairing', 'engine-restarting', ...MODEL_UNAVAILABLE_CODES);
      if (was === 'restarting') this.state.notify(notice('engine-recovered'));
      const reason = state.model.backend.fallbackReason;
      if (reason) this.state.notify(notice('webgpu-fallback', { reason }));
      this.onReady();
    } else {
      this.state.update({ engine: 'unavailable', engineDetail: `${state.failure.code}: ${state.failure.detail}`, download: null, startup: null });
      this.state.withdraw('model-repairing', 'engine-restarting', 'engine-recovered');
      this.state.notify(modelUnavailableNotice(state.failure));
    }
  }

  /** The backend changed while ready: a canary verdict (Details panel only), or WebGPU failing (?backend=webgpu: a notice). */
  onBackend(info: BackendInfo): void {
    const model = this.state.current.model;
    if (!model) return;
    const before = model.backend.fallbackReason;
    this.state.update({ model: { ...model, backend: info } });
    if (info.fallbackReason && info.fallbackReason !== before) this.state.notify(notice('webgpu-fallback', { reason: info.fallbackReason }));
  }

  onProgress(progress: LoadProgress): void {
    if (progress.phase === 'repair') this.state.notify(notice('model-repairing'));
    else this.state.update(progress.phase === 'download' ? { download: progress } : { startup: progress });
  }
}
