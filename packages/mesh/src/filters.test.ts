import { createLogger } from '@stockflow/kit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  attributesFilter,
  passes,
  subscriptionsApiFilter,
  subscriptionsApiFilters,
  triggerFilter,
} from './filters.ts';
import { fromObjects, ManifestError } from './manifests.ts';
import { startMesh } from './mesh.ts';
import { startSubscriber } from './testing.ts';

const event = {
  specversion: '1.0',
  id: 'e-1',
  source: '/inventory',
  type: 'io.stockflow.stock.reserved',
  subject: 'order-7',
  datacontenttype: 'application/json; charset=utf-8',
  region: 'eu',
};
const noSubject = { specversion: '1.0', id: 'e-2', source: '/orders', type: 'io.stockflow.order.placed' };

describe('spec.filter.attributes (knative/eventing pkg/eventfilter/attributes/filter.go)', () => {
  it('passes when every attribute and extension matches exactly', () => {
    expect(attributesFilter({ type: 'io.stockflow.stock.reserved', region: 'eu' })(event)).toBe('pass');
  });

  it('is case-sensitive and fails on any other value', () => {
    expect(attributesFilter({ type: 'io.stockflow.stock.Reserved' })(event)).toBe('fail');
    expect(attributesFilter({ region: 'EU' })(event)).toBe('fail');
  });

  it('fails when an extension is missing from the event', () => {
    expect(attributesFilter({ tenant: 'a' })(event)).toBe('fail');
  });

  it('reads "" as any value, but only of an attribute the event sets (TriggerAnyFilter)', () => {
    expect(attributesFilter({ subject: '' })(event)).toBe('pass');
    expect(attributesFilter({ subject: '' })(noSubject)).toBe('fail');
    expect(attributesFilter({ region: '' })(noSubject)).toBe('fail');
  });

  it('looks up datamediatype as the content type without parameters (LookupAttribute)', () => {
    expect(attributesFilter({ datamediatype: 'application/json' })(event)).toBe('pass');
  });

  it('is no filter when the map is empty', () => {
    expect(attributesFilter({})(event)).toBe('none');
  });
});

describe('spec.filters dialects (pkg/eventfilter/subscriptionsapi)', () => {
  it('exact: every key of the map must equal (exact_filter.go, an AND over the keys)', () => {
    expect(subscriptionsApiFilter({ exact: { type: event.type, source: '/inventory' } })(event)).toBe('pass');
    expect(subscriptionsApiFilter({ exact: { type: event.type, source: '/orders' } })(event)).toBe('fail');
    expect(subscriptionsApiFilter({ exact: { region: 'eu' } })(noSubject)).toBe('fail');
  });

  it('prefix: the value starts with the operand; a missing attribute fails (prefix_filter.go)', () => {
    expect(subscriptionsApiFilter({ prefix: { type: 'io.stockflow.stock.' } })(event)).toBe('pass');
    expect(subscriptionsApiFilter({ prefix: { type: 'io.stockflow.order.' } })(event)).toBe('fail');
    expect(subscriptionsApiFilter({ prefix: { type: 'IO.' } })(event)).toBe('fail');
    expect(subscriptionsApiFilter({ prefix: { region: 'e' } })(noSubject)).toBe('fail');
    expect(subscriptionsApiFilter({ prefix: { subject: 'order-' } })(noSubject)).toBe('fail');
  });

  it('suffix: the value ends with the operand (suffix_filter.go)', () => {
    expect(subscriptionsApiFilter({ suffix: { type: '.reserved' } })(event)).toBe('pass');
    expect(subscriptionsApiFilter({ suffix: { type: '.rejected' } })(event)).toBe('fail');
  });

  it('all: fails on the first failing filter, passes when all pass (all_filter.go)', () => {
    const all = (...filters: object[]) => subscriptionsApiFilter({ all: filters });
    expect(all({ prefix: { type: 'io.stockflow.' } }, { exact: { region: 'eu' } })(event)).toBe('pass');
    expect(all({ prefix: { type: 'io.stockflow.' } }, { exact: { region: 'us' } })(event)).toBe('fail');
    expect(all()(event)).toBe('none');
  });

  it('any: passes on the first passing filter, fails only when one failed and none passed (any_filter.go)', () => {
    const any = (...filters: object[]) => subscriptionsApiFilter({ any: filters });
    expect(any({ exact: { region: 'us' } }, { suffix: { type: '.reserved' } })(event)).toBe('pass');
    expect(any({ exact: { region: 'us' } }, { suffix: { type: '.rejected' } })(event)).toBe('fail');
    expect(any()(event)).toBe('none');
  });

  it('not: swaps pass and fail, keeps no filter (not_filter.go)', () => {
    expect(subscriptionsApiFilter({ not: { exact: { region: 'us' } } })(event)).toBe('pass');
    expect(subscriptionsApiFilter({ not: { exact: { region: 'eu' } } })(event)).toBe('fail');
    expect(subscriptionsApiFilter({ not: { all: [] } })(event)).toBe('none');
  });

  it('nests: not(any(...)) inside all(...)', () => {
    const filter = subscriptionsApiFilter({
      all: [
        { prefix: { type: 'io.stockflow.' } },
        { not: { any: [{ suffix: { type: '.rejected' } }, { exact: { region: 'us' } }] } },
      ],
    });
    expect(filter(event)).toBe('pass');
    expect(filter({ ...event, region: 'us' })).toBe('fail');
  });
});

