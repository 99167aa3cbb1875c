/**
 * @module Transfers between locations: request one (a product, from, to, how many), dispatch it
 * (it leaves the source and is in transit), receive it (what arrived of each line; a different
 * quantity needs a reason, which is recorded), or cancel it before it leaves (dispatched goods are
 * never cancelled, only received). What is in transit is summed on top. Every staff member sees
 * them; only clerks and managers see the request form and the row actions.
 */
import { A, useSearchParams } from '@solidjs/router';
import { createResource, createSignal, For, Show } from 'solid-js';
import { Field } from '../components/Field.tsx';
import { PagedView } from '../components/PagedView.tsx';
import { EmptyState, errorText, FormOutcome } from '../components/States.tsx';
import { can } from '../lib/admin-session.ts';
import {
  ApiError,
  cancelTransfer,
  dispatchTransfer,
  listTransfers,
  receiveTransfer,
  requestTransfer,
  type Transfer,
  type TransferState,
} from '../lib/api.ts';
import { usePageTitle } from '../lib/page-title.ts';
import { createPagedList } from '../lib/paging.ts';
import { formatDateTime } from '../lib/time.ts';
import { productNames, useLocations } from './inventory-data.ts';

export const TRANSFER_STATE: Record<TransferState, { label: string; badge: string }> = {
  requested: { label: 'Requested', badge: 'badge-pending' },
  dispatched: { label: 'In transit', badge: 'badge-shipped' },
  received: { label: 'Received', badge: 'badge-confirmed' },
  cancelled: { label: 'Cancelled', badge: 'badge-cancelled' },
};

const units = (lines: Transfer['lines']) => lines.reduce((sum, line) => sum + line.quantity, 0);
const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

function inTransitSummary(dispatched: Transfer[] | undefined): string {
  if (!dispatched) return '…';
  if (!dispatched.length) return 'Nothing in transit';
  const total = dispatched.reduce((sum, transfer) => sum + units(transfer.lines), 0);
  return `In transit: ${plural(total, 'unit')} in ${plural(dispatched.length, 'transfer')}`;
}

export default function TransfersAdmin() {
  usePageTitle(() => 'Transfers');
  const [params, setParams] = useSearchParams<{ state?: TransferState }>();
  const { locations, nameOf: locationName } = useLocations();
  const [names] = createResource(() => productNames().catch(() => ({}) as Record<string, string>));
  const productName = (id: string) => names.latest?.[id] ?? id;
  const transfers = createPagedList(
    () => params.state,
    (state, cursor) => listTransfers({ state, cursor, limit: 50 }),
  );
  const [inTransit, { refetch: recount }] = createResource(() =>
    listTransfers({ state: 'dispatched', limit: 100 }).then((page) => page.items),
  );
  const changed = (transfer: Transfer) => {
    transfers.replace(transfer, (a, b) => a.id === b.id);
    void recount();
  };

  return (
    <section aria-labelledby="transfers-title">
      <div class="page-head">
        <h1 id="transfers-title">Transfers</h1>
        <p class="muted">{inTransitSummary(inTransit.latest)}</p>
      </div>
      <Show when={can('clerk')}>
        <RequestTransferForm
          products={Object.entries(names.latest ?? {}).sort((a, b) => a[1].localeCompare(b[1]))}
          locations={(locations.latest ?? []).filter((l) => l.active)}
          onRequested={() => transfers.reload()}
        />
      </Show>
      <form class="filters" aria-label="Filter transfers" onSubmit={(event) => event.preventDefault()}>
        <Field label="State">
          {(control) => (
            <select
              {...control}
              class="input"
              value={params.state ?? ''}
              onChange={(event) =>
                setParams({ state: (event.currentTarget.value as TransferState) || undefined })
              }
            >
              <option value="">All</option>
              <For each={Object.entries(TRANSFER_STATE)}>
                {([state, { label }]) => <option value={state}>{label}</option>}
              </For>
            </select>
          )}
        </Field>
      </form>
      <PagedView paged={transfers} noun="transfers" empty={<EmptyState title="No transfers" />}>
        <div class="table-wrap">
          <table class="table transfers-table">
            <caption class="visually-hidden">Transfers, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Products</th>
                <th scope="col">From</th>
                <th scope="col">To</th>
                <th scope="col">State</th>
                <th scope="col">Requested</th>
                <Show when={can('clerk')}>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </Show>
              </tr>
            </thead>
            <tbody>
              <For each={transfers.list.items}>
                {(transfer) => (
                  <TransferRow
                    transfer={transfer}
                    productName={productName}
                    from={locationName(transfer.from)}
                    to={locationName(transfer.to)}
                    onChanged={changed}
                  />
                )}
              </For>
            </tbody>
          </table>
        </div>
      </PagedView>
    </section>
  );
}

