import { describe, expect, it } from 'vitest';
import { childSpan, formatTraceparent, parseTraceparent } from './trace.ts';

describe('trace context', () => {
  it('starts a root span with a new trace id, and child spans in their parent trace', () => {
    const root = childSpan();
    expect(root.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(root.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(root.sampled).toBe(true);
    const child = childSpan({ ...root, sampled: false });
    expect(child.traceId).toBe(root.traceId);
    expect(child.spanId).not.toBe(root.spanId);
    expect(child.sampled).toBe(false);
  });

  it('draws distinct ids across many pool refills', () => {
    // 4 KiB of entropy holds 512 span ids: 5,000 spans refill it several times.
    const spans = Array.from({ length: 5_000 }, () => childSpan());
    expect(new Set(spans.map((s) => s.spanId)).size).toBe(spans.length);
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(spans.length);
    const wellFormed = (s: (typeof spans)[number]) =>
      /^[0-9a-f]{16}$/.test(s.spanId) && /^[0-9a-f]{32}$/.test(s.traceId);
    expect(spans.every(wellFormed)).toBe(true);
  });

  it('formats a traceparent that parses back to the same context', () => {
    const span = childSpan();
    expect(parseTraceparent(formatTraceparent(span))).toEqual(span);
    expect(parseTraceparent(`00-${'0'.repeat(32)}-${span.spanId}-01`)).toBeUndefined();
    expect(parseTraceparent('garbage')).toBeUndefined();
  });
});
