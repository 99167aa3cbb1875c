/**
 * @module A paged list's states, the same everywhere: loading, a failure with a retry, empty, or
 * the items, followed by more as the reader nears the end (or presses "Load more").
 */
import { type JSX, onCleanup, onMount, Show } from 'solid-js';
import type { PagedListControl } from '../lib/paging.ts';
import { ErrorNotice, Loading } from './States.tsx';

export function PagedView<T>(props: {
  paged: PagedListControl<T>;
  /** "products", "orders": for the loading and load-more labels. */
  noun: string;
  empty: JSX.Element;
  children: JSX.Element;
}) {
  const list = () => props.paged.list;
  let sentinel: HTMLDivElement | undefined;
  onMount(() => {
    if (!sentinel || !('IntersectionObserver' in window)) return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting) && list().status === 'ready')
          props.paged.loadMore();
      },
      { rootMargin: '400px' },
    );
    observer.observe(sentinel);
    onCleanup(() => observer.disconnect());
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
