/** @module The cart: edit quantities, remove lines, see totals and what is short before checking out. */
import { A } from '@solidjs/router';
import { createResource, For, Show } from 'solid-js';
import { ProductImage } from '../components/ProductImage.tsx';
import { EmptyState } from '../components/States.tsx';
import { getAvailability } from '../lib/api.ts';
import { type CartLine, cart, MAX_QUANTITY } from '../lib/cart.ts';
import { formatMoney } from '../lib/money.ts';
import { usePageTitle } from '../lib/page-title.ts';

export default function CartPage() {
  const [available] = createResource(
    () =>
      cart
        .lines()
        .map((line) => line.productId)
        .join(','),
    (ids): Promise<Record<string, number>> =>
      ids ? getAvailability(ids.split(',')).catch(() => ({})) : Promise.resolve({}),
  );
  const mixedCurrencies = () => cart.totals().length > 1;

  usePageTitle(() => 'Your cart');
  return (
    <section aria-labelledby="cart-title">
      <h1 id="cart-title">Your cart</h1>
      <Show
        when={cart.lines().length > 0}
        fallback={
          <EmptyState title="Your cart is empty">
            <A href="/" class="button button-primary">
              Browse products
            </A>
          </EmptyState>
        }
      >
        <div class="cart-layout">
          <ul class="cart-lines" aria-label="Items in your cart">
            <For each={cart.lines()}>
              {(line) => <CartLineRow line={line} available={available.latest?.[line.productId]} />}
            </For>
          </ul>
          <aside class="card summary" aria-labelledby="summary-title">
            <h2 id="summary-title">Summary</h2>
            <dl class="totals">
              <For each={cart.totals()}>
                {(total) => (
                  <>
                    <dt>Total{mixedCurrencies() ? ` (${total.currency})` : ''}</dt>
                    <dd>{formatMoney(total.cents, total.currency)}</dd>
                  </>
                )}
              </For>
            </dl>
            <Show when={mixedCurrencies()}>
              <p class="notice notice-warning" role="status">
                An order is paid in one currency. Remove the items in other currencies to check out.
              </p>
            </Show>
            <Show
              when={!mixedCurrencies()}
              fallback={
                <button type="button" class="button button-primary button-block" disabled>
                  Checkout
                </button>
              }
            >
              <A href="/checkout" class="button button-primary button-block">
                Checkout
              </A>
            </Show>
            <A href="/" class="button button-link button-block">
              Continue shopping
            </A>
          </aside>
        </div>
      </Show>
    </section>
  );
}

function CartLineRow(props: { line: CartLine; available: number | undefined }) {
  const short = () => props.available !== undefined && props.line.quantity > props.available;
  const inputId = () => `qty-${props.line.productId}`;
  return (
    <li class="card cart-line" classList={{ 'cart-line-short': short() }}>
      <ProductImage name={props.line.name} imageUrl={props.line.imageUrl} size="thumb" />
      <div class="cart-line-main">
        <A href={`/products/${encodeURIComponent(props.line.productId)}`} class="cart-line-name">
          {props.line.name}
        </A>
        <span class="muted">{formatMoney(props.line.priceCents, props.line.currency)} each</span>
        <Show when={short()}>
          <span class="field-error">
            {props.available === 0 ? 'Out of stock right now' : `Only ${props.available} available right now`}
          </span>
        </Show>
      </div>
      <div class="quantity-stepper">
        <button
          type="button"
          class="button button-icon"
          aria-label={`One less ${props.line.name}`}
          onClick={() => cart.setQuantity(props.line.productId, props.line.quantity - 1)}
        >
          −
        </button>
        <label class="visually-hidden" for={inputId()}>
          Quantity of {props.line.name}
        </label>
        <input
          id={inputId()}
          class="input input-quantity"
          type="number"
          inputmode="numeric"
          min="1"
          max={MAX_QUANTITY}
          value={props.line.quantity}
          onChange={(event) => {
            const value = event.currentTarget.valueAsNumber;
            if (Number.isFinite(value) && value >= 1) cart.setQuantity(props.line.productId, value);
            else event.currentTarget.value = String(props.line.quantity);
          }}
        />
        <button
          type="button"
          class="button button-icon"
          aria-label={`One more ${props.line.name}`}
          disabled={props.line.quantity >= MAX_QUANTITY}
          onClick={() => cart.setQuantity(props.line.productId, props.line.quantity + 1)}
        >
          +
        </button>
      </div>
      <span class="cart-line-total">
        {formatMoney(props.line.priceCents * props.line.quantity, props.line.currency)}
      </span>
      <button
        type="button"
        class="button button-link danger"
        onClick={() => cart.remove(props.line.productId)}
        aria-label={`Remove ${props.line.name}`}
      >
        Remove
      </button>
    </li>
  );
}
