/** @module Setup of the `web` vitest project: jest-dom matchers, msw, EventSource, a clean page per test. */
import '@testing-library/jest-dom/vitest';
import { cleanup, configure } from '@solidjs/testing-library';
import { EventSource } from 'eventsource';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { resetStaff } from '../lib/admin-session.ts';
import { cart } from '../lib/cart.ts';
import { server } from './server.ts';

// jsdom has no EventSource; this one speaks SSE over fetch, which msw intercepts.
globalThis.EventSource ??= EventSource as unknown as typeof globalThis.EventSource;

// jsdom does not scroll; the router scrolls to the top after each navigation.
window.scrollTo = () => undefined;

// Lazy route chunks compile on first use; on a busy machine that can take more than a second.
configure({ asyncUtilTimeout: 4_000 });

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  cleanup();
  server.resetHandlers();
  localStorage.clear();
  sessionStorage.clear();
  cart.reload();
  resetStaff();
});
afterAll(() => server.close());
