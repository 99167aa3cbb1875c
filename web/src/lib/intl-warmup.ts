/**
 * @module Loads ICU's region names off the main thread (lib/intl-warmup.worker.ts), for the
 * checkout's country list, which waits for them. Where there is no Worker (the unit tests' jsdom) or
 * it cannot start, it resolves at once: the main thread loads them itself.
 *
 * Not used for the number data every page's prices need before their first paint: tried on the
 * vitals bench, the worker's script arrived 90 ms after the app's (the browser fetches it at the
 * lowest priority), so the main thread loaded the data itself anyway, alongside the worker.
 */

/** Resolves once the region names are loaded (or could not be loaded elsewhere): never rejects. */
export function loadRegionNames(): Promise<void> {
  if (typeof Worker === 'undefined') return Promise.resolve();
  return new Promise((resolve) => {
    try {
      const worker = new Worker(new URL('./intl-warmup.worker.ts', import.meta.url), {
        type: 'module',
        name: 'intl-regions',
      });
      worker.onmessage = () => resolve();
      worker.onerror = () => resolve();
    } catch {
      // A browser that refuses module workers: the names load where they are first used.
      resolve();
    }
  });
}
