/**
 * @module One stack (`startTestStack`, web included) and one Chromium for a test file: started
 * before its tests, stopped after them.
 */
import { afterAll, beforeAll } from 'vitest';
import { startTestStack, type TestStack } from '../system/stack.ts';
import { type Browser, launchBrowser } from './browser.ts';

export interface E2eSession {
  stack(): TestStack;
  browser(): Browser;
  /** The web server's base URL. */
  web(): string;
}

/** Registers the file's beforeAll/afterAll; the getters are valid inside its tests. */
export function useE2eSession(): E2eSession {
  let stack: TestStack | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    stack = await startTestStack();
    if (!stack.urls.web) throw new Error('web is not running: run `npm run build` first');
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });
  return { stack: () => stack!, browser: () => browser!, web: () => stack!.urls.web! };
}
