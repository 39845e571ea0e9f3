import { afterEach, describe, expect, it } from 'vitest';
import { isWorkerError } from '../../src/base/errors.ts';
import { exposeService, spawnService, type MessageEndpoint, type WorkerLike } from '../../src/base/worker-rpc.ts';

/** The service a worker would register: an answer, a call that never ends, a call that throws. */
class EchoService {
  echo(text: string): string {
    return `echo: ${text}`;
  }
  hang(): Promise<never> {
    return new Promise(() => {});
  }
  refuse(): never {
    throw new RangeError('not this one');
  }
}

/**
 * A worker in this process: the page holds one end of a real MessageChannel, the "worker scope" the other.
 * `crash` fires the `error` event a browser fires for an uncaught error or a script that fails to load.
 */
class InProcessWorker extends EventTarget {
  readonly scope: MessagePort;
  private readonly page: MessagePort;
  terminated = false;
  constructor() {
    super();
    const { port1, port2 } = new MessageChannel();
    this.page = port1;
    this.scope = port2;
    port1.addEventListener('message', (event) => this.dispatchEvent(new MessageEvent('message', { data: (event as MessageEvent).data })));
    port1.start();
    port2.start();
  }
  postMessage(message: unknown, transfer: Transferable[]): void {
    this.page.postMessage(message, transfer);
  }
  terminate(): void {
    this.terminated = true;
    this.page.close();
  }
  crash(message: string): void {
    this.dispatchEvent(Object.assign(new Event('error'), { message }));
  }
}

const open: InProcessWorker[] = [];
function start(expose = true) {
  const worker = new InProcessWorker();
  open.push(worker);
  if (expose) exposeService(new EchoService(), worker.scope as unknown as MessageEndpoint);
  return { worker, service: spawnService<EchoService>(worker as unknown as WorkerLike, 'echo') };
}
afterEach(() => open.splice(0).forEach((worker) => worker.terminated || worker.terminate()));

describe('spawnService / exposeService', () => {
  it('answers the handshake, then calls typed from the service class', async () => {
    const { service } = start();
    await service.ready;
    await expect(service.api.echo('hi')).resolves.toBe('echo: hi');
    await expect(service.api.refuse()).rejects.toThrow('not this one');
  });

  it('rejects every pending and later call with worker-crashed when the worker throws an uncaught error', async () => {
    const { worker, service } = start();
    await service.ready;
    const pending = [service.api.hang(), service.api.hang()];
    worker.crash('out of memory');
    for (const call of pending) await expect(call).rejects.toSatisfy((error) => isWorkerError(error, 'worker-crashed'));
    await expect(service.api.echo('again')).rejects.toMatchObject({ code: 'worker-crashed', detail: 'the echo worker: out of memory' });
    await expect(service.lost).resolves.toMatchObject({ code: 'worker-crashed' });
  });

  it('says worker-failed-to-load when the worker errs before it is ready', async () => {
    const { worker, service } = start(false);
    const call = service.api.echo('hi');
    worker.crash('Failed to fetch a worker script');
    await expect(service.ready).rejects.toMatchObject({ code: 'worker-failed-to-load' });
    await expect(call).rejects.toMatchObject({ code: 'worker-failed-to-load' });
  });

  it('rejects calls pending at terminate() with worker-closed, and reports nothing lost', async () => {
    const { worker, service } = start();
    await service.ready;
    const pending = service.api.hang();
    service.terminate();
    expect(worker.terminated).toBe(true);
    await expect(pending).rejects.toMatchObject({ name: 'WorkerError', code: 'worker-closed' });
    const settled = await Promise.race([service.lost.then(() => 'lost'), new Promise((resolve) => setTimeout(() => resolve('still pending'), 50))]);
    expect(settled).toBe('still pending');
  });
});
