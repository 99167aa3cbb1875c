/** @module The catalog as managers see it: search, open, archive; a way to add a product. */

import { A } from '@solidjs/router';
import { createSignal, For, onCleanup, Show } from 'solid-js';
import { PagedView } from '../components/PagedView.tsx';
import { ProductImage } from '../components/ProductImage.tsx';
import { EmptyState, ErrorNotice } from '../components/States.tsx';
import { can } from '../lib/admin-session.ts';
import { archiveProduct, listProducts, type Product } from '../lib/api.ts';
import { formatMoney } from '../lib/money.ts';
import { usePageTitle } from '../lib/page-title.ts';
import { createPagedList } from '../lib/paging.ts';

export default function ProductsAdmin() {
  usePageTitle(() => 'Products');
  const [search, setSearch] = createSignal('');
  const [query, setQuery] = createSignal('');
  let timer: ReturnType<typeof setTimeout> | undefined;
  onCleanup(() => clearTimeout(timer));
  const products = createPagedList(query, (q, cursor) => listProducts({ q, cursor, limit: 50 }));

  return (
    <section aria-labelledby="products-title">
      <div class="page-head">
        <h1 id="products-title">Products</h1>
        <Show when={can('manager')}>
          <A href="/admin/products/new" class="button button-primary">
            New product
          </A>
        </Show>
      </div>
      <div class="filters">
        <label class="visually-hidden" for="admin-product-search">
          Search products
        </label>
        <input
          id="admin-product-search"
          class="input"
          type="search"
          placeholder="Search by name or SKU"
          value={search()}
          onInput={(event) => {
            const value = event.currentTarget.value;
            setSearch(value);
            clearTimeout(timer);
            timer = setTimeout(() => setQuery(value.trim()), 250);
          }}
        />
      </div>
      <PagedView
        paged={products}
        noun="products"
        empty={
          <EmptyState title={query() ? 'No products match' : 'No products yet'}>
            <Show when={can('manager')}>
              <A href="/admin/products/new" class="button button-primary">
                Add the first product
              </A>
            </Show>
          </EmptyState>
        }
      >
        <div class="table-wrap">
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Product</th>
                <th scope="col">SKU</th>
                <th scope="col">Category</th>
                <th scope="col" class="num">
                  Price
                </th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              <For each={products.list.items}>
                {(product) => <ProductRow product={product} onArchived={products.reload} />}
              </For>
            </tbody>
          </table>
        </div>
      </PagedView>
    </section>
  );
}

function ProductRow(props: { product: Product; onArchived: () => void }) {
  const [confirming, setConfirming] = createSignal(false);
  const [busy, setBusy] = createSignal(false);
  const [failure, setFailure] = createSignal<unknown>();

  async function archive() {
    setBusy(true);
    setFailure(undefined);
    try {
      await archiveProduct(props.product.id);
      props.onArchived();
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(false);
    }
  }

  return (
    <tr>
      <td>
        <div class="cell-product">
          <ProductImage name={props.product.name} imageUrl={props.product.imageUrl} size="thumb" />
          <A href={`/admin/products/${encodeURIComponent(props.product.id)}`}>{props.product.name}</A>
        </div>
      </td>
      <td class="mono">{props.product.sku}</td>
      <td>{props.product.category ?? '—'}</td>
      <td class="num">{formatMoney(props.product.priceCents, props.product.currency)}</td>
      <td class="actions-cell">
        <Show when={can('manager')}>
          <Show
            when={confirming()}
            fallback={
              <button
                type="button"
                class="button button-link danger"
                onClick={() => setConfirming(true)}
                aria-label={`Archive ${props.product.name}`}
              >
                Archive
              </button>
            }
          >
            <span class="confirm">
              <span>Archive?</span>
              <button
                type="button"
                class="button button-danger button-small"
                disabled={busy()}
                onClick={archive}
              >
                Yes, archive
              </button>
              <button
                type="button"
                class="button button-secondary button-small"
                onClick={() => setConfirming(false)}
              >
                No
              </button>
            </span>
          </Show>
        </Show>
        <Show when={failure()}>{(error) => <ErrorNotice error={error()} />}</Show>
      </td>
    </tr>
  );
}
