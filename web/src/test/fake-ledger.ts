/**
 * @module The ledger behind msw handlers that follow docs/api.md: recorded events (newest first,
 * exact filters, cursor paging), their live stream (`ledger-event` messages to every matching open
 * stream), and dead letters with replay, bulk replay and discard. Admin token required throughout.
 */
import { HttpResponse, http } from 'msw';
import type { CloudEventRecord, DeadLetter, LedgerEvent, LedgerEventFilter } from '../lib/api.ts';
import { createFakeSession, type FakeSession } from './fake-session.ts';
import { page, problem } from './fake-shop.ts';

const AT = '2026-11-27T10:00:00.000Z';

/** A recorded event; `type`, `subject`, `source` and `data` go to the CloudEvent. */
export function ledgerEvent(
  id: string,
  event: Partial<CloudEventRecord> & Pick<CloudEventRecord, 'type'>,
  recordedAt = AT,
): LedgerEvent {
  return {
    id,
    recordedAt,
    event: { specversion: '1.0', id: `ce-${id}`, source: '/orders', time: recordedAt, ...event },
  };
}

export function deadLetter(id: string, overrides: Partial<DeadLetter> = {}): DeadLetter {
  return {
    id,
    status: 'dead',
    destination: 'http://inventory.default.svc.cluster.local/events',
    errorCode: 400,
    errorData: '{"type":"about:blank","title":"Bad Request","status":400}',
    failures: 1,
    firstDeadAt: AT,
    deadAt: AT,
    replays: 0,
    replayedAt: null,
    event: {
      specversion: '1.0',
      id: `ce-${id}`,
      source: '/orders',
      type: 'io.stockflow.order.placed',
      subject: 'o-1',
      data: { orderId: 'o-1' },
    },
    ...overrides,
  };
}

export interface FakeLedgerOptions {
  /** Recorded events, oldest first. */
  events?: LedgerEvent[];
  deadLetters?: DeadLetter[];
}

const matches = (filter: LedgerEventFilter, entry: LedgerEvent) =>
  (!filter.type || entry.event.type === filter.type) &&
  (!filter.subject || entry.event.subject === filter.subject) &&
  (!filter.source || entry.event.source === filter.source);

const filterOf = (url: URL): LedgerEventFilter => ({
  type: url.searchParams.get('type') ?? undefined,
  subject: url.searchParams.get('subject') ?? undefined,
  source: url.searchParams.get('source') ?? undefined,
});

export function createFakeLedger(
  options: FakeLedgerOptions = {},
  session: FakeSession = createFakeSession(),
) {
  const events: LedgerEvent[] = [...(options.events ?? [])];
  const deadLetters = new Map((options.deadLetters ?? []).map((letter) => [letter.id, letter]));
  const streams = new Set<{ filter: LedgerEventFilter; send: (entry: LedgerEvent) => void }>();
  /** Ids of dead letters replayed, in order (a bulk replay adds each). */
  const replayed: string[] = [];
  let replayClock = 0;

  const isAdmin = (_request: Request) => session.allows();

  function replay(id: string) {
    const letter = deadLetters.get(id)!;
    replayed.push(id);
    const updated: DeadLetter = {
      ...letter,
      status: 'replayed',
      replays: letter.replays + 1,
      replayedAt: new Date(Date.parse(AT) + ++replayClock * 1000).toISOString(),
      replayedBy: session.staff ? { subject: session.staff.subject, name: session.staff.name } : null,
    };
    deadLetters.set(id, updated);
    return updated;
  }

  const handlers = [
    http.get('*/api/ledger/events/stream', ({ request }) => {
      const url = new URL(request.url);
      if (url.search.includes('token')) return problem(400, 'No tokens in URLs');
      if (!isAdmin(request)) return problem(401, 'Unauthorized');
      const encoder = new TextEncoder();
      let watcher: { filter: LedgerEventFilter; send: (entry: LedgerEvent) => void } | undefined;
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          watcher = {
            filter: filterOf(url),
            send: (entry) =>
              controller.enqueue(
                encoder.encode(`event: ledger-event\nid: ${entry.id}\ndata: ${JSON.stringify(entry)}\n\n`),
              ),
          };
          streams.add(watcher);
          controller.enqueue(encoder.encode(': connected\n\n'));
          request.signal.addEventListener('abort', () => streams.delete(watcher!));
        },
        cancel() {
          if (watcher) streams.delete(watcher);
        },
      });
      return new HttpResponse(body, {
        headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
      });
    }),
    http.get('*/api/ledger/events', ({ request }) => {
      if (!isAdmin(request)) return problem(401, 'Unauthorized');
      const url = new URL(request.url);
      const filter = filterOf(url);
      return HttpResponse.json(
        page(
          [...events].reverse().filter((entry) => matches(filter, entry)),
          url,
          50,
        ),
      );
    }),
    http.get('*/api/ledger/dead-letters', ({ request }) => {
      if (!isAdmin(request)) return problem(401, 'Unauthorized');
      const url = new URL(request.url);
      const status = url.searchParams.get('status');
      const list = [...deadLetters.values()]
        .filter((letter) => !status || letter.status === status)
        .sort((a, b) => b.deadAt.localeCompare(a.deadAt));
      return HttpResponse.json(page(list, url, 50));
    }),
    http.get('*/api/ledger/dead-letters/:id', ({ request, params }) => {
      if (!isAdmin(request)) return problem(401, 'Unauthorized');
      const letter = deadLetters.get(String(params.id));
      return letter ? HttpResponse.json(letter) : problem(404, 'Not Found', 'No such dead letter.');
    }),
    http.post('*/api/ledger/dead-letters/replay', async ({ request }) => {
      if (!isAdmin(request)) return problem(401, 'Unauthorized');
      const { ids } = (await request.json()) as { ids: string[] };
      if (!Array.isArray(ids) || ids.length < 1 || ids.length > 100)
        return problem(400, 'Bad Request', 'ids: 1 to 100 dead letter ids.');
      const found = ids.filter((id) => deadLetters.has(id));
      for (const id of found) replay(id);
      return HttpResponse.json(
        { replayed: found, notFound: ids.filter((id) => !found.includes(id)) },
        { status: 202 },
      );
    }),
    http.post('*/api/ledger/dead-letters/:id/replay', ({ request, params }) => {
      if (!isAdmin(request)) return problem(401, 'Unauthorized');
      const id = String(params.id);
      if (!deadLetters.has(id)) return problem(404, 'Not Found', 'No such dead letter.');
      return HttpResponse.json(replay(id), { status: 202 });
    }),
    http.delete('*/api/ledger/dead-letters/:id', ({ request, params }) => {
      if (!isAdmin(request)) return problem(401, 'Unauthorized');
      if (!deadLetters.delete(String(params.id))) return problem(404, 'Not Found', 'No such dead letter.');
      return new HttpResponse(null, { status: 204 });
    }),
  ];

  return {
    handlers,
    events,
    deadLetters,
    replayed,
    /** Records an event, as the ledger does on delivery, and sends it to every matching open stream. */
    record(entry: LedgerEvent) {
      events.push(entry);
      for (const stream of streams) if (matches(stream.filter, entry)) stream.send(entry);
    },
    /** How many live streams are open. */
    streaming: () => streams.size,
  };
}

export type FakeLedger = ReturnType<typeof createFakeLedger>;
