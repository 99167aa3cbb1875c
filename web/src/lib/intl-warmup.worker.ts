/**
 * @module Loads ICU's number data in a worker, then ends. ICU keeps what it loaded for the whole
 * renderer process, so the main thread no longer pays for it: measured in Chromium at 4x CPU
 * slowdown, the first currency format (lib/money.ts: every shop page's prices, before its largest
 * paint) took 70-140 ms on the main thread, 0.1-3 ms once a worker had formatted any number.
 * (Region names, for the checkout's country list, gain the same way, but warming them too made the
 * worker compete with checkout's own start on a loaded 2-core machine: left to the page.)
 */
new Intl.NumberFormat().format(1);
close();
