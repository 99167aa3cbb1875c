/**
 * @module Transfers between locations: request one (a product, from, to, how many), dispatch it
 * (it leaves the source and is in transit), receive it (what arrived; a different quantity needs a
 * reason, which is recorded), or cancel it before it leaves. What is in transit is summed on top.
 */
import { A, useSearchParams } from '@solidjs/router';
import { createResource, createSignal, For, Show } from 'solid-js';
import { Field } from '../components/Field.tsx';
import { PagedView } from '../components/PagedView.tsx';
import { describeError, EmptyState } from '../components/States.tsx';
import {
  ApiError,
  cancelTransfer,
  dispatchTransfer,
  listTransfers,
  receiveTransfer,
  requestTransfer,
  type Transfer,
  type TransferStatus,
} from '../lib/api.ts';
import { usePageTitle } from '../lib/page-title.ts';
import { createPagedList } from '../lib/paging.ts';
import { formatDateTime } from '../lib/time.ts';
import { productNames, useLocations } from './inventory-data.ts';

export const TRANSFER_STATUS: Record<TransferStatus, { label: string; badge: string }> = {
  requested: { label: 'Requested', badge: 'badge-pending' },
  dispatched: { label: 'In transit', badge: 'badge-shipped' },
  received: { label: 'Received', badge: 'badge-confirmed' },
  cancelled: { label: 'Cancelled', badge: 'badge-cancelled' },
};

