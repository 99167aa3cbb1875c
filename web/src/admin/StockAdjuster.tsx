/**
 * @module Changing a product's stock: adjusting it by a signed quantity, of a kind (a correction,
 * goods received, damage, a return: the movement's reason) with a note why, and setting the level
 * at which it counts as low. Both are validated before sending; refused changes (below what is
 * reserved) are shown in place. Only clerks and managers change stock: a viewer sees none of it.
 */
import { createSignal, For, Match, Show, Switch } from 'solid-js';
import { Field, focusFirstInvalid } from '../components/Field.tsx';
import { errorText, FormOutcome } from '../components/States.tsx';
import { can } from '../lib/admin-session.ts';
import {
  adjustStock,
  countStock,
  type StockAdjustment,
  type StockLevel,
  setLowStockThreshold,
} from '../lib/api.ts';
import { REASON_LABEL } from './inventory-data.ts';

type AdjustmentKind = NonNullable<StockAdjustment['kind']>;
const KINDS: AdjustmentKind[] = ['adjusted', 'received', 'damaged', 'returned'];

export function StockAdjuster(props: {
  productId: string;
  /** Where the change happens (inventory's default location when absent). */
  locationId?: string;
  label?: string;
  onAdjusted: (level: StockLevel) => void;
}) {
  const [delta, setDelta] = createSignal('');
  const [reason, setReason] = createSignal('');
  const [kind, setKind] = createSignal<AdjustmentKind>('adjusted');
  const [errors, setErrors] = createSignal<{ delta?: string; reason?: string }>({});
  const [failure, setFailure] = createSignal<string>();
  const [saving, setSaving] = createSignal(false);
  const [done, setDone] = createSignal<string>();

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    const amount = Number(delta());
    const found: { delta?: string; reason?: string } = {};
    if (!delta().trim() || !Number.isInteger(amount) || amount === 0) {
      found.delta = 'Enter a whole number other than 0 (negative to remove).';
    }
    if (!reason().trim()) found.reason = 'Say why (a delivery, a stock count, breakage…).';
    setErrors(found);
    setDone(undefined);
    setFailure(undefined);
    if (found.delta || found.reason) return focusFirstInvalid(event.currentTarget as HTMLFormElement);
    setSaving(true);
    try {
      const level = await adjustStock(props.productId, {
        delta: amount,
        reason: reason().trim(),
        ...(props.locationId ? { locationId: props.locationId } : {}),
        ...(kind() === 'adjusted' ? {} : { kind: kind() }),
      });
      props.onAdjusted(level);
      const here = level.locations?.find((split) => split.locationId === props.locationId) ?? level;
      setDone(`${amount > 0 ? 'Added' : 'Removed'} ${Math.abs(amount)}. On hand now ${here.onHand}.`);
      setDelta('');
      setReason('');
    } catch (error) {
      setFailure(errorText(error));
    } finally {
      setSaving(false);
    }
  }

  return (
    <form class="adjust-form" onSubmit={submit} noValidate aria-label={props.label ?? 'Adjust stock'}>
      <Field label="Change" error={errors().delta} class="field-delta">
        {(control) => (
          <input
            {...control}
            class="input"
            inputmode="numeric"
            placeholder="+10 or -2"
            value={delta()}
            onInput={(event) => setDelta(event.currentTarget.value)}
          />
        )}
      </Field>
      <Field label="Kind" class="field-kind">
        {(control) => (
          <select
            {...control}
            class="input"
            value={kind()}
            onChange={(event) => setKind(event.currentTarget.value as AdjustmentKind)}
          >
            <For each={KINDS}>{(value) => <option value={value}>{REASON_LABEL[value]}</option>}</For>
          </select>
        )}
      </Field>
      <Field label="Reason" error={errors().reason} class="field-reason">
        {(control) => (
          <input
            {...control}
            class="input"
            placeholder="Delivery from supplier"
            value={reason()}
            onInput={(event) => setReason(event.currentTarget.value)}
          />
        )}
      </Field>
      <button type="submit" class="button button-primary" disabled={saving()}>
        {saving() ? 'Saving…' : 'Adjust'}
      </button>
      <FormOutcome failure={failure()} done={done()} />
    </form>
  );
}

export function ThresholdEditor(props: { level: StockLevel; onChanged: (level: StockLevel) => void }) {
  const [value, setValue] = createSignal(String(props.level.lowStockThreshold));
  const [error, setError] = createSignal<string>();
  const [saving, setSaving] = createSignal(false);
  const [saved, setSaved] = createSignal(false);

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    const threshold = Number(value());
    setSaved(false);
    if (!value().trim() || !Number.isInteger(threshold) || threshold < 0) {
      setError('Enter a whole number, 0 or more.');
      return focusFirstInvalid(event.currentTarget as HTMLFormElement);
    }
    setError(undefined);
    setSaving(true);
    try {
      props.onChanged(await setLowStockThreshold(props.level.productId, threshold));
      setSaved(true);
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setSaving(false);
    }
  }

  return (
    <form class="adjust-form" onSubmit={submit} noValidate aria-label="Low-stock alert">
      <Field label="Low at or below" error={error()} class="field-threshold">
        {(control) => (
          <input
            {...control}
            class="input"
            inputmode="numeric"
            value={value()}
            onInput={(event) => {
              setValue(event.currentTarget.value);
              setSaved(false);
            }}
          />
        )}
      </Field>
      <button type="submit" class="button button-secondary" disabled={saving()}>
        {saving() ? 'Saving…' : 'Set'}
      </button>
      <Show when={saved()}>
        <p class="form-message success" role="status">
          Alert level saved.
        </p>
      </Show>
    </form>
  );
}

