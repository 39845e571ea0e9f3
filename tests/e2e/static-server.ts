import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The built site served as GitHub Pages serves it: static files under a sub-path, Content-Type and
 * Content-Length, a redirect from `/base` to `/base/`, 404 for anything else, and no Cross-Origin-Opener-Policy
 * or Cross-Origin-Embedder-Policy headers (Pages cannot send them; isolation must come from the service worker).
 * `Cache-Control: no-cache` (Pages sends max-age=600) so that every fetch reaches this server, where the tests
 * see it and can break it.
 *
 * Fault injection, for tests in another process (vitest's globalSetup runs apart from the test files), on the
 * same port outside the base path (tests/e2e/faults.ts wraps these):
 *   POST   /__faults    {"rules": [FaultRule, ...]}   replaces the rules; the first rule whose `path` matches applies
 *   DELETE /__faults                                   no faults
 *   GET    /__requests                                 JSON array of the URL paths requested since the last clear
 *   DELETE /__requests                                 clears that list (and the byte counts below)
 *   GET    /__bytes                                    {path: body bytes sent} since the last clear
 * Faults happen on the wire, so they reach the service worker's fetches too, which Playwright cannot route.
 */

export type FaultRule = { /** Regular expression source, tested against the URL path (no query). */ path: string; /** Apply to this many matching requests, then stop (default: all). */ times?: number } & (
  | { /** Announce the full Content-Length, send the first `bytes` bytes, close the connection. */ fault: 'truncate'; bytes: number }
  | { /** Answer with this status and a short text body instead of the file. */ fault: 'status'; status: number }
  | { /** Destroy the socket without answering. */ fault: 'abort' }
  | { /** The file with bytes in its middle inverted: same length, status 200, different content. */ fault: 'corrupt' }
);

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  // The model and onnxruntime's wasm travel gzipped (issue 16); Pages sends them as gzip files, not gzip-encoded.
  '.gz': 'application/gzip',
  '.bin': 'application/octet-stream',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
};

export function contentType(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/** How many bytes around the middle of a file a `corrupt` fault inverts. */
const CORRUPT_SPAN = 64;

interface ActiveRule {
  rule: FaultRule;
  pattern: RegExp;
  remaining: number;
}

export interface StaticServer {
  server: Server;
  /** e.g. http://127.0.0.1:41234/paper-search/ */
  baseUrl: string;
  /** Body bytes of files sent since the last clear, per URL path (what a visit costs on a host that compresses nothing). */
  bodyBytes(): Map<string, number>;
  close(): Promise<void>;
}

function isFaultRule(value: unknown): value is FaultRule {
  if (typeof value !== 'object' || value === null) return false;
  const rule = value as Record<string, unknown>;
  if (typeof rule.path !== 'string' || (rule.times !== undefined && !(Number.isInteger(rule.times) && (rule.times as number) > 0))) return false;
  switch (rule.fault) {
    case 'truncate':
      return Number.isInteger(rule.bytes) && (rule.bytes as number) >= 0;
    case 'status':
      return Number.isInteger(rule.status) && (rule.status as number) >= 100 && (rule.status as number) <= 599;
    case 'abort':
    case 'corrupt':
      return true;
    default:
      return false;
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
    request.on('error', fail);
  });
}

function sendText(response: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  const body = Buffer.from(text + '\n');
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length, ...headers });
  response.end(body);
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value));
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': body.length, 'Cache-Control': 'no-store' });
  response.end(body);
}

