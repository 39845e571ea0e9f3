/** Saving text the app made (an export) as a file, in the browser, without a server round trip. */

/** The browser pieces downloadText uses; tests pass fakes (the unit tests run in Node, without a DOM). */
export interface DownloadEnvironment {
  document: { createElement(tag: 'a'): HTMLAnchorElement; body: { append(node: HTMLAnchorElement): void } };
  URL: { createObjectURL(blob: Blob): string; revokeObjectURL(url: string): void };
  setTimeout(run: () => void, ms: number): unknown;
}

/**
 * How long the object URL outlives the click. The download reads the blob after click() returns, so revoking it at
 * once can cancel it; FileSaver.js waits 40 s for this reason. A few MB held for 40 s is harmless.
 */
export const REVOKE_AFTER_MS = 40_000;

function browserEnvironment(): DownloadEnvironment {
  return { document, URL, setTimeout: (run, ms) => globalThis.setTimeout(run, ms) };
}

/** Saves `text` (encoded as UTF-8) as a file named `fileName`: a Blob, an object URL and a temporary <a download>. */
export function downloadText(text: string, fileName: string, mimeType: string, env: DownloadEnvironment = browserEnvironment()): void {
  const url = env.URL.createObjectURL(new Blob([text], { type: mimeType }));
  const link = env.document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.rel = 'noopener';
  link.style.display = 'none';
  // Older Firefox versions ignore a click on a link that is not in the document.
  env.document.body.append(link);
  try {
    link.click();
  } finally {
    link.remove();
    env.setTimeout(() => env.URL.revokeObjectURL(url), REVOKE_AFTER_MS);
  }
}
