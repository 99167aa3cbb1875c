/**
 * @module Keeping a value fresh while it is on screen: re-fetch on an interval while the tab is
 * visible, and at once when the shopper comes back to the tab.
 */
import { onCleanup } from 'solid-js';

export function refreshWhileVisible(refresh: () => void, everyMs: number): void {
  const tick = () => {
    if (document.visibilityState === 'visible') refresh();
  };
  const timer = setInterval(tick, everyMs);
  document.addEventListener('visibilitychange', tick);
  onCleanup(() => {
    clearInterval(timer);
    document.removeEventListener('visibilitychange', tick);
  });
}
