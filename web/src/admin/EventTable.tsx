/**
 * @module A table of ledger events (time recorded, type, subject, source, who made it for a staff
 * member's change, CloudEvent id); each row
 * opens below itself to show the event's attributes and data. A subject links to the explorer
 * filtered by it.
 */
import { A } from '@solidjs/router';
import { createSignal, For, Show } from 'solid-js';
import type { LedgerEvent } from '../lib/api.ts';
import { EventDetail, formatEventTime, shortType } from './EventDetail.tsx';

export function EventTable(props: {
  events: readonly LedgerEvent[];
  /** Accessible name of the table. */
  label: string;
  /** Leaves out the subject column (where every row has the same subject). */
  withoutSubject?: boolean;
}) {
  return (
    <div class="table-wrap">
      <table class="table event-table" aria-label={props.label}>
        <thead>
          <tr>
            <th scope="col">Recorded</th>
            <th scope="col">Type</th>
            <Show when={!props.withoutSubject}>
              <th scope="col">Subject</th>
            </Show>
            <th scope="col">Source</th>
            <th scope="col">By</th>
            <th scope="col">Id</th>
            <th scope="col" class="actions-cell">
              <span class="visually-hidden">Details</span>
            </th>
          </tr>
        </thead>
        <tbody>
          <For each={props.events}>
            {(entry) => <EventRow entry={entry} withSubject={!props.withoutSubject} />}
          </For>
        </tbody>
      </table>
    </div>
  );
}

function EventRow(props: { entry: LedgerEvent; withSubject: boolean }) {
  const [open, setOpen] = createSignal(false);
  const detailId = () => `event-${props.entry.id}`;
  const event = () => props.entry.event;
  return (
    <>
      <tr classList={{ 'row-open': open() }}>
        <td>
          <time datetime={props.entry.recordedAt}>{formatEventTime(props.entry.recordedAt)}</time>
        </td>
        <td class="mono nowrap" title={event().type}>
          {shortType(event().type)}
        </td>
        <Show when={props.withSubject}>
          <td class="mono">
            <Show when={event().subject} fallback="—">
              {(subject) => (
                <A href={`/admin/events?subject=${encodeURIComponent(subject())}`}>{subject()}</A>
              )}
            </Show>
          </td>
        </Show>
        <td class="mono nowrap">{event().source}</td>
        <td class="nowrap" title={actorOf(event().data)?.subject}>
          {actorOf(event().data)?.name ?? '—'}
        </td>
        <td class="mono cell-id" title={event().id}>
          {event().id}
        </td>
        <td class="actions-cell">
          <button
            type="button"
            class="button button-link"
            aria-expanded={open()}
            aria-controls={open() ? detailId() : undefined}
            aria-label={`${open() ? 'Hide' : 'Show'} event ${event().id}`}
            onClick={() => setOpen(!open())}
          >
            {open() ? 'Hide' : 'Show'}
          </button>
        </td>
      </tr>
      <Show when={open()}>
        <tr class="detail-row" id={detailId()}>
          <td colSpan={props.withSubject ? 7 : 6}>
            <EventDetail event={event()} />
          </td>
        </tr>
      </Show>
    </>
  );
}

/** The staff member an admin change names (`data.actor`), if the event carries one. */
export function actorOf(data: unknown): { subject: string; name: string } | undefined {
  const actor = (data as { actor?: { subject?: unknown; name?: unknown } } | null)?.actor;
  return actor && typeof actor.name === 'string' && typeof actor.subject === 'string'
    ? { subject: actor.subject, name: actor.name }
    : undefined;
}
