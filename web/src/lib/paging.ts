/**
 * @module Cursor-paged lists (`{items, nextCursor}`): the first page reloads whenever the query
 * changes, `loadMore` appends the next; answers to an outdated query are dropped, and failures
 * become state for the screen to show (never an unhandled rejection).
 */
import { createEffect, on } from 'solid-js';
import { createStore, produce } from 'solid-js/store';
import type { Page } from './api.ts';

export type PageStatus = 'loading' | 'ready' | 'loading-more' | 'error';

export interface PagedList<T> {
  items: T[];
  nextCursor: string | null;
  status: PageStatus;
  error: unknown;
}

export function createPagedList<Q, T>(
  queryOf: () => Q,
  fetchPage: (query: Q, cursor: string | undefined) => Promise<Page<T>>,
) {
  const [list, setList] = createStore<PagedList<T>>({
    items: [],
    nextCursor: null,
    status: 'loading',
    error: undefined,
  });
  let generation = 0;

  async function load(query: Q, cursor?: string) {
    const mine = ++generation;
    setList({ status: cursor ? 'loading-more' : 'loading', error: undefined });
    try {
      const page = await fetchPage(query, cursor);
      if (mine !== generation) return;
      setList({
        items: cursor ? [...list.items, ...page.items] : page.items,
        nextCursor: page.nextCursor,
        status: 'ready',
      });
    } catch (error) {
      if (mine !== generation) return;
      setList(cursor ? { status: 'error', error } : { items: [], nextCursor: null, status: 'error', error });
    }
  }

  createEffect(on(queryOf, (query) => void load(query)));

  const paged: PagedListControl<T> = {
    list,
    /** Appends the next page, if there is one and nothing is loading. */
    loadMore() {
      if (list.nextCursor && (list.status === 'ready' || list.status === 'error'))
        void load(queryOf(), list.nextCursor);
    },
    /** Loads the first page again (after a failure, or a change made here). */
    reload() {
      void load(queryOf());
    },
    /** Updates one loaded item in place (after an edit), matched by `same`. */
    replace(item: T, same: (a: T, b: T) => boolean) {
      // In place: the row keeps its identity (and its open forms), only its fields change.
      setList(
        produce((draft) => {
          const existing = draft.items.find((candidate) => same(candidate as T, item));
          if (existing) Object.assign(existing as object, item);
        }),
      );
    },
  };
  return paged;
}

export interface PagedListControl<T> {
  list: PagedList<T>;
  loadMore(): void;
  reload(): void;
  replace(item: T, same: (a: T, b: T) => boolean): void;
}
