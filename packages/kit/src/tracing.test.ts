import { afterEach, describe, expect, it } from 'vitest';
import { counterFunction } from './testing/counter-function.ts';
import { asStaff, cloudEventRequest, startFakeSink, startOtlpCollector, testEnv } from './testing/index.ts';

const MANAGER = await asStaff('counter', 'manager');

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

describe('OpenTelemetry traces', () => {
  it('exports one trace from an HTTP request through the event it emits to the function that consumes it', async () => {
    const collector = await startOtlpCollector();
    const sink = await startFakeSink();
    cleanup.push(
      () => collector.close(),
      () => sink.close(),
    );
    const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, K_SINK: sink.url };
    const producer = counterFunction.create({ env: testEnv('trace', otel) });
    const consumer = counterFunction.create({ env: testEnv('trace', otel) });
    for (const fn of [producer, consumer]) {
      await fn.rt.tracing.start();
      cleanup.push(async () => {
        await fn.rt.outbox.drain(1_000);
        await fn.rt.close();
      });
    }

    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const res = await producer.app.request('/counters', {
      method: 'POST',
      headers: {
        ...MANAGER,
        'content-type': 'application/json',
        traceparent: `00-${traceId}-b7ad6b7169203331-01`,
      },
      body: JSON.stringify({ counter: 'c1', by: 1 }),
    });
    expect(res.status).toBe(201);
    const [emitted] = await sink.waitFor(1);
    const carried = String(emitted!.traceparent).split('-');
    expect(carried[1]).toBe(traceId);

    // The consumer gets the event as the broker delivers it: the extension plus the hop's header.
    const delivery = cloudEventRequest({
      id: emitted!.id,
      source: emitted!.source,
      type: 'test.counter.increment',
      data: { counter: 'c2', by: 1 },
      extensions: { traceparent: String(emitted!.traceparent) },
    });
    expect((await consumer.app.request('/events', delivery)).status).toBe(202);

    await producer.rt.tracing.shutdown();
    await consumer.rt.tracing.shutdown();
    const inTrace = collector.spans.filter((s) => s.traceId === traceId);
    const server = inTrace.find((s) => s.name === 'POST /counters');
    const publish = inTrace.find((s) => s.name === 'test.counter.incremented publish');
    const process = inTrace.find((s) => s.name === 'test.counter.increment process');
    expect(server?.parentSpanId).toBe('b7ad6b7169203331');
    expect(publish?.parentSpanId).toBe(server?.spanId);
    // The event's traceparent names the producer span; the consumer's span is its child.
    expect(carried[2]).toBe(publish?.spanId);
    expect(process?.parentSpanId).toBe(publish?.spanId);
    expect(new Set(inTrace.map((s) => s.service))).toEqual(new Set(['counter']));
  });

  it('loads no tracing SDK and exports nothing without an endpoint, but still carries the trace', async () => {
    const sink = await startFakeSink();
    const fn = counterFunction.create({ env: testEnv('trace', { K_SINK: sink.url }) });
    cleanup.push(
      () => sink.close(),
      async () => {
        await fn.rt.outbox.drain(1_000);
        await fn.rt.close();
      },
    );
    expect(fn.rt.tracing.enabled).toBe(false);
    await fn.rt.tracing.start();
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await fn.app.request('/counters', {
      method: 'POST',
      headers: {
        ...MANAGER,
        'content-type': 'application/json',
        traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
      },
      body: JSON.stringify({ counter: 'c1', by: 1 }),
    });
    const [event] = await sink.waitFor(1);
    expect(String(event!.traceparent)).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
  });
});
