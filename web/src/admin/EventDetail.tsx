/**
 * @module How the ledger screens show a CloudEvent: its time to the second, its type without the
 * `io.stockflow.` prefix, and, opened, its attributes and data as pretty JSON (as text, never HTML).
 */
import { Show } from 'solid-js';
import type { CloudEventRecord } from '../lib/api.ts';

const preciseTime = new Intl.DateTimeFormat(undefined, {
  dateStyle: 'medium',
  timeStyle: 'medium',
});

/** Events follow each other within seconds: the time is shown to the second. */
export function formatEventTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : preciseTime.format(date);
}

const OUR_PREFIX = 'io.stockflow.';

/** `order.placed` for our own types; other systems' types in full. */
export function shortType(type: string): string {
  return type.startsWith(OUR_PREFIX) ? type.slice(OUR_PREFIX.length) : type;
}

const pretty = (value: unknown) => JSON.stringify(value, null, 2) ?? String(value);

/** The event's context attributes and extensions (everything but `data`), then its data. */
export function EventDetail(props: { event: CloudEventRecord }) {
  const attributes = () => {
    const { data: _data, ...rest } = props.event;
    return rest;
  };
  return (
    <div class="event-detail">
      <div>
        <h3>Attributes</h3>
        <pre class="json">{pretty(attributes())}</pre>
      </div>
      <div>
        <h3>Data</h3>
        <Show when={props.event.data !== undefined} fallback={<p class="muted">No data.</p>}>
          <pre class="json">{pretty(props.event.data)}</pre>
        </Show>
      </div>
    </div>
  );
}
