import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium with fonts-noto-cjk (scripts/ensure-chromium.sh installs it); playwright-core downloads no browser of its own. */
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** How long a page's step (a click, a wait for a text) may take. */
export const UI_TIMEOUT_MS = 20_000;
const LAUNCH_TIMEOUT_MS = 60_000;

/** Chromium with a fresh profile of its own (cookies and storage per test file); `close` also removes the profile. */
export async function launchWithProfile(): Promise<{ browser: BrowserContext; close(): Promise<void> }> {
  const profileDir = await mkdtemp(join(tmpdir(), 'orggraph-chromium-'));
  const browser = await chromium.launchPersistentContext(profileDir, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: LAUNCH_TIMEOUT_MS });
  return {
    browser,
    async close() {
      await browser.close();
      await rm(profileDir, { recursive: true, force: true });
    },
  };
}

/** Chromium without a profile (each `newPage` in a context of its own). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: LAUNCH_TIMEOUT_MS });
}

/**
 * A new tab of `viewport` that records uncaught exceptions and console errors in `pageErrors` (a test expects none),
 * with `languages` as navigator reports them when given.
 */
export async function openPage(browser: BrowserContext, viewport: { width: number; height: number }, languages?: string[]): Promise<{ page: Page; pageErrors: string[] }> {
  const page = await browser.newPage();
  await page.setViewportSize(viewport);
  if (languages) {
    await page.addInitScript(`Object.defineProperty(navigator, 'language', { get: () => ${JSON.stringify(languages[0])} });
      Object.defineProperty(navigator, 'languages', { get: () => ${JSON.stringify(languages)} });`);
  }
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  page.setDefaultTimeout(UI_TIMEOUT_MS);
  return { page, pageErrors };
}