/** Serves `root` under `basePath` (which must start and end with "/") on 127.0.0.1; port 0 picks a free one. */
export async function startStaticServer(root: string, basePath: string, port = 0): Promise<StaticServer> {
  if (!basePath.startsWith('/') || !basePath.endsWith('/')) throw new Error(`base path must start and end with "/": ${basePath}`);
  const rootDir = resolve(root);
  let rules: ActiveRule[] = [];
  let requested: string[] = [];
  const sent = new Map<string, number>();
  const countSent = (path: string, bytes: number) => sent.set(path, (sent.get(path) ?? 0) + bytes);

  async function control(request: IncomingMessage, response: ServerResponse, path: string): Promise<void> {
    const method = request.method ?? 'GET';
    if (path === '/__faults' && method === 'POST') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(await readBody(request));
      } catch (error) {
        return sendText(response, 400, `body is not JSON: ${(error as Error).message}`);
      }
      const list = (parsed as { rules?: unknown })?.rules;
      if (!Array.isArray(list)) return sendText(response, 400, 'expected {"rules": [...]}');
      const bad = list.find((rule) => !isFaultRule(rule));
      if (bad !== undefined) return sendText(response, 400, `not a fault rule: ${JSON.stringify(bad)}`);
      try {
        rules = (list as FaultRule[]).map((rule) => ({ rule, pattern: new RegExp(rule.path), remaining: rule.times ?? Infinity }));
      } catch (error) {
        return sendText(response, 400, (error as Error).message);
      }
      return sendJson(response, 200, { rules: rules.map((active) => active.rule) });
    }
    if (path === '/__faults' && method === 'DELETE') {
      rules = [];
      return sendJson(response, 200, { rules: [] });
    }
    if (path === '/__faults' && method === 'GET') return sendJson(response, 200, { rules: rules.map((active) => active.rule) });
    if (path === '/__requests' && method === 'GET') return sendJson(response, 200, requested);
    if (path === '/__bytes' && method === 'GET') return sendJson(response, 200, Object.fromEntries(sent));
    if (path === '/__requests' && method === 'DELETE') {
      requested = [];
      sent.clear();
      return sendJson(response, 200, []);
    }
    return sendText(response, 405, `${method} ${path} is not a control request`);
  }

  function takeFault(path: string): FaultRule | undefined {
    const active = rules.find((candidate) => candidate.remaining > 0 && candidate.pattern.test(path));
    if (!active) return undefined;
    active.remaining--;
    return active.rule;
  }

  function serveFile(request: IncomingMessage, response: ServerResponse, path: string, file: string, size: number, fault: FaultRule | undefined): void {
    const headers = { 'Content-Type': contentType(file), 'Content-Length': String(size), 'Cache-Control': 'no-cache' };
    if (request.method === 'HEAD') {
      response.writeHead(200, headers);
      response.end();
      return;
    }
    if (fault?.fault === 'truncate' && fault.bytes < size) {
      response.writeHead(200, headers);
      const head = fault.bytes > 0 ? readFileSync(file).subarray(0, fault.bytes) : Buffer.alloc(0);
      countSent(path, head.length);
      // End the connection (FIN) once the first bytes are out: the client sees a body shorter than announced.
      response.write(head, () => {
        response.socket?.end();
        setTimeout(() => response.socket?.destroy(), 1000).unref();
      });
      return;
    }
    if (fault?.fault === 'corrupt') {
      const body = readFileSync(file);
      const start = Math.max(0, Math.floor(body.length / 2) - CORRUPT_SPAN / 2);
      for (let i = start; i < Math.min(body.length, start + CORRUPT_SPAN); i++) body[i] ^= 0xff;
      response.writeHead(200, headers);
      countSent(path, body.length);
      response.end(body);
      return;
    }
    response.writeHead(200, headers);
    createReadStream(file)
      .on('error', () => response.destroy())
      .on('data', (chunk) => countSent(path, chunk.length))
      .pipe(response);
  }

  function handle(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (path === '/__faults' || path === '/__requests' || path === '/__bytes') {
      control(request, response, path).catch((error: unknown) => sendText(response, 500, String(error)));
      return;
    }
    requested.push(path);
    const method = request.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') return sendText(response, 405, 'Method not allowed', { Allow: 'GET, HEAD' });
    if (path === basePath.slice(0, -1)) return sendText(response, 301, 'Moved', { Location: basePath + url.search });

    const fault = takeFault(path);
    if (fault?.fault === 'abort') {
      response.socket?.destroy();
      return;
    }
    if (fault?.fault === 'status') return sendText(response, fault.status, `injected fault: status ${fault.status}`);

    if (!path.startsWith(basePath)) return sendText(response, 404, 'Not found');
    let relative: string;
    try {
      relative = decodeURIComponent(path.slice(basePath.length));
    } catch {
      return sendText(response, 400, 'Bad request');
    }
    let file = resolve(join(rootDir, relative));
    if (file !== rootDir && !file.startsWith(rootDir + sep)) return sendText(response, 404, 'Not found');
    let stats = statSync(file, { throwIfNoEntry: false });
    if (stats?.isDirectory()) {
      if (!path.endsWith('/')) return sendText(response, 301, 'Moved', { Location: path + '/' + url.search });
      file = join(file, 'index.html');
      stats = statSync(file, { throwIfNoEntry: false });
    }
    if (!stats?.isFile()) return sendText(response, 404, 'Not found');
    serveFile(request, response, path, file, stats.size, fault);
  }

  const server = createServer((request, response) => {
    try {
      handle(request, response);
    } catch (error) {
      // e.g. a NUL byte in the path: answer it, never take the server (and every later test) down.
      if (response.headersSent) response.destroy();
      else sendText(response, 400, `Bad request: ${(error as Error).message}`);
    }
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => done());
  });
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('the static server has no address');
  return {
    server,
    baseUrl: `http://127.0.0.1:${address.port}${basePath}`,
    bodyBytes: () => new Map(sent),
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

// `npx tsx tests/e2e/static-server.ts <dir> [base path] [port]`: the same server by hand, e.g. on the e2e build.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const [dir = '.cache/e2e-site', base = '/paper-search/', port = '4173'] = process.argv.slice(2);
  const { baseUrl } = await startStaticServer(dir, base, Number(port));
  console.log(`serving ${resolve(dir)} at ${baseUrl}`);
}
