/**
 * @module Checkout: name, email and the delivery address checked as they are typed (the address
 * with the contracts' own `Address` schema, so the shop and orders agree on what is valid), the
 * order placed with an Idempotency-Key that stays the same for the same order, so a double click or
 * a retry after a lost answer places it once. Payment follows on the order's page.
 */

import { A, useNavigate } from '@solidjs/router';
import type { PlaceOrder } from '@stockflow/contracts';
import { createSignal, For, type JSX, onCleanup, Show } from 'solid-js';
import { createStore } from 'solid-js/store';
import { type ControlAttributes, Field } from '../components/Field.tsx';
import { EmptyState, ErrorNotice } from '../components/States.tsx';
import { ApiError, submitOrder } from '../lib/api.ts';
import { cart } from '../lib/cart.ts';
import type { Country } from '../lib/countries.ts';
import { loadRegionNames } from '../lib/intl-warmup.ts';
import { formatMoney } from '../lib/money.ts';
import { orderLinkFragment } from '../lib/order-link.ts';
import { usePageTitle } from '../lib/page-title.ts';
import type { CheckoutForm, Errors } from './checkout-rules.ts';

type CheckoutField = keyof CheckoutForm;

// In the order the form shows them (postal code before city, as most of Europe writes addresses).
const FIELDS: CheckoutField[] = [
  'name',
  'email',
  'line1',
  'line2',
  'postalCode',
  'city',
  'region',
  'country',
];
const LABELS: Record<CheckoutField, string> = {
  name: 'Full name',
  email: 'Email',
  line1: 'Address line 1',
  line2: 'Address line 2 (optional)',
  city: 'City',
  postalCode: 'Postal code',
  region: 'Region or state (optional)',
  country: 'Country',
};

/**
 * The form's rules (checkout-rules.ts): the form paints without them, so they are fetched as the
 * shopper starts on it (import on interaction), off the path of its first paint on a phone's
 * network; placing the order waits for them, should the shopper be quicker than a round trip.
 */
const loadRules = () => import('./checkout-rules.ts');
type Rules = Awaited<ReturnType<typeof loadRules>>;

// What the server checks too; here only to answer at once.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function validateCustomer(customer: { name: string; email: string }): Errors {
  const errors: Errors = {};
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

/** The server's field path for a form field (`customer.address.postalCode`). */
const serverPath = (field: CheckoutField) =>
  field === 'name' || field === 'email' ? `customer.${field}` : `customer.address.${field}`;

