/**
 * @module Loads the ICU data it is asked for (`number`, `region`) in a worker, answers `done`, then
 * ends. ICU keeps what it loaded for the whole renderer process, so the main thread no longer pays
 * for it: measured in Chromium at 4x CPU slowdown, the first currency format (lib/money.ts: every
 * shop page's prices, before its largest paint) took 70-140 ms on the main thread, 0.1-3 ms once a
 * worker had formatted any number; the first region name (the checkout's country list) 30-70 ms,
 * then 2 ms.
 */
import type { IntlData } from './intl-warmup.ts';

const LOADERS: Record<IntlData, () => void> = {
  number: () => new Intl.NumberFormat().format(1),
  region: () => {
    new Intl.DisplayNames(['en'], { type: 'region' }).of('DE');
    new Intl.Collator().compare('a', 'b');
  },
};

self.onmessage = (event: MessageEvent<IntlData>) => {
  try {
    LOADERS[event.data]?.();
  } finally {
    self.postMessage('done');
    self.close();
  }
};
