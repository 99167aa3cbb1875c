/**
 * @module The critical path of one order, stage by stage, from the OTel spans the stack exported while
 * that order alone was in flight (solo orders: one at a time, so every span in its window is its own
 * or background work). The path is walked back from the last span that ended before the order was
 * seen confirmed: a consumer span's cause is the producer span its event carries (the gap between is
 * the outbox relay, the mesh's ingress and journal and its dispatch); a producer span's is the span
 * that staged it; the payment provider's webhook starts a trace of its own, so its cause is the moment
 * the shopper paid, and that of paying the orders span that wrote awaiting-payment (the stream push).
 */
import type { CollectedSpan } from '../packages/kit/src/testing/otlp-collector.ts';
import { median, round } from './stats.ts';

/** A collected span with its times (OTLP/JSON gives nanoseconds since the epoch as strings). */
type TimedSpan = CollectedSpan & { startTimeUnixNano: string | number; endTimeUnixNano: string | number };

interface Span {
  label: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  start: number;
  end: number;
}

export interface OrderWindow {
  /** Epoch milliseconds. */
  postedAt: number;
  /** When the shopper paid (the payment step opened on its stream). */
  paidAt?: number;
  confirmedAt: number;
}

const ms = (nanos: string | number) => Number(BigInt(nanos) / 1000n) / 1000;

function spansOf(collected: CollectedSpan[], { postedAt, confirmedAt }: OrderWindow): Span[] {
  return (collected as TimedSpan[])
    .map((s) => ({
      label: `${s.service} ${s.name.replace(/^io\.stockflow\./, '')}`,
      traceId: s.traceId,
      spanId: s.spanId,
      parentSpanId: s.parentSpanId || undefined,
      start: ms(s.startTimeUnixNano),
      end: ms(s.endTimeUnixNano),
    }))
    .filter((s) => s.start >= postedAt && s.start <= confirmedAt);
}

/**
 * The service whose writes the order's stream pushes (orders' Firestore listener): the span that
 * wrote the status the shopper waited for is its latest one before the shopper saw it.
 */
const STREAM_SOURCE = 'orders';

/** The latest event the stream's source began to apply before `moment`. */
const latestOf = (spans: Span[], moment: number) =>
  spans
    .filter(
      (s) => s.label.startsWith(`${STREAM_SOURCE} `) && s.label.endsWith(' process') && s.start <= moment,
    )
    .reduce<Span | undefined>((a, b) => (!a || b.start > a.start ? b : a), undefined);

/**
 * Where a span's write became visible to the stream: no later than `moment` (the shopper saw it),
 * and no earlier than its last staged event (staged in the transaction that wrote the status).
 */
function written(spans: Span[], span: Span, moment: number): number {
  const staged = spans.filter((s) => s.parentSpanId === span.spanId && s.start <= moment);
  return staged.length ? Math.max(...staged.map((s) => s.start)) : Math.min(span.end, moment);
}

/** The stages of one order: [name, milliseconds], in order, summing to POST→confirmed. */
export function orderStages(collected: CollectedSpan[], window: OrderWindow): Array<[string, number]> {
  const spans = spansOf(collected, window);
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const last = latestOf(spans, window.confirmedAt);
  if (!last) return [];
  let span: Span = last;
  // Time from `until` on is accounted for; each span's stage is its part before that.
  let until = written(spans, last, window.confirmedAt);
  const stages: Array<[string, number]> = [
    ['commit, stream push: confirmed → shopper', window.confirmedAt - until],
  ];
  for (;;) {
    stages.unshift([span.label, until - span.start]);
    const parent = span.parentSpanId ? byId.get(span.parentSpanId) : undefined;
    if (parent?.label.endsWith(' publish')) {
      // An event staged in the parent's work: the hop is its commit, the outbox relay, the mesh and
      // its dispatch.
      const staging = byId.get(parent.parentSpanId ?? '');
      if (!staging) break;
      until = Math.min(parent.start, span.start);
      stages.unshift([
        `hop: ${parent.label.replace(/ publish$/, '')} → ${span.label.split(' ')[0]}`,
        span.start - until,
      ]);
      span = staging;
    } else if (parent) {
      // A call from the parent (web's proxy): the parent's part before it is the next stage.
      until = span.start;
      span = parent;
    } else if (window.paidAt !== undefined && span.start >= window.paidAt) {
      // The provider's webhook, a trace of its own: the shopper paid on seeing awaiting-payment.
      stages.unshift(['payment: shopper pays → provider webhook', span.start - window.paidAt]);
      const cause = latestOf(spans, window.paidAt);
      if (!cause) break;
      until = written(spans, cause, window.paidAt);
      stages.unshift(['commit, stream push: awaiting-payment → shopper', window.paidAt - until]);
      span = cause;
    } else {
      stages.unshift(['shopper → web', span.start - window.postedAt]);
      break;
    }
  }
  return stages;
}

/** The median of each stage over orders whose path has the most common shape. */
export function medianStages(paths: Array<Array<[string, number]>>): Array<{ stage: string; p50Ms: number }> {
  const shapes = new Map<string, Array<Array<[string, number]>>>();
  for (const path of paths) {
    const shape = path.map(([stage]) => stage).join('\n');
    shapes.set(shape, [...(shapes.get(shape) ?? []), path]);
  }
  const common = [...shapes.values()].reduce<Array<Array<[string, number]>>>(
    (a, b) => (b.length > a.length ? b : a),
    [],
  );
  if (!common.length) return [];
  return common[0]!.map(([stage], i) => ({ stage, p50Ms: round(median(common.map((p) => p[i]![1])), 1) }));
}
