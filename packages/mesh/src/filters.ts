/**
 * @module Trigger filters as knative/eventing `pkg/eventfilter` evaluates them: the legacy
 * `spec.filter.attributes` exact match and the SubscriptionsAPI dialects of `spec.filters` (exact,
 * prefix, suffix, all, any, not, cesql), with three results (pass, fail, no filter) and the
 * Trigger-level precedence of `pkg/broker/filter/filter_handler.go`. An event is delivered unless the
 * result is fail. Filters are built once per Trigger (or EventPolicy) and then only evaluated.
 */
import { type CesqlExpression, compileCesql } from './cesql/index.ts';
import type { SubscriptionsApiFilter, Trigger } from './manifests.ts';

export type FilterResult = 'pass' | 'fail' | 'none';
export type EventFilter = (attributes: Readonly<Record<string, string>>) => FilterResult;

// pkg/eventfilter/attributes `LookupAttribute`: the spec's context attributes are always "present"
// (the empty string when unset); an extension is present only when the event carries it.
const CONTEXT_ATTRIBUTES = new Set([
  'specversion',
  'type',
  'source',
  'subject',
  'id',
  'time',
  'dataschema',
  'schemaurl',
  'datacontenttype',
  'datamediatype',
  'datacontentencoding',
]);

export function lookupAttribute(
  attributes: Readonly<Record<string, string>>,
  name: string,
): string | undefined {
  if (name === 'schemaurl') return attributes.dataschema ?? '';
  if (name === 'datamediatype') return (attributes.datacontenttype ?? '').split(';')[0]!.trim();
  const value = attributes[name];
  if (value !== undefined) return value;
  return CONTEXT_ATTRIBUTES.has(name) ? '' : undefined;
}

/** `TriggerAnyFilter`: in `spec.filter.attributes`, the empty string means "any value, but set". */
const ANY = '';

/**
 * pkg/eventfilter/attributes `attributesFilter`: every key must match exactly (case-sensitive); a
 * missing attribute fails, and so does "any" (`""`) on an attribute the event left unset. An empty
 * map is no filter.
 */
export function attributesFilter(expected: Readonly<Record<string, string>>): EventFilter {
  const entries = Object.entries(expected);
  return function attributes(event) {
    if (!entries.length) return 'none';
    for (const [name, want] of entries) {
      const value = lookupAttribute(event, name);
      if (value === undefined || (want === ANY && value === '')) return 'fail';
      if (want !== ANY && want !== value) return 'fail';
    }
    return 'pass';
  };
}

function matchEach(map: Readonly<Record<string, string>>, test: (value: string, operand: string) => boolean) {
  const entries = Object.entries(map);
  return function match(event: Readonly<Record<string, string>>): FilterResult {
    for (const [name, operand] of entries) {
      const value = lookupAttribute(event, name);
      if (value === undefined || !test(value, operand)) return 'fail';
    }
    return 'pass';
  };
}

/** pkg/eventfilter/subscriptionsapi `allFilter`: the first fail fails; no filters is no filter. */
export function allFilter(filters: readonly EventFilter[]): EventFilter {
  if (filters.length === 1) return filters[0]!;
  return function all(event) {
    let result: FilterResult = 'none';
    for (const filter of filters) {
      const next = filter(event);
      if (next === 'fail') return 'fail';
      if (next === 'pass') result = 'pass';
    }
    return result;
  };
}

/** `anyFilter`: the first pass passes; otherwise fail if any failed, else no filter. */
export function anyFilter(filters: readonly EventFilter[]): EventFilter {
  return function any(event) {
    let result: FilterResult = 'none';
    for (const filter of filters) {
      const next = filter(event);
      if (next === 'pass') return 'pass';
      if (next === 'fail') result = 'fail';
    }
    return result;
  };
}

/** `notFilter`: pass and fail swap; no filter stays no filter. */
export function notFilter(inner: EventFilter): EventFilter {
  return function not(event) {
    const result = inner(event);
    return result === 'pass' ? 'fail' : result === 'fail' ? 'pass' : 'none';
  };
}

const compiledCesql = new Map<string, CesqlExpression>();

/**
 * A `cesql` expression parsed once per distinct text: the manifest loader checks it with this, and the
 * filter built afterwards reuses that parse. Throws a CesqlParseError, which makes the Trigger invalid
 * (Knative's webhook, `ValidateCESQLExpression`). AND/OR/XOR mixed without parentheses is refused too:
 * CESQL v1 groups them left to right, Knative's Go SDK right to left.
 */
export function compileCesqlFilter(expression: string): CesqlExpression {
  let compiled = compiledCesql.get(expression);
  if (!compiled) {
    compiled = compileCesql(expression, { refuseMixedLogic: true });
    compiledCesql.set(expression, compiled);
  }
  return compiled;
}

/**
 * pkg/eventfilter/subscriptionsapi `ceSQLFilter`: passes when the expression evaluates to true; false,
 * a value that is not a Boolean and any evaluation error (a missing attribute, a bad cast) fail.
 */
export function cesqlFilter(expression: string): EventFilter {
  const compiled = compileCesqlFilter(expression);
  return function cesql(event) {
    return compiled.matches(event) ? 'pass' : 'fail';
  };
}

/**
 * One SubscriptionsAPI filter (`MaterializeSubscriptionsAPIFilter`). The manifest loader has already
 * refused what Knative's webhook refuses (two dialects in one filter, empty values, bad keys, a CESQL
 * expression that does not parse).
 */
export function subscriptionsApiFilter(filter: SubscriptionsApiFilter): EventFilter {
  if (filter.exact) return matchEach(filter.exact, (value, operand) => value === operand);
  if (filter.prefix) return matchEach(filter.prefix, (value, operand) => value.startsWith(operand));
  if (filter.suffix) return matchEach(filter.suffix, (value, operand) => value.endsWith(operand));
  if (filter.all) return allFilter(filter.all.map(subscriptionsApiFilter));
  if (filter.any) return anyFilter(filter.any.map(subscriptionsApiFilter));
  if (filter.not) return notFilter(subscriptionsApiFilter(filter.not));
  if (filter.cesql) return cesqlFilter(filter.cesql);
  return () => 'none';
}

/**
 * A whole SubscriptionsAPI `filters` list, a Trigger's or an EventPolicy's `spec.filters`
 * (`CreateSubscriptionsAPIFilters`): an AND of its elements, no filter when empty. Build it once, then
 * per event `passes(filter, attributes)`. Throws a CesqlParseError for a `cesql` element that does not
 * parse, if the caller did not check the list (as the manifest loader does) already.
 */
export function subscriptionsApiFilters(filters: readonly SubscriptionsApiFilter[]): EventFilter {
  return filters.length ? allFilter(filters.map(subscriptionsApiFilter)) : () => 'none';
}

/**
 * A Trigger's filter (`filterEvent` in pkg/broker/filter): a non-empty `spec.filters` (an AND of its
 * elements) wins over `spec.filter`; `filters: []` does not count; no filter at all passes everything.
 */
export function triggerFilter(trigger: Pick<Trigger, 'filter' | 'filters'>): EventFilter {
  if (trigger.filters?.length) return subscriptionsApiFilters(trigger.filters);
  if (trigger.filter) return attributesFilter(trigger.filter.attributes ?? {});
  return () => 'none';
}

/** Whether the broker delivers an event to a Trigger: everything but an explicit fail. */
export const passes = (filter: EventFilter, attributes: Readonly<Record<string, string>>) =>
  filter(attributes) !== 'fail';
