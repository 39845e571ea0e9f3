import { spawn, type ChildProcess } from 'node:child_process';

export interface PreviewOptions {
  port: number;
  /** The built folder to serve (vite's default, dist/, when omitted). */
  outDir?: string;
  /** Added to this process's environment (e.g. PAPER_SEARCH_PREVIEW_ISOLATED, BASE_PATH; see vite.config.ts). */
  env?: NodeJS.ProcessEnv;
}

/**
 * `vite preview` of a built site on `port`, resolved once it listens. Started as `node vite.js` so the PID held
 * is the server's own (the caller kills it by that PID).
 */
export async function startPreview({ port, outDir, env = {} }: PreviewOptions): Promise<ChildProcess> {
  const args = ['node_modules/vite/bin/vite.js', 'preview', ...(outDir ? ['--outDir', outDir] : []), '--port', String(port), '--strictPort'];
  const server = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error('vite preview did not start in 30 s')), 30_000);
    server.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes(String(port))) {
        clearTimeout(timer);
        ready();
      }
    });
    server.on('exit', (code) => fail(new Error(`vite preview exited with ${code}`)));
  });
  return server;
}

/** Runs a command to its end (its errors shown); rejects naming the command when it exits with another code than 0. */
export function run(command: string, args: string[], env?: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'inherit'], ...(env ? { env } : {}) });
    child.on('exit', (code) => (code === 0 ? done() : fail(new Error(`${command} ${args.join(' ')} exited with ${code}`))));
  });
}
