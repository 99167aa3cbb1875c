/**
 * @module The schema of Google Cloud Managed Service for Prometheus's `Rules`
 * (monitoring.googleapis.com/v1, namespaced alerting and recording rules) as a model knative-rules.ts
 * validates with, since no models package describes it: the CRD's openAPIV3Schema
 * (prometheus-engine, rules.monitoring.googleapis.com) — groups need `name`, `interval` and `rules`,
 * a rule needs `expr` — plus what its admission webhook adds: one of `record` and `alert`, `for` and
 * `annotations` only on an alert, durations in Prometheus's syntax.
 */
import * as z from 'zod/mini';
import { durationMs } from './pod-monitoring-schema.ts';
import { objectMeta, zodModel } from './zod-model.ts';

const duration = z.string().check(
  z.refine((value) => durationMs(value) !== undefined, {
    message: 'must be a Prometheus duration such as 30s',
  }),
);
const stringMap = z.record(z.string(), z.string());

const rule = z
  .object({
    alert: z.optional(z.string().check(z.minLength(1))),
    record: z.optional(z.string().check(z.regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'must be a metric name'))),
    expr: z.string().check(z.minLength(1)),
    for: z.optional(duration),
    labels: z.optional(stringMap),
    annotations: z.optional(stringMap),
  })
  .check(
    z.refine((r) => (r.alert === undefined) !== (r.record === undefined), {
      message: 'exactly one of record and alert must be set',
    }),
    z.refine((r) => r.alert !== undefined || (r.for === undefined && r.annotations === undefined), {
      message: 'for and annotations are only valid on an alert',
    }),
  );

const rulesSchema = z.object({
  apiVersion: z.literal('monitoring.googleapis.com/v1'),
  kind: z.literal('Rules'),
  metadata: objectMeta,
  spec: z.object({
    groups: z.array(
      z.object({
        name: z.string().check(z.minLength(1)),
        interval: duration,
        rules: z.array(rule),
      }),
    ),
  }),
});

/** A model of the Rules CRD in the shape knative-rules.ts validates with. */
export const Rules = zodModel(rulesSchema);