function TransferRow(props: {
  transfer: Transfer;
  productName: (id: string) => string;
  from: string;
  to: string;
  onChanged: (transfer: Transfer) => void;
}) {
  const [busy, setBusy] = createSignal(false);
  const [receiving, setReceiving] = createSignal(false);
  const [failure, setFailure] = createSignal<string>();
  const name = () =>
    `${props.transfer.lines.map((line) => props.productName(line.productId)).join(', ')} from ${props.from} to ${props.to}`;

  async function act(run: (id: string) => Promise<Transfer>) {
    setBusy(true);
    setFailure(undefined);
    try {
      props.onChanged(await run(props.transfer.id));
    } catch (error) {
      setFailure(errorText(error));
    } finally {
      setBusy(false);
    }
  }

  const state = () => TRANSFER_STATE[props.transfer.state];
  return (
    <tr>
      <th scope="row">
        <ul class="plain-list">
          <For each={props.transfer.lines}>
            {(line) => (
              <li>
                <A href={`/admin/movements/${encodeURIComponent(line.productId)}`}>
                  {props.productName(line.productId)}
                </A>{' '}
                × {line.quantity}
              </li>
            )}
          </For>
        </ul>
        <For each={props.transfer.discrepancies}>
          {(difference) => (
            <p class="transfer-difference">
              Received {difference.received} of {difference.dispatched}{' '}
              {props.productName(difference.productId)}: {difference.reason}
            </p>
          )}
        </For>
      </th>
      <td>{props.from}</td>
      <td>{props.to}</td>
      <td>
        <span class={`badge ${state().badge}`}>{state().label}</span>
      </td>
      <td>
        <time dateTime={props.transfer.createdAt}>{formatDateTime(props.transfer.createdAt)}</time>
      </td>
      <Show when={can('clerk')}>
        <td>
          <div class="row-actions">
            <Show when={props.transfer.state === 'requested'}>
              <button
                type="button"
                class="button button-primary button-small"
                disabled={busy()}
                aria-label={`Dispatch ${name()}`}
                onClick={() => act(dispatchTransfer)}
              >
                Dispatch
              </button>
            </Show>
            <Show when={props.transfer.state === 'dispatched'}>
              <Show
                when={receiving()}
                fallback={
                  <button
                    type="button"
                    class="button button-primary button-small"
                    aria-label={`Receive ${name()}`}
                    onClick={() => setReceiving(true)}
                  >
                    Receive
                  </button>
                }
              >
                <ReceiveForm
                  transfer={props.transfer}
                  productName={props.productName}
                  label={`Receive ${name()}`}
                  onReceived={props.onChanged}
                />
              </Show>
            </Show>
            <Show when={props.transfer.state === 'requested'}>
              <button
                type="button"
                class="button button-danger-outline button-small"
                disabled={busy()}
                aria-label={`Cancel ${name()}`}
                onClick={() => act(cancelTransfer)}
              >
                Cancel
              </button>
            </Show>
            <FormOutcome failure={failure()} />
          </div>
        </td>
      </Show>
    </tr>
  );
}

