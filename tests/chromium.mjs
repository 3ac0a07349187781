// How the end-to-end tests and the benchmark launch Chromium: one definition for both.

/** Debian's Chromium; Playwright's own browser download is not available on these machines. */
export const CHROMIUM = process.env.CANENRICH_CHROMIUM ?? '/usr/bin/chromium';

/** Root needs --no-sandbox; the rest keeps Chromium from calling home on a closed network. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
