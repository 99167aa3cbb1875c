/**
 * The alert rules, offline: Managed Prometheus's `Rules` in the gke overlay and the Prometheus
 * Operator's `PrometheusRule` in its component pass their CRDs' schemas and hold the same groups;
 * every expression parses as PromQL and reads only metrics, labels and label values the code
 * defines; every alert says how bad it is and what to do, and docs/operations.md lists each one.
 */
import { readFileSync } from 'node:fs';
import { EVENTS, FUNCTIONS } from '@stockflow/contracts';
import { beforeAll, describe, expect, it } from 'vitest';
import { MESSAGES_QUEUE } from '../../functions/notifications/src/mailer.ts';
import { PAYMENT_JOBS_QUEUE } from '../../functions/payments/src/jobs.ts';
import { EVENT_OUTCOMES, QUEUE_OUTCOMES } from '../../packages/kit/src/metrics.ts';
import { REFUSAL_REASONS } from '../../packages/kit/src/sender.ts';
import { schemaProblems } from './knative-rules.ts';
import { clone, type Manifest, renderOverlay, renderWithComponents } from './manifests.ts';
import { aggregatedLabels, definedSeries, type KnownValues, promqlProblems } from './promql.ts';

const isRules = (m: Manifest) => m.apiVersion === 'monitoring.googleapis.com/v1' && m.kind === 'Rules';
const isPrometheusRule = (m: Manifest) =>
  m.apiVersion === 'monitoring.coreos.com/v1' && m.kind === 'PrometheusRule';

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface Group {
  name: string;
  interval: string;
  rules: Rule[];
}

const series = definedSeries();
/** The label values the code can produce, where it lists them. */
const known: KnownValues = {
  '*': { service: [...FUNCTIONS, 'web'] },
  stockflow_events_handled_total: { outcome: EVENT_OUTCOMES, type: [...Object.keys(EVENTS), 'other'] },
  stockflow_queue_attempts_total: { queue: [PAYMENT_JOBS_QUEUE, MESSAGES_QUEUE], outcome: QUEUE_OUTCOMES },
  stockflow_sender_refusals_total: { reason: REFUSAL_REASONS },
};

/** What is wrong with one alerting rule: its expression against the code, its labels and words. */
function ruleProblems(rule: Rule): string[] {
  const name = rule.alert ?? rule.record ?? '(unnamed)';
  const problems = promqlProblems(rule.expr, series, known).map((problem) => `${name}: ${problem}`);
  if (!rule.alert) return [...problems, `${name}: only alerts belong here`];
  if (!/^Stockflow[A-Z][A-Za-z]+$/.test(rule.alert)) problems.push(`${name}: name it Stockflow<What>`);
  if (!['critical', 'warning'].includes(rule.labels?.severity ?? '')) {
    problems.push(`${name}: severity must be critical or warning`);
  }
  for (const key of ['summary', 'description']) {
    if (!rule.annotations?.[key]?.trim()) problems.push(`${name}: no ${key}`);
  }
  // An annotation can name only the labels the expression's result keeps.
  const kept = aggregatedLabels(rule.expr);
  const named = Object.values(rule.annotations ?? {}).flatMap((value) =>
    [...value.matchAll(/\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)/g)].map((match) => match[1]!),
  );
  for (const label of new Set(named)) {
    if (kept && !kept.includes(label))
      problems.push(`${name}: its annotations name $labels.${label}, which the result drops`);
  }
  return problems;
}

const groupsOf = (doc: Manifest) => doc.spec.groups as Group[];
const alertsOf = (groups: Group[]) => groups.flatMap((group) => group.rules);

