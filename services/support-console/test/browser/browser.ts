/**
 * Headless Chromium for the console's tests: Debian's `chromium` package (`/usr/bin/chromium`, or
 * CHROMIUM_PATH) driven by playwright-core, which downloads no browser of its own. A missing
 * Chromium fails the test with the command that installs it — never a silent skip (`.ci/run`
 * installs it).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** The flags the console's tests run Chromium with: headless, offline-quiet, sandbox-free (CI containers). */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export interface BrowserOptions {
  /** The browser's time zone (the console shows times in UTC and in this zone). */
  timezoneId?: string;
  viewport?: { width: number; height: number };
}

/** Launches Chromium with a fresh profile directory, removed on close. */
export async function launchBrowser(options: BrowserOptions = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM_PATH}: the support console's browser tests need it. ` +
        'Install Debian’s package (`apt-get install -y chromium`; .ci/run does) or set CHROMIUM_PATH.',
    );
  }
  const profile = await mkdtemp(path.join(tmpdir(), 'support-console-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: FLAGS,
    timezoneId: options.timezoneId ?? 'America/New_York',
    locale: 'en-US',
    viewport: options.viewport ?? { width: 1280, height: 800 },
  });
  context.setDefaultTimeout(15_000);
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
