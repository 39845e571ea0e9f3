import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openSitePublishedLibrary } from '../../src/published/open-published.ts';
import { PublishedLibraryError } from '../../src/published/errors.ts';

/** Answers as the servers a site runs on do: each path gets a status, a content type and a body. */
const ANSWERS: Record<string, { status: number; type: string; body: string }> = {
  // vite dev and vite preview answer an unknown path with the page itself
  '/vite/corpus/library.json': { status: 200, type: 'text/html', body: '<!doctype html><html><head></head><body></body></html>' },
  // a static host (GitHub Pages)
  '/pages/corpus/library.json': { status: 404, type: 'text/html; charset=utf-8', body: '<h1>404</h1>' },
  '/broken/corpus/library.json': { status: 200, type: 'application/json', body: '{"format": "paper-search' },
  '/other/corpus/library.json': { status: 200, type: 'application/json', body: '{"format": "something else"}' },
  '/down/corpus/library.json': { status: 503, type: 'text/plain', body: 'down' },
};

let server: Server;
let origin = '';

beforeAll(async () => {
  server = createServer((request, response) => {
    const answer = ANSWERS[request.url ?? ''] ?? { status: 404, type: 'text/plain', body: '' };
    response.writeHead(answer.status, { 'content-type': answer.type }).end(answer.body);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(() => new Promise<void>((done) => server.close(() => done())));

function openAt(path: string) {
  return openSitePublishedLibrary(origin + path);
}

async function codeOf(path: string): Promise<string> {
  const error: unknown = await openAt(path).then(() => 'no error', (e: unknown) => e);
  return error instanceof PublishedLibraryError ? error.code : String(error);
}

describe('issue 18: library.json answered with HTML means no published library', () => {
  it('a page answered for library.json (vite dev, vite preview) is no published library, not an error', async () => {
    await expect(openAt('/vite/corpus/library.json')).resolves.toBeNull();
  });

  it('a missing library.json (404 from a static host) is no published library', async () => {
    await expect(openAt('/pages/corpus/library.json')).resolves.toBeNull();
  });

  it('JSON that is wrong still gives its error, and so does a server error', async () => {
    expect(await codeOf('/broken/corpus/library.json')).toBe('manifest-invalid');
    expect(await codeOf('/other/corpus/library.json')).toBe('manifest-invalid');
    expect(await codeOf('/down/corpus/library.json')).toBe('file-unreachable');
  });
});
