/**
 * The headless Chromium every benchmark and measuring tool launches: Debian's build (CHROMIUM_PATH for another),
 * with the flags that keep it from doing background network work that would disturb the timings.
 */

import type { Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** A typed call into the API a bench page puts on `window` (`window[global].name(...args)`, evaluated in the page). */
type PageApi<Api> = { [Name in keyof Api]: (...args: never[]) => unknown };
export type PageCall<Api extends PageApi<Api>> = <Name extends keyof Api>(name: Name, ...args: Parameters<Api[Name]>) => Promise<Awaited<ReturnType<Api[Name]>>>;

export function pageCaller<Api extends PageApi<Api>>(page: Page, global: 'paperSearchBench' | 'paperSearchMillion'): PageCall<Api> {
  return ((name: string, ...args: unknown[]) =>
    page.evaluate(
      ([api, fn, fnArgs]) => ((window as unknown as Record<string, Record<string, (...a: unknown[]) => Promise<unknown>>>)[api])[fn](...fnArgs),
      [global, name, args] as [string, string, unknown[]],
    )) as PageCall<Api>;
}
