/**
 * @module What the ledger keeps and shows, as pure functions: an event as recorded, a dead letter
 * read from Knative's error extensions, and the event a replay re-sends.
 */
import { createHash } from 'node:crypto';
import type { Actor } from '@stockflow/contracts';
import type { EventRecord } from '@stockflow/kit';

/** An event as the ledger lists it: `id` is the ledger's own key, `event` the CloudEvent as received. */
export interface LedgerEvent {
  id: string;
  recordedAt: string;
  event: EventRecord;
}

export type DeadLetterStatus = 'dead' | 'replayed';

/** An event Knative gave up delivering to one destination, and what became of it. */
export interface DeadLetterState {
  status: DeadLetterStatus;
  /** Where delivery failed (`knativeerrordest`), or null when Knative did not say. */
  destination: string | null;
  /** The destination's last HTTP status (`knativeerrorcode`), or null when it never answered. */
  errorCode: number | null;
  /** The destination's last answer (`knativeerrordata` decoded), bounded; null when there was none. */
  errorData: string | null;
  /** How many times delivery failed for good here: the first time and after each failed replay. */
  failures: number;
  firstDeadAt: Date;
  deadAt: Date;
  replays: number;
  replayedAt: Date | null;
  /** Who asked for the newest replay (null before the first). */
  replayedBy: Actor | null;
  /** The marker of the newest replay ('' before the first). */
  lastReplay: string;
  /** The marker of the replay whose failure is shown ('' for the original delivery). */
  failedReplay: string;
  /** The original event, without Knative's error extensions and the replay marker. */
  event: EventRecord;
}

/** A dead letter as the API shows it. */
export type DeadLetter = { id: string } & Omit<
  DeadLetterState,
  'firstDeadAt' | 'deadAt' | 'replayedAt' | 'lastReplay' | 'failedReplay'
> & { firstDeadAt: string; deadAt: string; replayedAt: string | null };

/** Knative's extensions on a dead letter (knative/eventing, dead-letter sink). */
export const ERROR_DESTINATION = 'knativeerrordest';
export const ERROR_CODE = 'knativeerrorcode';
export const ERROR_DATA = 'knativeerrordata';
/** Stamped by the broker's ingress: a re-sent event gets a new one. */
export const ARRIVAL_TIME = 'knativearrivaltime';
/** Marks an event the ledger re-sent: the time of the replay (ISO 8601), which orders replays. */
export const REPLAY_MARKER = 'stockflowreplay';

/** The longest error text kept; Knative already bounds what it sends. */
export const MAX_ERROR_DATA = 4096;

/** A dead letter as it arrived: the original event, and why delivery failed. */
export interface Failure {
  event: EventRecord;
  destination: string | null;
  errorCode: number | null;
  errorData: string | null;
  /** The replay that failed ('' for the original delivery). */
  replay: string;
}

/** Splits a dead-lettered CloudEvent into the original event and Knative's account of the failure. */
export function readFailure(received: EventRecord): Failure {
  const {
    [ERROR_DESTINATION]: destination,
    [ERROR_CODE]: code,
    [ERROR_DATA]: data,
    [REPLAY_MARKER]: replay,
    ...event
  } = received;
  const errorCode = Number.parseInt(String(code ?? ''), 10);
  return {
    event: event as EventRecord,
    destination: typeof destination === 'string' && destination ? destination : null,
    errorCode: Number.isInteger(errorCode) ? errorCode : null,
    errorData: typeof data === 'string' && data ? decodeErrorData(data) : null,
    replay: typeof replay === 'string' ? replay : '',
  };
}

/**
 * The text of `knativeerrordata` (base64 of the destination's answer). Bytes that are not UTF-8 are
 * shown as base64, marked so; the text is cut at MAX_ERROR_DATA characters.
 */
export function decodeErrorData(base64: string): string {
  const bytes = Buffer.from(base64, 'base64');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = `base64:${base64}`;
  }
  return text.length > MAX_ERROR_DATA ? `${text.slice(0, MAX_ERROR_DATA)}…` : text;
}

/**
 * The event a replay sends: the original id, source, type, subject, data and extensions (so
 * consumers' deduplication recognises it), without what the broker stamps on arrival, plus the
 * replay marker.
 */
export function replayOf(event: EventRecord, marker: string): EventRecord {
  const { [ARRIVAL_TIME]: _arrival, [REPLAY_MARKER]: _previous, ...original } = event;
  return { ...original, [REPLAY_MARKER]: marker } as EventRecord;
}

/**
 * The last moment a dead letter may be replayed: its event's consumers keep their dedupe record of it
 * for `dedupeRetentionMs` from when they applied it, which is no earlier than the event's `time` or,
 * without one, than when it first died. After that a replay could be applied a second time.
 */
export function replayDeadline(
  state: Pick<DeadLetterState, 'event' | 'firstDeadAt'>,
  dedupeRetentionMs: number,
): Date {
  const sent = Date.parse(String(state.event.time ?? ''));
  const earliest = Number.isFinite(sent)
    ? Math.min(sent, state.firstDeadAt.getTime())
    : state.firstDeadAt.getTime();
  return new Date(earliest + dedupeRetentionMs);
}

/**
 * The marker of a new replay: now, or just after the newest marker already used, so that markers of
 * one dead letter only grow even when clocks disagree.
 */
export function nextReplayMarker(now: Date, ...used: string[]): string {
  const newest = Math.max(0, ...used.map((marker) => Date.parse(marker)).filter(Number.isFinite));
  return new Date(Math.max(now.getTime(), newest + 1)).toISOString();
}

/**
 * A dead letter's key: one per event (source, id) and destination, so a redelivered dead letter is
 * not doubled but an event that failed at two destinations is two dead letters.
 */
export function deadLetterKey(source: string, id: string, destination: string | null): string {
  return createHash('sha256')
    .update(JSON.stringify([source, id, destination ?? '']))
    .digest('hex');
}

/**
 * The dead letter after a failure arrives, or 'duplicate' when it is one already kept: Knative
 * redelivered it, or it is older than the failure shown. A failure after a replay reopens it.
 */
export function recordFailure(
  current: DeadLetterState | undefined,
  failure: Failure,
  now: Date,
): DeadLetterState | 'duplicate' {
  if (!current) {
    return {
      status: 'dead',
      destination: failure.destination,
      errorCode: failure.errorCode,
      errorData: failure.errorData,
      failures: 1,
      firstDeadAt: now,
      deadAt: now,
      replays: 0,
      replayedAt: null,
      replayedBy: null,
      lastReplay: '',
      failedReplay: failure.replay,
      event: failure.event,
    };
  }
  // Markers are ISO times of one format: they order as strings, and '' (no replay) comes first.
  if (failure.replay <= current.failedReplay) return 'duplicate';
  return {
    ...current,
    status: 'dead',
    errorCode: failure.errorCode,
    errorData: failure.errorData,
    failures: current.failures + 1,
    deadAt: now,
    failedReplay: failure.replay,
  };
}

/** A replay of a dead letter: its new state and the event to send again. */
export function recordReplay(
  current: DeadLetterState,
  now: Date,
  by: Actor,
): { state: DeadLetterState; event: EventRecord } {
  const marker = nextReplayMarker(now, current.lastReplay, current.failedReplay);
  return {
    state: {
      ...current,
      status: 'replayed',
      replays: current.replays + 1,
      replayedAt: now,
      replayedBy: by,
      lastReplay: marker,
    },
    event: replayOf(current.event, marker),
  };
}