describe('alert rules', () => {
  let gke: Manifest[];
  let rules: Manifest;
  beforeAll(() => {
    gke = renderOverlay('gke');
    rules = gke.find(isRules)!;
  });

  it('are one Rules in the gke overlay that passes its schema', () => {
    expect(gke.filter(isRules)).toHaveLength(1);
    expect(schemaProblems(rules)).toEqual([]);
    expect(alertsOf(groupsOf(rules)).length).toBeGreaterThanOrEqual(10);
  });

  it('read only metrics, labels and values the code defines, and each says how bad and what to do', () => {
    const all = alertsOf(groupsOf(rules));
    expect(all.flatMap(ruleProblems)).toEqual([]);
    const names = all.map((rule) => rule.alert);
    expect(new Set(names).size).toBe(names.length);
    // What a person must act on at once: money, and the saga standing still.
    const critical = all.filter((rule) => rule.labels?.severity === 'critical').map((rule) => rule.alert);
    expect(critical).toEqual(
      expect.arrayContaining(['StockflowPaymentJobFailed', 'StockflowOutboxNotPublishing']),
    );
  });

  it('catch a metric, a label or a value the code does not have, a syntax error and a counter read raw', () => {
    const bad = clone(groupsOf(rules)[0]!.rules[0]!);
    const words = { summary: 'Dead letters', description: 'Read them in the ledger.' };
    const check = (expr: string, annotations: Record<string, string> = words) =>
      ruleProblems({ ...bad, expr, annotations }).map((p) => p.replace(`${bad.alert}: `, ''));
    expect(check('increase(stockflow_dead_letter_total[10m]) > 0')).toEqual([
      'stockflow_dead_letter_total is not a metric the code defines',
    ]);
    expect(
      check(
        'sum by (queue) (increase(stockflow_queue_attempts_total{queue="payments", result="failed"}[5m]))',
      ),
    ).toEqual([
      `stockflow_queue_attempts_total{queue} is never "payments" (it is one of ${PAYMENT_JOBS_QUEUE}, ${MESSAGES_QUEUE})`,
      'stockflow_queue_attempts_total has no label result',
    ]);
    expect(check('sum by (destination) (rate(stockflow_outbox_published_total[5m]))')).toEqual([
      'grouping by destination, which none of stockflow_outbox_published_total has',
    ]);
    expect(check('stockflow_dead_letters_total > 0')).toEqual([
      'stockflow_dead_letters_total is a counter: read it with rate() or increase() over a range',
    ]);
    expect(check('sum(rate(stockflow_dead_letters_total[5m])')[0]).toMatch(/^syntax error/);
    expect(
      check('sum by (type) (increase(stockflow_dead_letters_total[10m])) > 0', {
        ...words,
        summary: '{{ $labels.type }} to {{ $labels.destination }}',
      }),
    ).toEqual(['its annotations name $labels.destination, which the result drops']);
    // Read raw to find series that appeared: allowed under unless, nowhere else.
    expect(check('stockflow_dead_letters_total unless (stockflow_dead_letters_total offset 10m)')).toEqual(
      [],
    );
    expect(ruleProblems({ ...bad, labels: { severity: 'page' }, annotations: {} })).toEqual([
      `${bad.alert}: severity must be critical or warning`,
      `${bad.alert}: no summary`,
      `${bad.alert}: no description`,
    ]);
  });

  it('are the same for the Prometheus Operator, in its opt-in component', () => {
    const local = renderWithComponents('local', ['prometheus-operator']);
    const operator = local.filter(isPrometheusRule);
    expect(operator).toHaveLength(1);
    expect(schemaProblems(operator[0]!)).toEqual([]);
    expect(groupsOf(operator[0]!)).toEqual(groupsOf(rules));
    expect(renderOverlay('local').filter(isPrometheusRule)).toEqual([]);
  });

  it('are each explained in docs/operations.md, and the docs name no other', () => {
    const docs = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');
    const section = docs.slice(
      docs.indexOf('\n### Alerts\n'),
      docs.indexOf('\n### ', docs.indexOf('\n### Alerts\n') + 1),
    );
    expect(section.length).toBeGreaterThan(100);
    const documented = [...section.matchAll(/^\| `(Stockflow[A-Za-z]+)`/gm)].map((match) => match[1]);
    expect(documented.sort()).toEqual(
      alertsOf(groupsOf(rules))
        .map((rule) => rule.alert)
        .sort(),
    );
  });

  it('and the Grafana dashboard queries read what the code defines too', () => {
    const dashboard = JSON.parse(
      readFileSync(new URL('../../ops/grafana/stockflow.json', import.meta.url), 'utf8'),
    ) as {
      panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
    };
    const problems = dashboard.panels.flatMap((panel) =>
      panel.targets.flatMap((target) =>
        // Grafana puts a range in for its interval variables before the query runs.
        promqlProblems(target.expr.replace(/\$__(rate_interval|interval|range)/g, '5m'), series, known).map(
          (p) => `${panel.title}: ${p}`,
        ),
      ),
    );
    expect(problems).toEqual([]);
  });
});