export default function TransfersAdmin() {
  usePageTitle(() => 'Transfers');
  const [params, setParams] = useSearchParams<{ status?: TransferStatus }>();
  const { locations, nameOf: locationName } = useLocations();
  const [names] = createResource(() => productNames().catch(() => ({}) as Record<string, string>));
  const productName = (id: string) => names.latest?.[id] ?? id;
  const transfers = createPagedList(
    () => params.status,
    (status, cursor) => listTransfers({ status, cursor, limit: 50 }),
  );
  const [inTransit, { refetch: recount }] = createResource(() =>
    listTransfers({ status: 'dispatched', limit: 100 }).then((page) => page.items),
  );
  const changed = (transfer: Transfer) => {
    transfers.replace(transfer, (a, b) => a.id === b.id);
    void recount();
  };

  return (
    <section aria-labelledby="transfers-title">
      <div class="page-head">
        <h1 id="transfers-title">Transfers</h1>
        <p class="muted" role="status">
          <Show when={inTransit.latest} fallback="…">
            {(list) =>
              list().length
                ? `In transit: ${list().reduce((sum, t) => sum + t.quantity, 0)} units in ${list().length} transfer${list().length === 1 ? '' : 's'}`
                : 'Nothing in transit'
            }
          </Show>
        </p>
      </div>
      <RequestTransferForm
        products={Object.entries(names.latest ?? {}).sort((a, b) => a[1].localeCompare(b[1]))}
        locations={(locations.latest ?? []).filter((l) => l.active)}
        onRequested={() => transfers.reload()}
      />
      <form class="filters" aria-label="Filter transfers" onSubmit={(event) => event.preventDefault()}>
        <Field label="Status">
          {(control) => (
            <select
              {...control}
              class="input"
              value={params.status ?? ''}
              onChange={(event) =>
                setParams({ status: (event.currentTarget.value as TransferStatus) || undefined })
              }
            >
              <option value="">All</option>
              <For each={Object.entries(TRANSFER_STATUS)}>
                {([status, { label }]) => <option value={status}>{label}</option>}
              </For>
            </select>
          )}
        </Field>
      </form>
      <PagedView paged={transfers} noun="transfers" empty={<EmptyState title="No transfers" />}>
        <div class="table-wrap">
          <table class="table">
            <caption class="visually-hidden">Transfers, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Product</th>
                <th scope="col">From</th>
                <th scope="col">To</th>
                <th scope="col" class="num">
                  Quantity
                </th>
                <th scope="col">Status</th>
                <th scope="col">Requested</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              <For each={transfers.list.items}>
                {(transfer) => (
                  <TransferRow
                    transfer={transfer}
                    product={productName(transfer.productId)}
                    from={locationName(transfer.fromLocationId)}
                    to={locationName(transfer.toLocationId)}
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
  product: string;
  from: string;
  to: string;
  onChanged: (transfer: Transfer) => void;
}) {
  const [busy, setBusy] = createSignal(false);
  const [receiving, setReceiving] = createSignal(false);
  const [failure, setFailure] = createSignal<string>();
  const name = () => `${props.product} from ${props.from} to ${props.to}`;

  async function act(run: (id: string) => Promise<Transfer>) {
    setBusy(true);
    setFailure(undefined);
    try {
      props.onChanged(await run(props.transfer.id));
    } catch (error) {
      const { title, detail } = describeError(error);
      setFailure(detail || title);
    } finally {
      setBusy(false);
    }
  }

  const status = () => TRANSFER_STATUS[props.transfer.status];
  return (
    <tr>
      <th scope="row">
        <A href={`/admin/products/${encodeURIComponent(props.transfer.productId)}/movements`}>
          {props.product}
        </A>
      </th>
      <td>{props.from}</td>
      <td>{props.to}</td>
      <td class="num">
        {props.transfer.quantity}
        <Show when={props.transfer.receivedQuantity !== undefined}>
          <span class="transfer-difference">
            {' '}
            (received {props.transfer.receivedQuantity}: {props.transfer.discrepancyReason})
          </span>
        </Show>
      </td>
      <td>
        <span class={`badge ${status().badge}`}>{status().label}</span>
      </td>
      <td>
        <time dateTime={props.transfer.requestedAt}>{formatDateTime(props.transfer.requestedAt)}</time>
      </td>
      <td class="row-actions">
        <Show when={props.transfer.status === 'requested'}>
          <button
            type="button"
            class="button button-primary button-small"
            disabled={busy()}
            aria-label={`Dispatch ${name()}`}
            onClick={() => act(dispatchTransfer)}
          >
            Dispatch
          </button>
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
        <Show when={props.transfer.status === 'dispatched'}>
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
            <ReceiveForm transfer={props.transfer} label={`Receive ${name()}`} onReceived={props.onChanged} />
          </Show>
        </Show>
        <Show when={failure()}>
          <p class="field-error form-message" role="alert">
            {failure()}
          </p>
        </Show>
      </td>
    </tr>
  );
}

function ReceiveForm(props: { transfer: Transfer; label: string; onReceived: (transfer: Transfer) => void }) {
  const [quantity, setQuantity] = createSignal(String(props.transfer.quantity));
  const [reason, setReason] = createSignal('');
  const [errors, setErrors] = createSignal<{ quantity?: string; reason?: string }>({});
  const [failure, setFailure] = createSignal<string>();
  const [saving, setSaving] = createSignal(false);
  const differs = () => Number(quantity()) !== props.transfer.quantity;

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    const count = Number(quantity());
    const found: { quantity?: string; reason?: string } = {};
    if (!quantity().trim() || !Number.isInteger(count) || count < 0)
      found.quantity = 'Enter a whole number, 0 or more.';
    else if (differs() && !reason().trim())
      found.reason = `Say why ${count} arrived instead of ${props.transfer.quantity}.`;
    setErrors(found);
    setFailure(undefined);
    if (found.quantity || found.reason) return;
    setSaving(true);
    try {
      props.onReceived(
        await receiveTransfer(props.transfer.id, {
          quantity: count,
          ...(differs() ? { reason: reason().trim() } : {}),
        }),
      );
    } catch (error) {
      if (error instanceof ApiError && error.fieldErrors.reason)
        setErrors({ reason: error.fieldErrors.reason });
      const { title, detail } = describeError(error);
      setFailure(detail || title);
    } finally {
      setSaving(false);
    }
  }

  return (
    <form class="adjust-form" aria-label={props.label} onSubmit={submit} noValidate>
      <Field label="Received" error={errors().quantity} class="field-delta">
        {(control) => (
          <input
            {...control}
            class="input"
            inputmode="numeric"
            value={quantity()}
            onInput={(event) => setQuantity(event.currentTarget.value)}
          />
        )}
      </Field>
      <Field
        label="Reason for the difference"
        error={errors().reason}
        hint={differs() ? undefined : 'Only needed when the quantity differs.'}
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
      <Show when={failure()}>
        <p class="field-error form-message" role="alert">
          {failure()}
        </p>
      </Show>
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
    if (!value('fromLocationId')) found.fromLocationId = 'Choose where it leaves from.';
    if (!value('toLocationId')) found.toLocationId = 'Choose where it goes.';
    else if (value('toLocationId') === value('fromLocationId'))
      found.toLocationId = 'Choose another location than the source.';
    if (!value('quantity') || !Number.isInteger(quantity) || quantity < 1)
      found.quantity = 'Enter a whole number, 1 or more.';
    setErrors(found);
    setFailure(undefined);
    setDone(undefined);
    if (Object.keys(found).length) return;
    setSaving(true);
    try {
      const transfer = await requestTransfer({
        productId: value('productId'),
        fromLocationId: value('fromLocationId'),
        toLocationId: value('toLocationId'),
        quantity,
      });
      props.onRequested(transfer);
      setDone(`Requested ${quantity}. Dispatch it when it leaves.`);
      form?.reset();
    } catch (error) {
      if (error instanceof ApiError) setErrors(error.fieldErrors);
      const { title, detail } = describeError(error);
      setFailure(detail || title);
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
        {select('fromLocationId', 'From', places())}
        {select('toLocationId', 'To', places())}
        <Field label="Quantity" error={errors().quantity} class="field-delta">
          {(control) => <input {...control} name="quantity" class="input" inputmode="numeric" />}
        </Field>
        <div class="actions">
          <button type="submit" class="button button-primary" disabled={saving()}>
            {saving() ? 'Requesting…' : 'Request transfer'}
          </button>
        </div>
      </form>
      <Show when={failure()}>
        <p class="field-error form-message" role="alert">
          {failure()}
        </p>
      </Show>
      <Show when={done()}>
        <p class="form-message success" role="status">
          {done()}
        </p>
      </Show>
    </section>
  );
}
