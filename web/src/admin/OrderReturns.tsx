/**
 * @module An order's returns for staff: what each holds and how far it got; a clerk receives a
 * parcel at one of inventory's locations, then inspects it, each line restocked or written off
 * (orders publishes return.inspected: inventory moves the stock, payments refunds).
 */
import { createSignal, For, Show } from 'solid-js';
import { createStore } from 'solid-js/store';
import { ReturnList } from '../components/OrderDetails.tsx';
import { ErrorNotice } from '../components/States.tsx';
import { can } from '../lib/admin-session.ts';
import { inspectReturn, type Order, type Return, type ReturnOutcome, receiveReturn } from '../lib/api.ts';
import { useLocations } from './inventory-data.ts';

export function OrderReturns(props: { order: Order; onChange: (order: Order) => void }) {
  const { locations, nameOf } = useLocations();
  const [busy, setBusy] = createSignal<string>();
  const [failure, setFailure] = createSignal<unknown>();
  const itemName = (productId: string) =>
    props.order.items.find((item) => item.productId === productId)?.name ?? productId;

  async function act(returnId: string, run: () => Promise<Order>) {
    setBusy(returnId);
    setFailure(undefined);
    try {
      props.onChange(await run());
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(undefined);
    }
  }

  function ReceiveForm(receiving: { entry: Return }) {
    const active = () => (locations.latest ?? []).filter((location) => location.active);
    const [chosen, setChosen] = createSignal<string>();
    const locationId = () => chosen() ?? active()[0]?.id ?? '';
    const selectId = `receive-${receiving.entry.id}`;
    return (
      <form
        class="actions"
        onSubmit={(event) => {
          event.preventDefault();
          if (locationId())
            void act(receiving.entry.id, () =>
              receiveReturn(props.order.id, receiving.entry.id, { locationId: locationId() }),
            );
        }}
      >
        <label for={selectId}>Receive at</label>
        <select
          id={selectId}
          class="input"
          value={locationId()}
          onChange={(event) => setChosen(event.currentTarget.value)}
        >
          <For each={active()}>
            {(location) => (
              <option value={location.id} selected={location.id === locationId()}>
                {location.name}
              </option>
            )}
          </For>
        </select>
        <button
          type="submit"
          class="button button-primary button-small"
          disabled={Boolean(busy()) || !locationId()}
        >
          {busy() === receiving.entry.id ? 'Receiving…' : `Receive return ${receiving.entry.id}`}
        </button>
      </form>
    );
  }

  function InspectForm(inspecting: { entry: Return }) {
    // Restocked unless the clerk says the goods are damaged.
    const [outcomes, setOutcomes] = createStore<Record<string, ReturnOutcome>>({});
    const outcomeOf = (productId: string) => outcomes[productId] ?? 'restocked';
    return (
      <form
        class="form"
        aria-label={`Inspect return ${inspecting.entry.id}`}
        onSubmit={(event) => {
          event.preventDefault();
          const lines = inspecting.entry.items.map((item) => ({
            productId: item.productId,
            quantity: item.quantity,
            outcome: outcomeOf(item.productId),
          }));
          void act(inspecting.entry.id, () => inspectReturn(props.order.id, inspecting.entry.id, { lines }));
        }}
      >
        <p class="muted">Received at {nameOf(inspecting.entry.locationId ?? '')}: inspect each line.</p>
        <For each={inspecting.entry.items}>
          {(item) => (
            <fieldset class="fieldset">
              <legend>
                {itemName(item.productId)} × {item.quantity}
              </legend>
              <For each={['restocked', 'written-off'] as const}>
                {(outcome) => (
                  <label class="field-inline">
                    <input
                      type="radio"
                      name={`${inspecting.entry.id}-${item.productId}`}
                      value={outcome}
                      checked={outcomeOf(item.productId) === outcome}
                      onChange={() => setOutcomes(item.productId, outcome)}
                    />{' '}
                    {outcome === 'restocked' ? 'Restock' : 'Write off (damaged)'}
                  </label>
                )}
              </For>
            </fieldset>
          )}
        </For>
        <button type="submit" class="button button-primary button-small" disabled={Boolean(busy())}>
          {busy() === inspecting.entry.id ? 'Inspecting…' : `Inspect return ${inspecting.entry.id}`}
        </button>
      </form>
    );
  }

  return (
    <section class="card order-returns" aria-labelledby="returns-title">
      <h2 id="returns-title">Returns</h2>
      <ReturnList
        order={props.order}
        actions={(entry) => (
          <Show when={can('clerk')}>
            <Show when={entry.status === 'requested'}>
              <ReceiveForm entry={entry} />
            </Show>
            <Show when={entry.status === 'received'}>
              <InspectForm entry={entry} />
            </Show>
          </Show>
        )}
      />
      <Show when={failure()}>{(error) => <ErrorNotice error={error()} />}</Show>
    </section>
  );
}