describe('the cesql dialect (pkg/eventfilter/subscriptionsapi/cesql_filter.go)', () => {
  it('passes when the expression is true and fails when it is false', () => {
    expect(
      subscriptionsApiFilter({ cesql: "type LIKE 'io.stockflow.stock.%' AND region = 'eu'" })(event),
    ).toBe('pass');
    expect(subscriptionsApiFilter({ cesql: "region IN ('us', 'ap')" })(event)).toBe('fail');
  });

  it('fails on an evaluation error, such as a missing attribute, and on a value that is not a Boolean', () => {
    expect(subscriptionsApiFilter({ cesql: "tenant = 'a'" })(event)).toBe('fail');
    expect(subscriptionsApiFilter({ cesql: "NOT (tenant = 'a')" })(event)).toBe('fail');
    expect(subscriptionsApiFilter({ cesql: "subject = ''" })(noSubject)).toBe('fail');
    expect(subscriptionsApiFilter({ cesql: 'INT(region) > 0' })(event)).toBe('fail');
    expect(subscriptionsApiFilter({ cesql: 'LENGTH(type)' })(event)).toBe('fail');
  });

  it('reads attributes as the Go SDK does: an unset optional attribute does not exist', () => {
    expect(subscriptionsApiFilter({ cesql: 'EXISTS subject' })(event)).toBe('pass');
    expect(subscriptionsApiFilter({ cesql: 'EXISTS subject' })(noSubject)).toBe('fail');
    expect(subscriptionsApiFilter({ cesql: 'EXISTS id AND NOT EXISTS region' })(noSubject)).toBe('pass');
  });

  it('combines with the other dialects: not(cesql) passes when the expression fails', () => {
    expect(subscriptionsApiFilter({ not: { cesql: "tenant = 'a'" } })(event)).toBe('pass');
    const filter = subscriptionsApiFilter({
      any: [{ exact: { region: 'us' } }, { cesql: "subject LIKE 'order-%'" }],
    });
    expect(filter(event)).toBe('pass');
    expect(filter(noSubject)).toBe('fail');
  });
});

describe('a whole filters list, as an EventPolicy spec.filters (CreateSubscriptionsAPIFilters)', () => {
  const replayOnly = subscriptionsApiFilters([
    { cesql: 'EXISTS stockflowreplay' },
    { prefix: { type: 'io.stockflow.' } },
  ]);

  it('is an AND of its elements, built once and evaluated per event', () => {
    expect(passes(replayOnly, { ...event, stockflowreplay: 'dl-1' })).toBe(true);
    expect(passes(replayOnly, event)).toBe(false);
    expect(passes(replayOnly, { ...noSubject, type: 'other', stockflowreplay: 'dl-1' })).toBe(false);
  });

  it('is no filter when empty, so every event passes', () => {
    expect(subscriptionsApiFilters([])(event)).toBe('none');
    expect(passes(subscriptionsApiFilters([]), noSubject)).toBe(true);
  });
});

describe('trigger filter precedence (pkg/broker/filter/filter_handler.go filterEvent)', () => {
  it('a non-empty spec.filters overrides spec.filter', () => {
    const filter = triggerFilter({
      filter: { attributes: { type: 'something.else' } },
      filters: [{ exact: { type: event.type } }],
    });
    expect(passes(filter, event)).toBe(true);
  });

  it('filters: [] does not count: spec.filter applies', () => {
    const filter = triggerFilter({ filter: { attributes: { type: 'something.else' } }, filters: [] });
    expect(passes(filter, event)).toBe(false);
  });

  it('spec.filters elements are ANDed', () => {
    const filter = triggerFilter({
      filters: [{ prefix: { type: 'io.stockflow.' } }, { exact: { region: 'us' } }],
    });
    expect(passes(filter, event)).toBe(false);
  });

  it('no filter at all delivers every event', () => {
    expect(passes(triggerFilter({}), noSubject)).toBe(true);
  });
});

