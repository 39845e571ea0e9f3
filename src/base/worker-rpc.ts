/**
 * The one way the page runs a service class in a Web Worker and calls it (comlink over a port of its own).
 *
 * Page side, `spawnService<Service>(worker)`: the typed remote `Comlink.Remote<Service>`, a ready handshake, and
 * the lost-worker error in one place. A worker that fails to load, throws an uncaught error, or is closed or
 * killed answers no pending comlink call; here every call pending on it, and every later one, rejects with one
 * WorkerError (worker-failed-to-load, worker-crashed, worker-closed) instead of hanging.
 *
 * Worker side, `exposeService(new Service())`: the `*.worker.ts` file only registers its service class (which
 * tests construct directly). It answers the handshake once it holds its life lock: a Web Lock the browser
 * releases when the worker ends, even silently (self.close(), an out-of-memory kill), which is how the page
 * learns of a death no `error` event reports.
 */
import * as Comlink from 'comlink';
import { WorkerError } from './errors.ts';

/** The page's first message: the port comlink is to use and the name of the life lock to hold. */
interface Handshake {
  paperSearchHandshake: { port: MessagePort; lifeLock: string };
}

/** The worker's answer, once the service is exposed. */
const READY = { paperSearchReady: true } as const;

/** What a worker's global scope and a Worker have in common, for the handshake (a MessagePort in tests). */
export interface MessageEndpoint {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
}

/** The page's view of a Worker: messages, its `error` event, terminate(). */
export interface WorkerLike {
  postMessage(message: unknown, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  addEventListener(type: 'error', listener: (event: ErrorEvent) => void): void;
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  terminate(): void;
}

/** One running service worker. */
export interface ServiceWorker<Service> {
  /** The service's methods, each returning a promise; a call whose worker is lost rejects with that WorkerError. */
  readonly api: Comlink.Remote<Service>;
  /** Resolves once the worker has loaded and exposed its service; rejects with the WorkerError if it could not. */
  readonly ready: Promise<void>;
  /** Settles with the WorkerError when the worker is lost; never while it works, nor after terminate(). */
  readonly lost: Promise<WorkerError>;
  /** Ends the worker; calls still pending reject with worker-closed. */
  terminate(): void;
}

/** What a client that only calls and ends its worker keeps of it. */
export type ServiceHandle<Service> = Pick<ServiceWorker<Service>, 'api' | 'terminate'>;

let spawned = 0;

function hasLocks(): boolean {
  return typeof navigator !== 'undefined' && 'locks' in navigator;
}

/**
 * Runs `worker`'s service for the page. `label` names the worker in errors ("the map worker ..."). The caller
 * creates the Worker itself: bundlers find a worker only in `new Worker(new URL('./x.worker.ts', import.meta.url), {...})`.
 */
export function spawnService<Service>(worker: WorkerLike, label: string): ServiceWorker<Service> {
  const channel = new MessageChannel();
  const remote = Comlink.wrap<Service>(channel.port1);
  let loaded = false;
  let terminated = false;
  let stop!: (error: WorkerError) => void;
  const stopped = new Promise<never>((_, reject) => (stop = reject));
  stopped.catch(() => undefined); // observed by the calls that race it; nobody may be calling
  let reportLost!: (error: WorkerError) => void;
  const lost = new Promise<WorkerError>((resolve) => (reportLost = resolve));
  const lose = (error: WorkerError) => {
    if (terminated) return;
    stop(error);
    reportLost(error);
  };
  const ready = new Promise<void>((resolve, reject) => {
    void stopped.catch(reject);
    worker.addEventListener('message', function onReady(event) {
      if (!(event.data && typeof event.data === 'object' && 'paperSearchReady' in event.data)) return;
      worker.removeEventListener('message', onReady);
      loaded = true;
      resolve();
    });
  });
  ready.catch(() => undefined);
  worker.addEventListener('error', (event) => {
    const what = event.message || 'uncaught error';
    lose(loaded ? new WorkerError('worker-crashed', `the ${label} worker: ${what}`) : new WorkerError('worker-failed-to-load', `the ${label} worker: ${what}`));
  });
  const lifeLock = `paper-search-${label}-life-${Date.now()}-${++spawned}`;
  const handshake: Handshake = { paperSearchHandshake: { port: channel.port2, lifeLock: hasLocks() ? lifeLock : '' } };
  worker.postMessage(handshake, [channel.port2]);
  // The worker holds the lock before it answers, so once it is ready, getting the lock means it has ended.
  if (hasLocks()) void ready.then(() => navigator.locks.request(lifeLock, () => lose(new WorkerError('worker-closed', `the ${label} worker was closed or killed`))), () => undefined);
  return {
    api: guardCalls(remote, stopped),
    ready,
    lost,
    terminate: () => {
      if (terminated) return;
      stop(new WorkerError('worker-closed', `the ${label} worker was terminated by the page`));
      terminated = true;
      worker.terminate();
      remote[Comlink.releaseProxy]();
      channel.port1.close();
    },
  };
}

/** `remote` whose method calls each race `stopped`, so none outlives its worker. */
function guardCalls<Service>(remote: Comlink.Remote<Service>, stopped: Promise<never>): Comlink.Remote<Service> {
  return new Proxy(remote, {
    get(target, property) {
      const member: unknown = Reflect.get(target, property);
      // Symbols (comlink's releaseProxy) and `then` (promise resolution probing the proxy) pass through.
      if (typeof property === 'symbol' || property === 'then' || typeof member !== 'function') return member;
      return (...args: unknown[]) => Promise.race([(member as (...a: unknown[]) => Promise<unknown>)(...args), stopped]);
    },
  });
}

/** Takes the life lock and keeps it until the worker ends; resolves once it is held. */
function holdLifeLock(name: string): Promise<void> {
  if (!name || !hasLocks()) return Promise.resolve();
  return new Promise((held) => {
    void navigator.locks.request(name, () => {
      held();
      return new Promise<never>(() => {});
    });
  });
}

/** In a `*.worker.ts`: serves `service` to the page that spawned this worker with spawnService. */
export function exposeService(service: object, scope: MessageEndpoint = self as unknown as MessageEndpoint): void {
  scope.addEventListener('message', function onHandshake(event: MessageEvent) {
    const data: unknown = event.data;
    if (!(data && typeof data === 'object' && 'paperSearchHandshake' in data)) return;
    scope.removeEventListener('message', onHandshake);
    const { port, lifeLock } = (data as Handshake).paperSearchHandshake;
    void holdLifeLock(lifeLock).then(() => {
      Comlink.expose(service, port);
      scope.postMessage(READY);
    });
  });
}

export { Comlink };
