import type { EventRecord } from '@stockflow/kit';
import { describe, expect, it } from 'vitest';
import {
  deadLetterKey,
  decodeErrorData,
  MAX_ERROR_DATA,
  nextReplayMarker,
  readFailure,
  recordFailure,
  recordReplay,
  replayDeadline,
} from './records.ts';

const original: EventRecord = {
  specversion: '1.0',
  id: 'e1',
  source: '/orders',
  type: 'io.stockflow.order.placed',
  time: '2026-03-01T10:00:00.000Z',
  subject: 'o1',
  datacontenttype: 'application/json',
  data: { orderId: 'o1' },
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  knativearrivaltime: '2026-03-01T10:00:00.100Z',
};

const base64 = (text: string) => Buffer.from(text).toString('base64');
const MANAGER = { subject: 'test-manager', name: 'Test Manager' };

function deadLetter(extensions: Record<string, string>): EventRecord {
  return { ...original, ...extensions };
}

describe('reading a dead letter', () => {
  it("splits Knative's error extensions from the original event and decodes the answer", () => {
    const failure = readFailure(
      deadLetter({
        knativeerrordest: 'http://inventory.default.svc.cluster.local/events',
        knativeerrorcode: '500',
        knativeerrordata: base64('{"title":"Internal Server Error"}'),
      }),
    );
    expect(failure).toEqual({
      event: original,
      destination: 'http://inventory.default.svc.cluster.local/events',
      errorCode: 500,
      errorData: '{"title":"Internal Server Error"}',
      replay: '',
    });
  });

  it('keeps a failure without an answer (the destination was unreachable)', () => {
    const failure = readFailure(deadLetter({ knativeerrordest: 'http://x/events' }));
    expect(failure).toMatchObject({ errorCode: null, errorData: null, destination: 'http://x/events' });
    expect(readFailure(original).destination).toBeNull();
  });

  it('takes the replay marker off the event: the failure belongs to that replay', () => {
    const failure = readFailure(
      deadLetter({ knativeerrordest: 'd', stockflowreplay: '2026-03-02T00:00:00.000Z' }),
    );
    expect(failure.replay).toBe('2026-03-02T00:00:00.000Z');
    expect(failure.event).toEqual(original);
  });

  it('shows bytes that are not UTF-8 as base64, and bounds long answers', () => {
    const binary = Buffer.from([0xff, 0xfe, 0x00, 0x81]).toString('base64');
    expect(decodeErrorData(binary)).toBe(`base64:${binary}`);
    const long = decodeErrorData(base64('x'.repeat(MAX_ERROR_DATA + 100)));
    expect(long).toHaveLength(MAX_ERROR_DATA + 1);
    expect(long.endsWith('…')).toBe(true);
    expect(decodeErrorData(base64('héllo'))).toBe('héllo');
  });
});

describe('the dead letter of an event at a destination', () => {
  const t0 = new Date('2026-03-01T10:00:01.000Z');
  const t1 = new Date('2026-03-01T11:00:00.000Z');
  const first = readFailure(deadLetter({ knativeerrordest: 'd', knativeerrorcode: '500' }));

  it('is one per (source, id, destination)', () => {
    expect(deadLetterKey('/orders', 'e1', 'd')).toBe(deadLetterKey('/orders', 'e1', 'd'));
    expect(deadLetterKey('/orders', 'e1', 'd')).not.toBe(deadLetterKey('/orders', 'e1', 'other'));
    expect(deadLetterKey('/orders', 'e1', 'd')).not.toBe(deadLetterKey('/inventory', 'e1', 'd'));
    expect(deadLetterKey('/a', 'b/c', null)).not.toBe(deadLetterKey('/a/b', 'c', null));
  });

  it('is created dead by its first failure, and a redelivery of that failure is a duplicate', () => {
    const state = recordFailure(undefined, first, t0);
    expect(state).toMatchObject({ status: 'dead', failures: 1, replays: 0, errorCode: 500, firstDeadAt: t0 });
    expect(recordFailure(state as Exclude<typeof state, 'duplicate'>, first, t1)).toBe('duplicate');
  });

  it('is replayed with the original attributes and a growing marker, and reopened when a replay fails', () => {
    const dead = recordFailure(undefined, first, t0) as Exclude<
      ReturnType<typeof recordFailure>,
      'duplicate'
    >;
    const { state: replayed, event } = recordReplay(dead, t1, MANAGER);
    expect(replayed).toMatchObject({
      status: 'replayed',
      replays: 1,
      replayedAt: t1,
      replayedBy: MANAGER,
      lastReplay: t1.toISOString(),
    });
    const { knativearrivaltime: _arrival, ...sent } = original;
    expect(event).toEqual({ ...sent, stockflowreplay: t1.toISOString() });

    // The replay fails too: the dead letter is dead again, with the new answer.
    const again = readFailure({ ...event, knativeerrordest: 'd', knativeerrorcode: '503' });
    const reopened = recordFailure(replayed, again, t1);
    expect(reopened).toMatchObject({ status: 'dead', failures: 2, errorCode: 503, replays: 1 });
    // ... and that failure redelivered, or the original one arriving late, changes nothing.
    const state = reopened as Exclude<typeof reopened, 'duplicate'>;
    expect(recordFailure(state, again, t1)).toBe('duplicate');
    expect(recordFailure(state, first, t1)).toBe('duplicate');

    // A second replay at the same instant still gets a later marker.
    const second = recordReplay(state, t1, MANAGER);
    expect(String(second.event.stockflowreplay) > String(event.stockflowreplay)).toBe(true);
    expect(second.state.replays).toBe(2);
  });

  it('orders replay markers even when the clock is behind the newest one', () => {
    const ahead = '2026-03-01T12:00:00.000Z';
    expect(nextReplayMarker(new Date('2026-03-01T11:00:00.000Z'), ahead, '')).toBe(
      '2026-03-01T12:00:00.001Z',
    );
    expect(nextReplayMarker(new Date('2026-03-01T13:00:00.000Z'), ahead)).toBe('2026-03-01T13:00:00.000Z');
  });
});

describe('replayDeadline', () => {
  const DAY = 86_400_000;
  const event = (time?: string) =>
    ({ specversion: '1.0', id: 'e', source: '/orders', type: 't', time }) as EventRecord;

  it("is the dedupe retention after the event's time, or after its first death when that came first", () => {
    const firstDeadAt = new Date('2026-03-10T00:00:00Z');
    expect(
      replayDeadline({ event: event('2026-03-01T00:00:00Z'), firstDeadAt }, 30 * DAY).toISOString(),
    ).toBe('2026-03-31T00:00:00.000Z');
    // A time in the future (a clock ahead, or a lie) does not extend it.
    expect(
      replayDeadline({ event: event('2027-01-01T00:00:00Z'), firstDeadAt }, 30 * DAY).toISOString(),
    ).toBe('2026-04-09T00:00:00.000Z');
    expect(replayDeadline({ event: event(undefined), firstDeadAt }, 30 * DAY).toISOString()).toBe(
      '2026-04-09T00:00:00.000Z',
    );
  });
});
