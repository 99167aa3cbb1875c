/**
 * @module PromQL checked against the code, offline: an expression is parsed with Prometheus's own
 * grammar (@prometheus-io/lezer-promql, what Prometheus's web UI parses with), and every series it
 * selects must be a metric the kit defines (prom-client's registry, read from `createMetrics`), with
 * labels that metric has (or the scrape adds) and, where the code lists them, values it can take.
 * Two mistakes the grammar allows are refused too: a counter read without `rate()`/`increase()`, and
 * `rate()`/`increase()` of something that is not a range.
 */
import type { SyntaxNode } from '@lezer/common';
import { parser } from '@prometheus-io/lezer-promql';
import { createMetrics } from '../../packages/kit/src/metrics.ts';

export interface MetricInfo {
  type: string;
  labels: readonly string[];
}

/** Labels every series carries besides its own: the kit's default label and what the scrape adds. */
export const SCRAPE_LABELS = [
  'service',
  'namespace',
  'pod',
  'container',
  'revision',
  'job',
  'instance',
  'cluster',
  'location',
  'project_id',
];

/** Every metric a function serves at /metrics, by series name (a histogram's `_bucket`, `_sum`, `_count`). */
export function definedSeries(): Map<string, MetricInfo> {
  const series = new Map<string, MetricInfo>();
  for (const metric of createMetrics('promql-check').registry.getMetricsAsArray()) {
    const { name, type, labelNames } = metric as unknown as {
      name: string;
      type: string;
      labelNames: string[];
    };
    if (type === 'histogram') {
      series.set(`${name}_bucket`, { type: 'counter', labels: [...labelNames, 'le'] });
      series.set(`${name}_sum`, { type: 'counter', labels: labelNames });
      series.set(`${name}_count`, { type: 'counter', labels: labelNames });
    } else series.set(name, { type, labels: labelNames });
  }
  return series;
}

/**
 * The values a label of a metric may take, where the code lists them: `metric` → `label` → values;
 * `*` for a label every metric carries (`service`).
 */
export type KnownValues = Record<string, Record<string, readonly string[]>>;

const text = (expr: string, node: SyntaxNode) => expr.slice(node.from, node.to);
const childrenOf = (node: SyntaxNode) => {
  const out: SyntaxNode[] = [];
  for (let child = node.firstChild; child; child = child.nextSibling) out.push(child);
  return out;
};
const unquote = (literal: string) => literal.slice(1, -1);

/**
 * Whether a selector is an operand of `unless` (at any depth): `x unless (x offset 10m)` reads a
 * counter raw on purpose, to find series that appeared (whose first increment `increase()` misses).
 */
function inUnless(node: SyntaxNode): boolean {
  for (let up = node.parent; up; up = up.parent) {
    if (up.name === 'BinaryExpr' && childrenOf(up).some((child) => child.name === 'Unless')) return true;
  }
  return false;
}

/**
 * The labels an expression's result keeps when it aggregates `by (...)`: those every `by` list
 * names (undefined when nothing aggregates by a list, e.g. no aggregation or `without`).
 */
export function aggregatedLabels(expr: string): string[] | undefined {
  const lists: string[][] = [];
  parser.parse(expr).iterate({
    enter(ref) {
      if (ref.name !== 'AggregateModifier') return;
      const node = ref.node;
      if (!childrenOf(node).some((child) => child.name === 'By')) return;
      const grouping = childrenOf(node).find((child) => child.name === 'GroupingLabels');
      lists.push(grouping ? childrenOf(grouping).map((label) => text(expr, label)) : []);
    },
  });
  if (lists.length === 0) return undefined;
  return lists.reduce((kept, list) => kept.filter((label) => list.includes(label)));
}

/** What is wrong with `expr` against the metrics (`series`) and label values (`known`): none is fine. */
export function promqlProblems(
  expr: string,
  series: Map<string, MetricInfo>,
  known: KnownValues = {},
): string[] {
  const problems: string[] = [];
  const tree = parser.parse(expr);
  const metricsUsed: string[] = [];
  const grouping: string[] = [];
  tree.iterate({
    enter(ref) {
      const node = ref.node;
      if (ref.type.isError) {
        problems.push(
          `syntax error at ${node.from}: …${expr.slice(Math.max(0, node.from - 20), node.from + 10)}…`,
        );
        return;
      }
      switch (ref.name) {
        case 'VectorSelector': {
          const identifier = childrenOf(node).find((child) => child.name === 'Identifier');
          if (!identifier) {
            problems.push(`a selector without a metric name: ${text(expr, node)}`);
            return false;
          }
          const metric = text(expr, identifier);
          metricsUsed.push(metric);
          const info = series.get(metric);
          if (!info) {
            problems.push(`${metric} is not a metric the code defines`);
            return false;
          }
          if (info.type === 'counter' && node.parent?.name !== 'MatrixSelector' && !inUnless(node)) {
            problems.push(`${metric} is a counter: read it with rate() or increase() over a range`);
          }
          const matchers = childrenOf(node).find((child) => child.name === 'LabelMatchers');
          for (const matcher of matchers ? childrenOf(matchers) : []) {
            const [label, op, value] = childrenOf(matcher);
            if (!label || !op || !value) continue;
            const name = text(expr, label);
            if (!info.labels.includes(name) && !SCRAPE_LABELS.includes(name)) {
              problems.push(`${metric} has no label ${name}`);
              continue;
            }
            const values = known[metric]?.[name] ?? known['*']?.[name];
            const literal = unquote(text(expr, value));
            const exact = text(expr, op) === '=' || text(expr, op) === '!=';
            if (values && exact && !values.includes(literal)) {
              problems.push(`${metric}{${name}} is never "${literal}" (it is one of ${values.join(', ')})`);
            }
          }
          return false;
        }
        case 'FunctionCall': {
          const fn = childrenOf(node).find((child) => child.name === 'FunctionIdentifier');
          const body = childrenOf(node).find((child) => child.name === 'FunctionCallBody');
          const name = fn ? text(expr, fn) : '';
          if ((name === 'rate' || name === 'increase') && body) {
            const args = childrenOf(body);
            if (args.length !== 1 || args[0]!.name !== 'MatrixSelector') {
              problems.push(`${name}() needs a range selector, got ${text(expr, body)}`);
            }
          }
          return;
        }
        case 'GroupingLabels':
          for (const label of childrenOf(node))
            if (label.name === 'LabelName') grouping.push(text(expr, label));
          return false;
      }
      return;
    },
  });
  for (const label of grouping) {
    const carried = metricsUsed.some((metric) => series.get(metric)?.labels.includes(label));
    if (!carried && !SCRAPE_LABELS.includes(label)) {
      problems.push(`grouping by ${label}, which none of ${[...new Set(metricsUsed)].join(', ')} has`);
    }
  }
  return problems;
}
