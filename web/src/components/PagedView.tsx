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
}) {
  const list = () => props.paged.list;
  let sentinel: HTMLDivElement | undefined;
  /** Whether the end of the list is on screen or within NEAR_END_PX below it, as laid out now. */
  const nearEnd = () => Boolean(sentinel && sentinel.getBoundingClientRect().top < innerHeight + NEAR_END_PX);
  onMount(() => {
    if (!sentinel || !('IntersectionObserver' in window)) return;
    // An observer's entry tells where the end was when it was queued: the first page may have
    // rendered since (the end pushed far down), so the layout is asked again before loading more.
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.at(-1)?.isIntersecting && list().status === 'ready' && nearEnd()) props.paged.loadMore();
      },
      { rootMargin: `${NEAR_END_PX}px` },
    );
    observer.observe(sentinel);
    onCleanup(() => observer.disconnect());
    // A page that leaves the end in reach (a tall screen) changes no intersection: nothing would fire.
    createEffect(
      on(
        () => list().status,
        (status) => {
          if (status === 'ready' && nearEnd()) props.paged.loadMore();
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
