/**
 * @module Checkout: name and email checked as they are typed, the order placed with an
 * Idempotency-Key that stays the same for the same order, so a double click or a retry after a
 * lost answer places it once.
 */
import { A, useNavigate } from '@solidjs/router';
import { createSignal, For, Show } from 'solid-js';
import { createStore } from 'solid-js/store';
import { Field } from '../components/Field.tsx';
import { EmptyState, ErrorNotice } from '../components/States.tsx';
import { ApiError, type PlaceOrderInput, placeOrder } from '../lib/api.ts';
import { cart } from '../lib/cart.ts';
import { formatMoney } from '../lib/money.ts';
import { orderLinkFragment } from '../lib/order-link.ts';
import { usePageTitle } from '../lib/page-title.ts';

type CustomerField = 'name' | 'email';

// What the server checks too; here only to answer at once.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function validateCustomer(customer: {
  name: string;
  email: string;
}): Partial<Record<CustomerField, string>> {
  const errors: Partial<Record<CustomerField, string>> = {};
  if (!customer.name.trim()) errors.name = 'Enter your name.';
  else if (customer.name.trim().length > 200) errors.name = 'Use at most 200 characters.';
  if (!customer.email.trim()) errors.email = 'Enter your email address.';
  else if (!EMAIL.test(customer.email.trim())) errors.email = 'Enter an email address like name@example.com.';
  return errors;
}

/** A random key for one order attempt (crypto.randomUUID needs a secure context; this does not). */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

export default function CheckoutPage() {
  const navigate = useNavigate();
  usePageTitle(() => 'Checkout');
  const [customer, setCustomer] = createStore({ name: '', email: '' });
  const [touched, setTouched] = createStore<Record<CustomerField, boolean>>({ name: false, email: false });
  const [serverErrors, setServerErrors] = createStore<Partial<Record<CustomerField, string>>>({});
  const [failure, setFailure] = createSignal<unknown>();
  const [placing, setPlacing] = createSignal(false);
  // One key per distinct order body: the same body re-sent (retry) reuses it.
  let attempt: { body: string; key: string } | undefined;

  const errors = () => validateCustomer(customer);
  const errorOf = (field: CustomerField) =>
    serverErrors[field] ?? (touched[field] ? errors()[field] : undefined);
  const total = () => cart.totals()[0];
  const mixedCurrencies = () => cart.totals().length > 1;

  const edit = (field: CustomerField, value: string) => {
    setCustomer(field, value);
    setServerErrors(field, undefined);
  };

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    if (placing()) return;
    setTouched({ name: true, email: true });
    if (Object.keys(errors()).length) {
      const first = (event.currentTarget as HTMLFormElement).querySelector<HTMLElement>(
        '[aria-invalid="true"]',
      );
      first?.focus();
      return;
    }
    const order: PlaceOrderInput = {
      items: cart.lines().map((line) => ({ productId: line.productId, quantity: line.quantity })),
      customer: { name: customer.name.trim(), email: customer.email.trim() },
    };
    const body = JSON.stringify(order);
    if (attempt?.body !== body) attempt = { body, key: newIdempotencyKey() };
    setPlacing(true);
    setFailure(undefined);
    try {
      const placed = await placeOrder(order, attempt.key);
      cart.clear();
      // The token rides in the fragment, which no request carries: the link to keep. The answer
      // has already set the order's cookie.
      navigate(`/orders/${encodeURIComponent(placed.id)}#${orderLinkFragment(placed.token)}`, {
        state: { placed: true },
      });
    } catch (error) {
      if (error instanceof ApiError && error.status === 400) {
        const fields = error.fieldErrors;
        setServerErrors({ name: fields['customer.name'], email: fields['customer.email'] });
      }
      setFailure(error);
    } finally {
      setPlacing(false);
    }
  }

  return (
    <section aria-labelledby="checkout-title">
      <h1 id="checkout-title">Checkout</h1>
      <Show
        when={cart.lines().length > 0}
        fallback={
          <EmptyState title="There is nothing to check out">
            <A href="/" class="button button-primary">
              Browse products
            </A>
          </EmptyState>
        }
      >
        <div class="checkout-layout">
          <form class="card form" onSubmit={submit} noValidate aria-describedby="checkout-note">
            <h2>Your details</h2>
            <p id="checkout-note" class="muted">
              We send the order confirmation to this address.
            </p>
            <Field label="Full name" error={errorOf('name')}>
              {(control) => (
                <input
                  {...control}
                  class="input"
                  name="name"
                  autocomplete="name"
                  value={customer.name}
                  onInput={(event) => edit('name', event.currentTarget.value)}
                  onBlur={() => setTouched('name', true)}
                />
              )}
            </Field>
            <Field label="Email" error={errorOf('email')}>
              {(control) => (
                <input
                  {...control}
                  class="input"
                  name="email"
                  type="email"
                  autocomplete="email"
                  inputmode="email"
                  value={customer.email}
                  onInput={(event) => edit('email', event.currentTarget.value)}
                  onBlur={() => setTouched('email', true)}
                />
              )}
            </Field>
            <Show when={failure()}>
              {(error) => <ErrorNotice error={error()} titles={{ 422: 'Your order could not be placed' }} />}
            </Show>
            <button
              type="submit"
              class="button button-primary button-large button-block"
              disabled={placing() || mixedCurrencies()}
              aria-busy={placing()}
            >
              {placing() ? 'Placing your order…' : 'Place order'}
            </button>
          </form>
          <aside class="card summary" aria-labelledby="order-summary-title">
            <h2 id="order-summary-title">Order summary</h2>
            <ul class="summary-lines">
              <For each={cart.lines()}>
                {(line) => (
                  <li>
                    <span>
                      {line.quantity} × {line.name}
                    </span>
                    <span>{formatMoney(line.priceCents * line.quantity, line.currency)}</span>
                  </li>
                )}
              </For>
            </ul>
            <Show when={!mixedCurrencies() && total()}>
              {(sum) => (
                <p class="summary-total">
                  <span>Total</span>
                  <strong>{formatMoney(sum().cents, sum().currency)}</strong>
                </p>
              )}
            </Show>
            <Show when={mixedCurrencies()}>
              <p class="notice notice-warning">
                An order is paid in one currency. <A href="/cart">Edit your cart</A>.
              </p>
            </Show>
          </aside>
        </div>
      </Show>
    </section>
  );
}
