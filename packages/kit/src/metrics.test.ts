import { afterEach, describe, expect, it } from 'vitest';
import { defineFunction } from './app.ts';
import { counterFunction } from './testing/counter-function.ts';
import { cloudEventRequest, metricValue, startFakeSink, testEnv } from './testing/index.ts';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

describe('/metrics', () => {
  it('counts requests by route pattern, events by outcome and outbox deliveries', async () => {
    const sink = await startFakeSink();
    const fn = counterFunction.create({ env: testEnv('metrics', { K_SINK: sink.url }) });
    cleanup.push(async () => {
      await fn.rt.outbox.drain(1_000);
      await fn.rt.close();
      await sink.close();
    });
    await fn.app.request('/counters/nope');
    await fn.app.request('/counters/nope');
    const event = cloudEventRequest({
      id: 'm1',
      type: 'test.counter.increment',
      data: { counter: 'c', by: 1 },
    });
    expect((await fn.app.request('/events', event)).status).toBe(202);
    await sink.waitFor(1);

    const res = await fn.app.request('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(
      metricValue(text, 'stockflow_http_requests_total', {
        route: '/counters/:id',
        status: '404',
        service: 'counter',
      }),
    ).toBe(2);
    expect(metricValue(text, 'stockflow_http_requests_total', { route: '/events', status: '202' })).toBe(1);
    expect(
      metricValue(text, 'stockflow_events_handled_total', {
        type: 'test.counter.increment',
        outcome: 'applied',
      }),
    ).toBe(1);
    await expect
      .poll(async () =>
        // A type neither Stockflow's nor consumed here: one label for all such.
        metricValue(await (await fn.app.request('/metrics')).text(), 'stockflow_outbox_published_total', {
          type: 'other',
        }),
      )
      .toBe(1);
    // A duplicate and a bad event are counted by their outcome.
    expect((await fn.app.request('/events', event)).status).toBe(202);
    const bad = cloudEventRequest({ type: 'test.unknown', data: {} });
    expect((await fn.app.request('/events', bad)).status).toBe(400);
    const after = await (await fn.app.request('/metrics')).text();
    expect(
      metricValue(after, 'stockflow_events_handled_total', {
        type: 'test.counter.increment',
        outcome: 'duplicate',
      }),
    ).toBe(1);
    expect(metricValue(after, 'stockflow_events_handled_total', { type: 'other', outcome: 'rejected' })).toBe(
      1,
    );
    expect(text).toContain('stockflow_outbox_pending');
    expect(text).toContain('process_cpu_seconds_total');
  });

  it('hides the public function metrics from requests that came through a proxy', async () => {
    const publicFunction = defineFunction({ name: 'edge', public: true });
    const fn = publicFunction.create({ env: testEnv('metrics') });
    cleanup.push(() => fn.rt.close());
    expect((await fn.app.request('/metrics')).status).toBe(200);
    const proxied = await fn.app.request('/metrics', { headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(proxied.status).toBe(404);
    expect(proxied.headers.get('content-type')).toBe('application/problem+json');
    expect((await fn.app.request('/metrics', { headers: { forwarded: 'for=203.0.113.9' } })).status).toBe(
      404,
    );
    // A function the ingress does not reach answers its scraper whatever the headers.
    const internal = counterFunction.create({ env: testEnv('metrics') });
    cleanup.push(() => internal.rt.close());
    expect(
      (await internal.app.request('/metrics', { headers: { 'x-forwarded-for': '10.0.0.1' } })).status,
    ).toBe(200);
  });

  it('counts what waits for a person at each scrape, and never opens the database to do it', async () => {
    const waiting = defineFunction({
      name: 'waiting',
      services(rt) {
        rt.countUnresolved('things', (db) => db.collection('things').where('stuck', '==', true));
        return {};
      },
    });
    const fn = waiting.create({ env: testEnv('metrics') });
    cleanup.push(() => fn.rt.close());
    const scrape = async () =>
      metricValue(await (await fn.app.request('/metrics')).text(), 'stockflow_unresolved_items', {
        item: 'things',
      });
    expect(await scrape()).toBeUndefined();
    expect(fn.rt.dbLoaded).toBe(false);
    const db = await fn.rt.db();
    await Promise.all([
      db.collection('things').add({ stuck: true }),
      db.collection('things').add({ stuck: true }),
      db.collection('things').add({ stuck: false }),
    ]);
    expect(await scrape()).toBe(2);
  });
});
