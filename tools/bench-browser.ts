/**
 * The headless Chromium every benchmark and measuring tool launches: Debian's build (CHROMIUM_PATH for another),
 * with the flags that keep it from doing background network work that would disturb the timings.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
