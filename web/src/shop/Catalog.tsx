/**
 * @module The shop's front page: the product grid with search (name or SKU prefix) and category
 * filter kept in the URL, availability badges, and more products as the shopper scrolls.
 */
import { useSearchParams } from '@solidjs/router';
import { createEffect, createResource, createSignal, For, on, onCleanup, Show } from 'solid-js';
import { createStore } from 'solid-js/store';
import { PagedView } from '../components/PagedView.tsx';
import { EmptyState } from '../components/States.tsx';
import { afterNextPaint } from '../lib/after-paint.ts';
import { getAvailability, listCategories, listProducts } from '../lib/api.ts';
import { CATALOG_FIRST_PAGE } from '../lib/first-page.ts';
import { usePageTitle } from '../lib/page-title.ts';
import { createPagedList } from '../lib/paging.ts';
import { ProductCard } from './ProductCard.tsx';

const SEARCH_DELAY_MS = 250;
/** Cards on screen before any scrolling (two rows of two on a phone, one row of four wide). */
const FIRST_SCREEN_CARDS = 4;

export default function Catalog() {
  const [params, setParams] = useSearchParams<{ q?: string; category?: string }>();
  usePageTitle(() => params.category || (params.q ? `Search: ${params.q}` : undefined));
  const [search, setSearch] = createSignal(params.q ?? '');
  let searchTimer: ReturnType<typeof setTimeout> | undefined;
  onCleanup(() => clearTimeout(searchTimer));

  const onSearch = (value: string) => {
    setSearch(value);
    clearTimeout(searchTimer);
    searchTimer = setTimeout(
      () => setParams({ q: value.trim() || undefined }, { replace: true }),
      SEARCH_DELAY_MS,
    );
  };
  // Back/forward changes the URL: the box follows.
  createEffect(
    on(
      () => params.q,
      (q) => setSearch(q ?? ''),
      { defer: true },
    ),
  );

  // Categories only refine the page: when they fail, the filter offers "All" alone.
  const [categories] = createResource(() => listCategories().catch(() => [] as string[]));

  const products = createPagedList(
    () => ({ q: params.q ?? '', category: params.category ?? '' }),
    // A small first page (the rest come a full page at a time as the shopper scrolls).
    (query, cursor) => listProducts({ ...query, cursor, limit: cursor ? undefined : CATALOG_FIRST_PAGE }),
  );

  const filtered = () => Boolean(params.q || params.category);

  // The first screen's cards render and paint alone; the rest, and every card's availability, follow
  // in a task of their own just after: two short tasks instead of one long one, and nothing (not
  // even the badges' request, a round trip of its own on a phone) goes before the first pictures.
  const [firstScreenPainted, setFirstScreenPainted] = createSignal(false);
  const shownProducts = () =>
    firstScreenPainted() ? products.list.items : products.list.items.slice(0, FIRST_SCREEN_CARDS);
  createEffect(
    on(
      () => !firstScreenPainted() && products.list.items.length > 0,
      (waiting) => {
        if (waiting) onCleanup(afterNextPaint(() => setFirstScreenPainted(true)));
      },
    ),
  );

  const [available, setAvailable] = createStore<Record<string, number>>({});
  createEffect(
    on(
      () =>
        shownProducts()
          .map((product) => product.id)
          .filter((id) => !(id in available)),
      (ids) => {
        if (!ids.length || !firstScreenPainted()) return;
        // Badges are a bonus: without inventory the grid still shows and sells.
        getAvailability(ids).then(setAvailable, () => undefined);
      },
    ),
  );

  return (
    <section aria-labelledby="catalog-title">
      <div class="page-head">
        <h1 id="catalog-title">{params.category ? params.category : 'All products'}</h1>
        <form class="filters" aria-label="Find products" onSubmit={(event) => event.preventDefault()}>
          <label class="visually-hidden" for="catalog-search">
            Search products
          </label>
          <input
            id="catalog-search"
            class="input"
            type="search"
            placeholder="Search by name or SKU"
            value={search()}
            onInput={(event) => onSearch(event.currentTarget.value)}
          />
          <label class="visually-hidden" for="catalog-category">
            Category
          </label>
          <select
            id="catalog-category"
            class="input"
            value={params.category ?? ''}
            onChange={(event) => setParams({ category: event.currentTarget.value || undefined })}
          >
            <option value="">All categories</option>
            <For each={categories() ?? []}>{(category) => <option value={category}>{category}</option>}</For>
          </select>
        </form>
      </div>

      <PagedView
        paged={products}
        settled={firstScreenPainted()}
        noun="products"
        empty={
          <EmptyState title={filtered() ? 'No products match your search' : 'No products yet'}>
            <Show when={filtered()}>
              <button
                type="button"
                class="button button-secondary"
                onClick={() => {
                  setSearch('');
                  setParams({ q: undefined, category: undefined });
                }}
              >
                Clear filters
              </button>
            </Show>
          </EmptyState>
        }
      >
        <ul class="product-grid" aria-label="Products">
          <For each={shownProducts()}>
            {(product, index) => (
              <ProductCard
                product={product}
                available={available[product.id]}
                priority={index() < FIRST_SCREEN_CARDS}
              />
            )}
          </For>
        </ul>
      </PagedView>
    </section>
  );
}
