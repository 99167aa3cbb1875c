/**
 * @module Work that should wait until the screen has painted once: what is on screen first (the
 * page's largest paint) goes alone, and what can follow (more cards, badges, code that the first
 * screen does not need) starts in a task of its own just after.
 */

/**
 * Runs `then` in a task just after the next frame paints (a requestAnimationFrame callback runs just
 * before that paint; a timeout it sets, after it). Returns what cancels it, for `onCleanup`.
 */
export function afterNextPaint(then: () => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const frame = requestAnimationFrame(() => {
    timer = setTimeout(then);
  });
  return () => {
    cancelAnimationFrame(frame);
    clearTimeout(timer);
  };
}
