/**
 * @module The live event stream (Server-Sent Events): every event recorded from the moment of
 * connection, as `ledger-event` messages whose `id` is the ledger id, so a reconnecting EventSource
 * (`Last-Event-ID`) continues where it stopped. Comments keep idle connections open through proxies.
 */
import type { Logger } from '@stockflow/kit';
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { LedgerEvent } from './records.ts';
import type { EventFilter, LedgerStore } from './store.ts';

/** Idle time before a keep-alive comment (proxies and load balancers close silent connections). */
const KEEP_ALIVE_MS = 15_000;

export async function streamEvents(
  c: Context,
  store: LedgerStore,
  filter: EventFilter,
  lastEventId: string | undefined,
  log: Logger,
): Promise<Response> {
  // A reconnection resumes at the last event the client saw; a new connection starts now.
  const resumeAt = lastEventId ? await store.recordedAt(lastEventId) : undefined;
  const from = resumeAt ?? new Date();

  return streamSSE(c, async function sendNewEvents(stream) {
    const pending: LedgerEvent[] = [];
    let failure: Error | undefined;
    let wake: (() => void) | undefined;
    const watch = await store.watchEvents(
      filter,
      from,
      (event) => {
        pending.push(event);
        wake?.();
      },
      (error) => {
        failure = error;
        wake?.();
      },
    );
    stream.onAbort(() => {
      void watch.stop();
      wake?.();
    });
    try {
      while (!stream.aborted && !failure) {
        if (!pending.length) {
          const woken = await new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(false), KEEP_ALIVE_MS);
            wake = () => {
              clearTimeout(timer);
              resolve(true);
            };
          });
          wake = undefined;
          if (!woken && !stream.aborted) await stream.write(': keep-alive\n\n');
          continue;
        }
        const event = pending.shift()!;
        // On resumption the last event seen is among the first found again: skip it.
        if (resumeAt && event.id === lastEventId) continue;
        await stream.writeSSE({ event: 'ledger-event', id: event.id, data: JSON.stringify(event) });
      }
      // The listener failed (e.g. the database went away): end the stream; EventSource reconnects.
      if (failure) {
        log.warn('event stream interrupted', { error: failure });
        await stream.writeSSE({ event: 'interrupted', data: JSON.stringify({ message: failure.message }) });
      }
    } finally {
      void watch.stop();
    }
  });
}
