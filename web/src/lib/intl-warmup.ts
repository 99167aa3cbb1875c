/**
 * @module Loads ICU data off the main thread (lib/intl-warmup.worker.ts): the number data as the app
 * starts, so it loads while the main thread evaluates the app and its first answers arrive; the
 * region names when the checkout opens, whose country list waits for them. Where there is no Worker
 * (the unit tests' jsdom) or it cannot start, it resolves at once: the main thread pays itself.
 */

/** What the worker can load: number formats, or region names (and collation, to sort them). */
export type IntlData = 'number' | 'region';

/** Resolves once `data` is loaded (or could not be loaded elsewhere): never rejects. */
export function warmIntl(data: IntlData): Promise<void> {
  if (typeof Worker === 'undefined') return Promise.resolve();
  return new Promise((resolve) => {
    try {
      const worker = new Worker(new URL('./intl-warmup.worker.ts', import.meta.url), {
        type: 'module',
        name: `intl-${data}`,
      });
      worker.onmessage = () => resolve();
      worker.onerror = () => resolve();
      worker.postMessage(data);
    } catch {
      // A browser that refuses module workers: the data loads where it is first used.
      resolve();
    }
  });
}