export default function CheckoutPage() {
  const navigate = useNavigate();
  usePageTitle(() => 'Checkout');
  const blank = Object.fromEntries(FIELDS.map((field) => [field, ''])) as CheckoutForm;
  const [form, setForm] = createStore<CheckoutForm>({ ...blank });
  // The rules (loadRules) come as the shopper starts on the form. The country list names some 250
  // countries through ICU, whose region names take a long task to load on a phone: a worker loads
  // them (lib/intl-warmup.ts) meanwhile, and the list follows, with the browser's country chosen
  // unless the shopper chose one already.
  const [rules, setRules] = createSignal<Rules>();
  let rulesLoading: Promise<Rules> | undefined;
  const fetchRules = () => {
    rulesLoading ??= loadRules().then(
      (loaded) => {
        setRules(() => loaded);
        return loaded;
      },
      (error: unknown) => {
        // Asked again on the next try (a chunk a flaky network lost).
        rulesLoading = undefined;
        throw error;
      },
    );
    return rulesLoading;
  };
  const [countryList, setCountryList] = createSignal<Country[]>([]);
  let left = false;
  onCleanup(() => {
    left = true;
  });
  let prepared = false;
  /** The first focus in the form (a click, a tap, a Tab, autofill) fetches what filling it needs. */
  const prepare = () => {
    if (prepared) return;
    prepared = true;
    Promise.all([fetchRules(), loadRegionNames()]).then(
      ([loaded]) => {
        if (left) return;
        setCountryList(loaded.countries());
        if (!form.country) setForm('country', loaded.defaultCountry());
      },
      () => {
        // Without the rules the list stays empty until the next focus; placing the order asks too.
        prepared = false;
      },
    );
  };
  const [touched, setTouched] = createStore<Partial<Record<CheckoutField, boolean>>>({});
  const [serverErrors, setServerErrors] = createStore<Errors>({});
  const [submitted, setSubmitted] = createSignal(false);
  const [failure, setFailure] = createSignal<unknown>();
  const [placing, setPlacing] = createSignal(false);
  // One key per distinct order body: the same body re-sent (retry) reuses it.
  let attempt: { body: string; key: string } | undefined;

  const errors = (): Errors => {
    const checks = rules();
    // The address is not wrong until its rules are in: a field left before then shows its error as they come.
    return { ...validateCustomer(form), ...(checks ? checks.validateAddress(form) : {}) };
  };
  const errorOf = (field: CheckoutField) =>
    serverErrors[field] ?? (touched[field] ? errors()[field] : undefined);
  /** The fields wrong right now, in form order, for the summary above the button. */
  const wrongFields = () => FIELDS.filter((field) => errorOf(field));
  const total = () => cart.totals()[0];
  const mixedCurrencies = () => cart.totals().length > 1;

  const edit = (field: CheckoutField, value: string) => {
    setForm(field, value);
    setServerErrors(field, undefined);
    // The postal code's format depends on the country.
    if (field === 'country') setServerErrors('postalCode', undefined);
  };
  /**
   * A field left shows its error, except when the shopper is pressing Place order: an error
   * appearing then would move the button away from under the pointer and swallow the click
   * (submitting shows every error anyway).
   */
  const leave = (field: CheckoutField, event: FocusEvent) => {
    if ((event.relatedTarget as HTMLElement | null)?.getAttribute('type') !== 'submit')
      setTouched(field, true);
  };
  let formElement: HTMLFormElement | undefined;
  const focusField = (field: CheckoutField) =>
    formElement?.querySelector<HTMLElement>(`[name="${field}"]`)?.focus();

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    if (placing()) return;
    setTouched(Object.fromEntries(FIELDS.map((field) => [field, true])));
    setSubmitted(true);
    let checks: Rules;
    try {
      checks = rules() ?? (await fetchRules());
    } catch (error) {
      setFailure(error);
      return;
    }
    if (placing()) return;
    const wrong = FIELDS.find((field) => errors()[field]);
    if (wrong) {
      focusField(wrong);
      return;
    }
    const order = {
      items: cart.lines().map((line) => ({ productId: line.productId, quantity: line.quantity })),
      customer: {
        name: form.name.trim(),
        email: form.email.trim(),
        address: checks.parseAddress(form),
      },
    } satisfies PlaceOrder;
    const body = JSON.stringify(order);
    if (attempt?.body !== body) attempt = { body, key: newIdempotencyKey() };
    setPlacing(true);
    setFailure(undefined);
    try {
      const placed = await submitOrder(order, attempt.key);
      cart.clear();
      // The token rides in the fragment, which no request carries: the link to keep. The answer
      // has already set the order's cookie.
      navigate(`/orders/${encodeURIComponent(placed.id)}#${orderLinkFragment(placed.token)}`, {
        state: { placed: true },
      });
    } catch (error) {
      if (error instanceof ApiError && (error.status === 400 || error.status === 422)) {
        const fields = error.fieldErrors;
        setServerErrors(Object.fromEntries(FIELDS.map((field) => [field, fields[serverPath(field)]])));
      }
      setFailure(error);
    } finally {
      setPlacing(false);
    }
  }

  /** A text field of the form, with its error from the check or the server. */
  const TextField = (props: {
    field: CheckoutField;
    autocomplete: string;
    type?: string;
    inputmode?: JSX.HTMLAttributes<HTMLInputElement>['inputmode'];
  }) => (
    <Field label={LABELS[props.field]} error={errorOf(props.field)}>
      {(control: ControlAttributes) => (
        <input
          {...control}
          class="input"
          name={props.field}
          type={props.type ?? 'text'}
          autocomplete={props.autocomplete}
          inputmode={props.inputmode}
          value={form[props.field]}
          onInput={(event) => edit(props.field, event.currentTarget.value)}
          onBlur={(event) => leave(props.field, event)}
        />
      )}
    </Field>
  );

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
          <form
            ref={formElement}
            class="card form"
            onSubmit={submit}
            onFocusIn={prepare}
            noValidate
            aria-describedby="checkout-note"
          >
            <h2>Your details</h2>
            <p id="checkout-note" class="muted">
              We email you about this order at this address: when it is paid, shipped or refunded.
            </p>
            <TextField field="name" autocomplete="name" />
            <TextField field="email" autocomplete="email" type="email" inputmode="email" />
            <fieldset class="fieldset">
              <legend>Delivery address</legend>
              <TextField field="line1" autocomplete="address-line1" />
              <TextField field="line2" autocomplete="address-line2" />
              <div class="field-pair">
                <TextField field="postalCode" autocomplete="postal-code" />
                <TextField field="city" autocomplete="address-level2" />
              </div>
              <TextField field="region" autocomplete="address-level1" />
              <Field label={LABELS.country} error={errorOf('country')}>
                {(control) => (
                  <select
                    {...control}
                    class="input"
                    name="country"
                    autocomplete="country"
                    value={form.country}
                    onChange={(event) => edit('country', event.currentTarget.value)}
                    onBlur={(event) => leave('country', event)}
                  >
                    <option value="">Choose a country</option>
                    <For each={countryList()}>
                      {(country) => (
                        <option value={country.code} selected={country.code === form.country}>
                          {country.name}
                        </option>
                      )}
                    </For>
                  </select>
                )}
              </Field>
            </fieldset>
            <Show when={submitted() && wrongFields().length > 0}>
              <div class="notice notice-error" role="alert" aria-labelledby="checkout-problems">
                <p class="notice-title" id="checkout-problems">
                  {wrongFields().length === 1 ? 'One field needs' : `${wrongFields().length} fields need`}{' '}
                  your attention:
                </p>
                <ul>
                  <For each={wrongFields()}>
                    {(field) => (
                      <li>
                        <a
                          href={`#${field}`}
                          onClick={(event) => {
                            event.preventDefault();
                            focusField(field);
                          }}
                        >
                          {LABELS[field]}: {errorOf(field)}
                        </a>
                      </li>
                    )}
                  </For>
                </ul>
              </div>
            </Show>
            <Show when={failure()}>
              {(error) => (
                <ErrorNotice
                  error={error()}
                  titles={{ 400: 'Please check your details', 422: 'Your order could not be placed' }}
                />
              )}
            </Show>
            <p class="muted">You pay on the next step, on our payment provider's secure page.</p>
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
