/**
 * @module Starts lib/intl-warmup.worker.ts as the app starts, so ICU's number data loads on another
 * thread while the main thread evaluates the app and its first answers arrive. Where there
 * is no Worker (the unit tests' jsdom) or it cannot start, nothing happens: prices still format, the
 * main thread pays for the data itself.
 */
export function warmIntlOffMainThread(): void {
  if (typeof Worker === 'undefined') return;
  try {
    new Worker(new URL('./intl-warmup.worker.ts', import.meta.url), { type: 'module', name: 'intl-warmup' });
  } catch {
    // A browser that refuses module workers: the first price costs its usual time.
  }
}