/** A cycle count at a location: the counted quantity replaces on hand, the difference is recorded. */
export function CountForm(props: {
  productId: string;
  locationId?: string;
  label: string;
  onCounted: (level: StockLevel) => void;
}) {
  const [counted, setCounted] = createSignal('');
  const [note, setNote] = createSignal('');
  const [error, setError] = createSignal<string>();
  const [failure, setFailure] = createSignal<string>();
  const [saving, setSaving] = createSignal(false);
  const [done, setDone] = createSignal<string>();

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    const quantity = Number(counted());
    setDone(undefined);
    setFailure(undefined);
    if (!counted().trim() || !Number.isInteger(quantity) || quantity < 0) {
      setError('Enter the whole number counted, 0 or more.');
      return focusFirstInvalid(event.currentTarget as HTMLFormElement);
    }
    setError(undefined);
    setSaving(true);
    try {
      const level = await countStock(props.productId, {
        counted: quantity,
        ...(props.locationId ? { locationId: props.locationId } : {}),
        ...(note().trim() ? { note: note().trim() } : {}),
      });
      props.onCounted(level);
      setDone(`Count of ${quantity} recorded.`);
      setCounted('');
      setNote('');
    } catch (problem) {
      setFailure(errorText(problem));
    } finally {
      setSaving(false);
    }
  }

  return (
    <form class="adjust-form" onSubmit={submit} noValidate aria-label={props.label}>
      <Field label="Counted" error={error()} class="field-delta">
        {(control) => (
          <input
            {...control}
            class="input"
            inputmode="numeric"
            value={counted()}
            onInput={(event) => setCounted(event.currentTarget.value)}
          />
        )}
      </Field>
      <Field label="Note" class="field-reason">
        {(control) => (
          <input
            {...control}
            class="input"
            placeholder="Monthly count"
            value={note()}
            onInput={(event) => setNote(event.currentTarget.value)}
          />
        )}
      </Field>
      <button type="submit" class="button button-primary" disabled={saving()}>
        {saving() ? 'Saving…' : 'Record count'}
      </button>
      <FormOutcome failure={failure()} done={done()} />
    </form>
  );
}

/** The column heading over `AdjustCell`s, shown to whoever gets the cells. */
export function AdjustHeader(props: { label: string }) {
  return (
    <Show when={can('clerk')}>
      <th scope="col">{props.label}</th>
    </Show>
  );
}

/**
 * A table cell with an Adjust button (and, with `countable`, a Count button) that opens its form in
 * place (focus moves into it; Escape closes it and returns focus to the button). A viewer gets no cell: pair it with `AdjustHeader`, which a viewer does not get either.
 */
export function AdjustCell(props: {
  productId: string;
  locationId?: string;
  /** What the buttons and forms act on ("stock of Blue Mug": "Adjust stock of Blue Mug"). */
  subject: string;
  countable?: boolean;
  onAdjusted: (level: StockLevel) => void;
}) {
  const [open, setOpen] = createSignal<'adjust' | 'count'>();
  let cell: HTMLTableCellElement | undefined;
  // Opening moves focus into the form; Escape closes it and gives focus back to the button that opened it.
  function show(which: 'adjust' | 'count') {
    setOpen(which);
    cell?.querySelector<HTMLElement>('input, select')?.focus();
  }
  function close(event: KeyboardEvent) {
    const which = open();
    if (event.key !== 'Escape' || !which) return;
    event.preventDefault();
    setOpen(undefined);
    cell?.querySelector<HTMLElement>(`[data-opens="${which}"]`)?.focus();
  }
  return (
    <Show when={can('clerk')}>
      <td ref={cell} onKeyDown={close}>
        <Switch>
          <Match when={open() === 'adjust'}>
            <StockAdjuster
              productId={props.productId}
              locationId={props.locationId}
              label={`Adjust ${props.subject}`}
              onAdjusted={props.onAdjusted}
            />
          </Match>
          <Match when={open() === 'count'}>
            <CountForm
              productId={props.productId}
              locationId={props.locationId}
              label={`Count ${props.subject}`}
              onCounted={props.onAdjusted}
            />
          </Match>
          <Match when={!open()}>
            <div class="row-actions row-actions-inline">
              <button
                type="button"
                class="button button-secondary button-small"
                data-opens="adjust"
                onClick={() => show('adjust')}
                aria-label={`Adjust ${props.subject}`}
              >
                Adjust
              </button>
              <Show when={props.countable}>
                <button
                  type="button"
                  class="button button-secondary button-small"
                  data-opens="count"
                  onClick={() => show('count')}
                  aria-label={`Count ${props.subject}`}
                >
                  Count
                </button>
              </Show>
            </div>
          </Match>
        </Switch>
      </td>
    </Show>
  );
}