describe('filters Knative refuses at admission (TriggerSpec validation)', () => {
  const trigger = (filters: unknown[]) => [
    { apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', metadata: { name: 'default' } },
    {
      apiVersion: 'eventing.knative.dev/v1',
      kind: 'Trigger',
      metadata: { name: 't' },
      spec: { broker: 'default', filters, subscriber: { uri: 'http://127.0.0.1:1/' } },
    },
  ];

  it('refuses two dialects in one filter element', () => {
    expect(() => fromObjects(trigger([{ exact: { type: 'a' }, suffix: { source: 'b' } }]))).toThrow(
      /exactly one dialect/,
    );
  });

  it('refuses attribute names that are not lowercase alphanumeric, and empty values', () => {
    expect(() => fromObjects(trigger([{ exact: { Type: 'a' } }]))).toThrow(ManifestError);
    expect(() => fromObjects(trigger([{ prefix: { type: '' } }]))).toThrow(/may not be empty/);
  });

  it('refuses a cesql expression that does not parse, naming the field, the expression and the column', () => {
    expect(() => fromObjects(trigger([{ cesql: "type = 'a" }]))).toThrow(
      /Trigger t \(inline\): spec\.filters\.0\.cesql: invalid CESQL expression "type = 'a": CESQL parse error at column 8/,
    );
    expect(() => fromObjects(trigger([{ all: [{ not: { cesql: 'type LIKE 5' } }] }]))).toThrow(
      /spec\.filters\.0\.all\.0\.not\.cesql: invalid CESQL expression/,
    );
    expect(() => fromObjects(trigger([{ cesql: '' }]))).toThrow(ManifestError);
  });

  it('refuses AND and OR mixed without parentheses, which Knative groups right to left', () => {
    expect(() => fromObjects(trigger([{ cesql: "type = 'a' AND source = 'b' OR source = 'c'" }]))).toThrow(
      /AND and OR are mixed without parentheses/,
    );
    expect(
      fromObjects(trigger([{ cesql: "type = 'a' AND (source = 'b' OR source = 'c')" }])).triggers,
    ).toHaveLength(1);
  });
});

describe('a cesql Trigger through the mesh (real HTTP)', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const close of cleanup.splice(0).reverse()) await close();
  });
  const log = createLogger({ service: 'mesh', level: 'silent' });
  const objects = (cesql: string, uri: string) => [
    { apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', metadata: { name: 'default' } },
    {
      apiVersion: 'eventing.knative.dev/v1',
      kind: 'Trigger',
      metadata: { name: 'big-orders' },
      spec: { broker: 'default', filters: [{ cesql }], subscriber: { uri } },
    },
  ];
  const send = (url: string, id: string, headers: Record<string, string>) =>
    fetch(url, {
      method: 'POST',
      headers: {
        'ce-specversion': '1.0',
        'ce-id': id,
        'ce-source': '/orders',
        'ce-type': 'io.stockflow.order.placed',
        'content-type': 'application/json',
        ...headers,
      },
      body: '{}',
    });

  it('delivers only the events whose expression is true', async () => {
    const sub = await startSubscriber();
    cleanup.push(() => sub.close());
    const mesh = await startMesh({
      objects: objects(
        "type LIKE '%.order.placed' AND INT(quantity) >= 10 AND region IN ('eu', 'uk')",
        sub.url,
      ),
      log,
    });
    cleanup.push(() => mesh.stop(0));
    const answers = await Promise.all([
      send(mesh.ingressUrl(), 'small', { 'ce-quantity': '3', 'ce-region': 'eu' }),
      send(mesh.ingressUrl(), 'big-eu', { 'ce-quantity': '12', 'ce-region': 'eu' }),
      send(mesh.ingressUrl(), 'big-us', { 'ce-quantity': '12', 'ce-region': 'us' }),
      send(mesh.ingressUrl(), 'no-quantity', { 'ce-region': 'uk' }),
      send(mesh.ingressUrl(), 'bad-quantity', { 'ce-quantity': 'many', 'ce-region': 'uk' }),
      send(mesh.ingressUrl(), 'big-uk', { 'ce-quantity': '10', 'ce-region': 'uk' }),
    ]);
    expect(answers.map((res) => res.status)).toEqual([202, 202, 202, 202, 202, 202]);
    await sub.waitFor(2);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sub.requests.map((r) => r.headers['ce-id']).sort()).toEqual(['big-eu', 'big-uk']);
  });

  it('refuses to start with a Trigger whose expression does not parse', async () => {
    await expect(
      startMesh({ objects: objects("type = 'a' AND", 'http://127.0.0.1:1/'), log }),
    ).rejects.toThrow(/Trigger big-orders \(inline\): spec\.filters\.0\.cesql: invalid CESQL expression/);
  });
});
