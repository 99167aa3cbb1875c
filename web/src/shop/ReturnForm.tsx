/**
 * @module The shopper's return of a delivered order: how many of each line to send back (at most
 * what was delivered less what earlier returns cover), and why, until the return window closes.
 * It goes with the order's cookie, as cancel does; orders checks the same limits again.
 */
import { createSignal, Index, Show } from 'solid-js';
import { createStore, reconcile } from 'solid-js/store';
import { Field } from '../components/Field.tsx';
import { returnedQuantities } from '../components/OrderDetails.tsx';
import { ErrorNotice } from '../components/States.tsx';
import { type Order, type RequestReturn, requestMyReturn } from '../lib/api.ts';

/** Each line with how many of it may still be returned (lines with none left are left out). */
export function returnableLines(order: Order) {
  const returned = returnedQuantities(order);
  return order.items
    .map((item) => ({ ...item, returnable: item.quantity - (returned[item.productId] ?? 0) }))
    .filter((item) => item.returnable > 0);
}

/** Whether the order may still be returned, now. */
export const returnsOpen = (order: Order, now = Date.now()) =>
  order.status === 'delivered' &&
  order.returnUntil !== undefined &&
  Date.parse(order.returnUntil) > now &&
  returnableLines(order).length > 0;

export function ReturnForm(props: { order: Order; onReturned: (order: Order) => void }) {
  const [quantities, setQuantities] = createStore<Record<string, string>>({});
  const [reason, setReason] = createSignal('');
  const [checked, setChecked] = createSignal(false);
  const [sending, setSending] = createSignal(false);
  const [failure, setFailure] = createSignal<unknown>();
  const lines = () => returnableLines(props.order);

  const problemOf = (productId: string, most: number): string | undefined => {
    const text = (quantities[productId] ?? '').trim();
    if (!text) return undefined;
    const quantity = Number(text);
    if (!Number.isInteger(quantity) || quantity < 0) return 'Enter a whole number.';
    if (quantity > most) return `You can return at most ${most}.`;
    return undefined;
  };
  const chosen = () =>
    lines()
      .map((line) => ({ productId: line.productId, quantity: Number(quantities[line.productId] || 0) }))
      .filter((line) => Number.isInteger(line.quantity) && line.quantity > 0);
  const problems = () => lines().some((line) => problemOf(line.productId, line.returnable));
  const nothingChosen = () => checked() && !problems() && chosen().length === 0;

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    setChecked(true);
    if (problems() || chosen().length === 0) {
      // The first wrong quantity, or the first one to fill in.
      const form = event.currentTarget as HTMLFormElement;
      (
        form.querySelector<HTMLElement>('[aria-invalid="true"]') ?? form.querySelector<HTMLElement>('input')
      )?.focus();
      return;
    }
    if (sending()) return;
    const request: RequestReturn = {
      items: chosen(),
      ...(reason().trim() ? { reason: reason().trim() } : {}),
    };
    setSending(true);
    setFailure(undefined);
    try {
      props.onReturned(await requestMyReturn(props.order.id, request));
      // Emptied, not merged with {}: the sent quantities must not linger in the form.
      setQuantities(reconcile({}));
      setReason('');
      setChecked(false);
    } catch (error) {
      setFailure(error);
    } finally {
      setSending(false);
    }
  }

  return (
    <form class="form return-form" onSubmit={submit} noValidate aria-labelledby="return-title">
      <h3 id="return-title">Return items</h3>
      {/* By position, not by object: each live update of the order brings new objects, and the
          inputs must not be replaced while the shopper types. */}
      <Index each={lines()}>
        {(line) => (
          <Field
            label={`${line().name}: how many to return`}
            hint={`Up to ${line().returnable}`}
            error={
              checked() || quantities[line().productId]
                ? problemOf(line().productId, line().returnable)
                : undefined
            }
          >
            {(control) => (
              <input
                {...control}
                class="input input-narrow"
                type="number"
                inputmode="numeric"
                min="0"
                max={line().returnable}
                step="1"
                value={quantities[line().productId] ?? ''}
                onInput={(event) => setQuantities(line().productId, event.currentTarget.value)}
              />
            )}
          </Field>
        )}
      </Index>
      <Field label="Why are you returning them? (optional)">
        {(control) => (
          <textarea
            {...control}
            class="input"
            maxLength={500}
            rows={2}
            value={reason()}
            onInput={(event) => setReason(event.currentTarget.value)}
          />
        )}
      </Field>
      <Show when={nothingChosen()}>
        <p class="field-error" role="alert">
          Choose how many of at least one item to return.
        </p>
      </Show>
      <Show when={failure()}>
        {(error) => <ErrorNotice error={error()} titles={{ 409: 'This return cannot be accepted' }} />}
      </Show>
      <button type="submit" class="button button-primary" disabled={sending()} aria-busy={sending()}>
        {sending() ? 'Sending…' : 'Request return'}
      </button>
    </form>
  );
}
