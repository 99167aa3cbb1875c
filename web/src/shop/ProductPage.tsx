/** @module A product: its picture and description, live availability, and add to cart with a quantity. */
import { A, useParams } from '@solidjs/router';
import { createResource, createSignal, Match, Show, Switch } from 'solid-js';
import { AvailabilityBadge } from '../components/Badges.tsx';
import { ProductImage } from '../components/ProductImage.tsx';
import { ErrorNotice, Loading } from '../components/States.tsx';
import { ApiError, getProduct, getProductAvailability, type Product } from '../lib/api.ts';
import { cart, MAX_QUANTITY } from '../lib/cart.ts';
import { formatMoney } from '../lib/money.ts';
import { usePageTitle } from '../lib/page-title.ts';
import { decodeSegment } from '../lib/path-segment.ts';
import { refreshWhileVisible } from '../lib/polling.ts';

/** How often availability is refreshed while the page is open. */
export const AVAILABILITY_REFRESH_MS = 5_000;

export default function ProductPage() {
  const params = useParams<{ id: string }>();
  // The router hands the segment over as it is in the URL (a card's link encodes the id): decoded
  // here, so api.ts encodes it once, as web's preload of this page's answers does.
  const id = () => decodeSegment(params.id);
  const [product, { refetch }] = createResource(id, getProduct);
  const [available, { refetch: refreshAvailability }] = createResource(
    id,
    // Availability is a detail: when inventory does not answer, the page says "unknown", not "error".
    (id) => getProductAvailability(id).catch(() => undefined),
  );
  refreshWhileVisible(() => void refreshAvailability(), AVAILABILITY_REFRESH_MS);
  usePageTitle(() => (product.error ? 'Product' : product.latest?.name));

  return (
    <Switch>
      <Match when={product.error}>
        {(error) => (
          <Show
            when={error() instanceof ApiError && (error() as ApiError).status === 404}
            fallback={<ErrorNotice error={error()} onRetry={refetch} />}
          >
            <div class="state state-empty">
              <h1 class="state-title">We could not find that product</h1>
              <A href="/" class="button button-secondary">
                Back to the shop
              </A>
            </div>
          </Show>
        )}
      </Match>
      <Match when={product.latest}>
        {(loaded) => <ProductDetails product={loaded()} available={available.latest} />}
      </Match>
      <Match when={product.loading}>
        <Loading label="Loading product…" />
      </Match>
    </Switch>
  );
}

function ProductDetails(props: { product: Product; available: number | undefined }) {
  const [quantity, setQuantity] = createSignal(1);
  const [added, setAdded] = createSignal<number>();
  const archived = () => props.product.status === 'archived';
  const inCart = () => cart.quantityOf(props.product.id);
  /** Most a shopper can still add: what is available beyond what the cart holds, within the cart cap. */
  const maxToAdd = () =>
    Math.max(
      0,
      Math.min(
        MAX_QUANTITY - inCart(),
        props.available === undefined ? MAX_QUANTITY : props.available - inCart(),
      ),
    );
  const canAdd = () => !archived() && maxToAdd() > 0 && quantity() >= 1 && quantity() <= maxToAdd();

  const add = (event: SubmitEvent) => {
    event.preventDefault();
    if (!canAdd()) return;
    cart.add(props.product, quantity());
    setAdded(quantity());
    setQuantity(1);
  };

  return (
    <article class="product-page" aria-labelledby="product-name">
      <nav class="breadcrumbs" aria-label="Breadcrumb">
        <A href="/">Shop</A>
        <Show when={props.product.category}>
          {(category) => (
            <>
              <span aria-hidden="true">/</span>
              <A href={`/?category=${encodeURIComponent(category())}`}>{category()}</A>
            </>
          )}
        </Show>
      </nav>
      <div class="product-layout">
        <ProductImage name={props.product.name} imageUrl={props.product.imageUrl} size="large" priority />
        <div class="product-info">
          <h1 id="product-name">{props.product.name}</h1>
          <p class="sku">SKU {props.product.sku}</p>
          <p class="price price-large">{formatMoney(props.product.priceCents, props.product.currency)}</p>
          <Show
            when={!archived()}
            fallback={
              <p class="notice notice-warning" role="status">
                This product is no longer sold.
              </p>
            }
          >
            <p class="availability" aria-live="polite">
              <AvailabilityBadge available={props.available} />
              <Show when={props.available === undefined}>
                <span class="muted">Availability unknown right now</span>
              </Show>
            </p>
            <form class="add-to-cart" onSubmit={add}>
              <div class="field field-inline">
                <label for="quantity">Quantity</label>
                <input
                  id="quantity"
                  class="input input-quantity"
                  type="number"
                  inputmode="numeric"
                  min="1"
                  max={Math.max(1, maxToAdd())}
                  value={quantity()}
                  onInput={(event) => setQuantity(Math.floor(event.currentTarget.valueAsNumber || 0))}
                />
              </div>
              <button type="submit" class="button button-primary button-large" disabled={!canAdd()}>
                {props.available === 0 ? 'Out of stock' : 'Add to cart'}
              </button>
            </form>
            <Show when={quantity() > maxToAdd() && maxToAdd() > 0}>
              <p class="field-error">You can add at most {maxToAdd()} more.</p>
            </Show>
            <Show when={inCart() > 0}>
              <p class="muted">
                {inCart()} in your cart · <A href="/cart">View cart</A>
              </p>
            </Show>
            <Show when={added()}>
              {(count) => (
                <p class="notice notice-success" role="status">
                  Added {count()} to your cart. <A href="/cart">Go to cart</A>
                </p>
              )}
            </Show>
          </Show>
          <Show when={props.product.description}>
            <div class="description">
              <h2>About this product</h2>
              <p>{props.product.description}</p>
            </div>
          </Show>
        </div>
      </div>
    </article>
  );
}
