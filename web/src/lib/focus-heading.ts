/**
 * @module After a navigation, focus goes to the new screen's main heading, so a keyboard or
 * screen-reader user starts at (and hears) what changed. Screens load lazily and fetch first, so
 * focus lands on the container at once and moves to its h1 when that appears, and again if that h1
 * is replaced (the old screen's heading leaving), unless the person has moved focus elsewhere.
 */

/** How long after a navigation a heading that appears still takes focus. */
const HEADING_WAIT_MS = 10_000;

export function focusMainHeading(container: HTMLElement): () => void {
  // Reached by keyboard (the link or button that navigated shows its focus): the heading shows its
  // focus too. Browsers decide that from the element focused just before, which may be none by the
  // time the heading appears (the old screen's heading removed first), so it is kept here.
  const byKeyboard = document.activeElement?.matches(':focus-visible') ?? false;
  container.focus({ preventScroll: true });
  const moveToHeading = () => {
    const heading = container.querySelector('h1');
    const active = document.activeElement;
    const unclaimed = active === container || active === document.body || !active?.isConnected;
    if (!heading || heading === active || !unclaimed) return;
    // Focusable by script only: a heading is no stop in the Tab order.
    if (!heading.hasAttribute('tabindex')) heading.setAttribute('tabindex', '-1');
    if (byKeyboard) {
      heading.setAttribute('data-focus-visible', '');
      heading.addEventListener('blur', () => heading.removeAttribute('data-focus-visible'), { once: true });
    }
    heading.focus({ preventScroll: true });
  };
  const observer = new MutationObserver(moveToHeading);
  observer.observe(container, { childList: true, subtree: true });
  const timer = setTimeout(stop, HEADING_WAIT_MS);
  moveToHeading();
  function stop() {
    observer.disconnect();
    clearTimeout(timer);
  }
  return stop;
}
