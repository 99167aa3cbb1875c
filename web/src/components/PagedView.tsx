/**
 * @module A paged list's states, the same everywhere: loading, a failure with a retry, empty, or
 * the items, followed by more as the reader nears the end (or presses "Load more").
 */
import { createEffect, type JSX, on, onCleanup, onMount, Show } from 'solid-js';
import type { PagedListControl } from '../lib/paging.ts';
import { ErrorNotice, Loading } from './States.tsx';

/** How far below the screen the list's end may be for the next page to load. */
const NEAR_END_PX = 400;

export function PagedView<T>(props: {
  paged: PagedListControl<T>;
  /** "products", "orders": for the loading and load-more labels. */
  noun: string;
  empty: JSX.Element;
  children: JSX.Element;
  /**
   * Whether the items on screen are all the list's (default: always). A screen that shows its first
   * items ahead of the rest (the catalog's first screen) says when the rest are in: measured before,
   * the list's end would look near and fetch a page nobody scrolled to.
   */
  settled?: boolean;
}) {
  const list = () => props.paged.list;
  let sentinel: HTMLDivElement | undefined;
  onMount(() => {
    const end = sentinel;
    if (!end || !('IntersectionObserver' in window)) return;
    /**
     * When the list last became ready (and settled): entries measured before that describe an older
     * layout, such as the loading state's, whose end is always near. None counts before the first.
     */
    let readyAt = Number.POSITIVE_INFINITY;
    // An entry tells where the end was when it was measured: the first page may have rendered since
    // (the end pushed far down), so only an entry measured once the list was ready counts.
    const observer = new IntersectionObserver(
      (entries) => {
        const latest = entries.at(-1);
        if (latest?.isIntersecting && latest.time >= readyAt && list().status === 'ready')
          props.paged.loadMore();
      },
      { rootMargin: `${NEAR_END_PX}px` },
    );
    observer.observe(end);
    onCleanup(() => observer.disconnect());
    // Observing again measures the new layout at the next frame (no forced layout here), and
    // notifies even when nothing changed: a page that leaves the end in reach (a tall screen) loads
    // the next one.
    createEffect(
      on(
        () => list().status === 'ready' && props.settled !== false,
        (ready) => {
          if (!ready) return;
          readyAt = performance.now();
          observer.unobserve(end);
          observer.observe(end);
        },
        { defer: true },
      ),
    );
  });

  return (
    <>
      <Show when={list().status !== 'loading'} fallback={<Loading label={`Loading ${props.noun}…`} />}>
        <Show
          when={!(list().status === 'error' && list().items.length === 0)}
          fallback={<ErrorNotice error={list().error} onRetry={props.paged.reload} />}
        >
          <Show when={list().items.length > 0} fallback={props.empty}>
            {props.children}
          </Show>
        </Show>
      </Show>
      <div ref={sentinel} class="list-end">
        <Show when={list().status === 'loading-more'}>
          <Loading label={`Loading more ${props.noun}…`} />
        </Show>
        <Show when={list().status === 'error' && list().items.length > 0}>
          <ErrorNotice error={list().error} onRetry={props.paged.loadMore} />
        </Show>
        <Show when={list().status === 'ready' && list().nextCursor}>
          <button type="button" class="button button-secondary" onClick={props.paged.loadMore}>
            Load more {props.noun}
          </button>
        </Show>
      </div>
    </>
  );
}