function ReceiveForm(props: {
  transfer: Transfer;
  productName: (id: string) => string;
  label: string;
  onReceived: (transfer: Transfer) => void;
}) {
  const [received, setReceived] = createSignal(props.transfer.lines.map((line) => String(line.quantity)));
  const [reason, setReason] = createSignal('');
  const [errors, setErrors] = createSignal<{ lines: Array<string | undefined>; reason?: string }>({
    lines: [],
  });
  const [failure, setFailure] = createSignal<string>();
  const [saving, setSaving] = createSignal(false);
  const differs = () => props.transfer.lines.some((line, i) => Number(received()[i]) !== line.quantity);

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    const counts = received().map(Number);
    const lineErrors = received().map((text, i) =>
      !text.trim() || !Number.isInteger(counts[i]) || counts[i]! < 0
        ? 'Enter a whole number, 0 or more.'
        : undefined,
    );
    const reasonError =
      !lineErrors.some(Boolean) && differs() && !reason().trim()
        ? 'Say why what arrived differs from what was sent.'
        : undefined;
    setErrors({ lines: lineErrors, reason: reasonError });
    setFailure(undefined);
    if (lineErrors.some(Boolean) || reasonError) return;
    setSaving(true);
    try {
      const lines = props.transfer.lines.map((line, i) => ({
        productId: line.productId,
        quantity: counts[i]!,
      }));
      props.onReceived(
        await receiveTransfer(props.transfer.id, differs() ? { lines, reason: reason().trim() } : { lines }),
      );
    } catch (error) {
      if (error instanceof ApiError && error.fieldErrors.reason)
        setErrors({ lines: [], reason: error.fieldErrors.reason });
      setFailure(errorText(error));
    } finally {
      setSaving(false);
    }
  }

  return (
    <form class="adjust-form receive-form" aria-label={props.label} onSubmit={submit} noValidate>
      <For each={props.transfer.lines}>
        {(line, i) => (
          <Field
            label={`Received of ${props.productName(line.productId)}`}
            hint={`${line.quantity} sent`}
            error={errors().lines[i()]}
            class="field-delta"
          >
            {(control) => (
              <input
                {...control}
                class="input"
                inputmode="numeric"
                value={received()[i()]}
                onInput={(event) => {
                  const value = event.currentTarget.value;
                  setReceived((all) => all.map((old, j) => (j === i() ? value : old)));
                }}
              />
            )}
          </Field>
        )}
      </For>
      <Field
        label="Reason for the difference"
        error={errors().reason}
        hint={differs() ? undefined : 'Only needed when a quantity differs.'}
        class="field-reason"
      >
        {(control) => (
          <input
            {...control}
            class="input"
            placeholder="Two broken in transit"
            value={reason()}
            onInput={(event) => setReason(event.currentTarget.value)}
          />
        )}
      </Field>
      <button type="submit" class="button button-primary" disabled={saving()}>
        {saving() ? 'Receiving…' : 'Confirm receipt'}
      </button>
      <FormOutcome failure={failure()} />
    </form>
  );
}

function RequestTransferForm(props: {
  products: Array<[id: string, name: string]>;
  locations: Array<{ id: string; name: string }>;
  onRequested: (transfer: Transfer) => void;
}) {
  const [errors, setErrors] = createSignal<Record<string, string | undefined>>({});
  const [failure, setFailure] = createSignal<string>();
  const [done, setDone] = createSignal<string>();
  const [saving, setSaving] = createSignal(false);
  let form: HTMLFormElement | undefined;

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    const data = new FormData(form);
    const value = (key: string) => String(data.get(key) ?? '').trim();
    const quantity = Number(value('quantity'));
    const found: Record<string, string> = {};
    if (!value('productId')) found.productId = 'Choose a product.';
    if (!value('from')) found.from = 'Choose where it leaves from.';
    if (!value('to')) found.to = 'Choose where it goes.';
    else if (value('to') === value('from')) found.to = 'Choose another location than the source.';
    if (!value('quantity') || !Number.isInteger(quantity) || quantity < 1)
      found.quantity = 'Enter a whole number, 1 or more.';
    setErrors(found);
    setFailure(undefined);
    setDone(undefined);
    if (Object.keys(found).length) return;
    setSaving(true);
    try {
      const transfer = await requestTransfer({
        from: value('from'),
        to: value('to'),
        lines: [{ productId: value('productId'), quantity }],
      });
      props.onRequested(transfer);
      setDone(`Requested ${plural(quantity, 'unit')}. Dispatch it when it leaves.`);
      form?.reset();
    } catch (error) {
      if (error instanceof ApiError) setErrors(error.fieldErrors);
      setFailure(errorText(error));
    } finally {
      setSaving(false);
    }
  }

  const select = (name: string, label: string, options: Array<[string, string]>) => (
    <Field label={label} error={errors()[name]}>
      {(control) => (
        <select {...control} name={name} class="input">
          <option value="">Choose…</option>
          <For each={options}>{([id, text]) => <option value={id}>{text}</option>}</For>
        </select>
      )}
    </Field>
  );
  const places = () => props.locations.map((l): [string, string] => [l.id, l.name]);

  return (
    <section class="card" aria-labelledby="request-transfer-title">
      <h2 id="request-transfer-title">Request a transfer</h2>
      <form
        ref={form}
        class="form-row transfer-form"
        aria-label="Request a transfer"
        onSubmit={submit}
        noValidate
      >
        {select('productId', 'Product', props.products)}
        {select('from', 'From', places())}
        {select('to', 'To', places())}
        <Field label="Quantity" error={errors().quantity} class="field-delta">
          {(control) => <input {...control} name="quantity" class="input" inputmode="numeric" />}
        </Field>
        <div class="actions">
          <button type="submit" class="button button-primary" disabled={saving()}>
            {saving() ? 'Requesting…' : 'Request transfer'}
          </button>
        </div>
      </form>
      <FormOutcome failure={failure()} done={done()} />
    </section>
  );
}
