import { describe, expect, it } from 'vitest';
import { attributesFilter, passes, subscriptionsApiFilter, triggerFilter } from './filters.ts';
import { fromObjects, ManifestError } from './manifests.ts';

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

  it('refuses cesql, which this mesh does not evaluate, instead of passing every event', () => {
    expect(() => fromObjects(trigger([{ cesql: "type = 'a'" }]))).toThrow(/cesql filters are not supported/);
  });
});
