/**
 * @module Knative Eventing's EventPolicy (eventing.knative.dev/v1alpha1) and EventType
 * (eventing.knative.dev/v1beta2) as models knative-rules.ts validates with: @kubernetes-models/knative
 * 2.4 describes Knative 1.10, which has no EventPolicy, and does not reject misspelled fields. The
 * fields are the CRDs' (knative/eventing config/core/resources/eventpolicy.yaml, eventtype.yaml); the
 * refinements are the webhook's own rules: pkg/apis/eventing/v1alpha1/eventpolicy_validation.go (a
 * `from` is a ref or a sub, a `to` a ref or a selector, refs name apiVersion, kind and name, `*` only
 * as a sub's suffix) and the SubscriptionsAPI filter rules of pkg/apis/eventing/v1/trigger_validation.go
 * (one dialect per filter, attribute names `^[a-z][a-z0-9]*$`); eventtype_validation.go (a type).
 */
import * as z from 'zod/mini';
import type { SubscriptionsApiFilter } from '../../packages/mesh/src/manifests.ts';
import { objectMeta, zodModel } from './zod-model.ts';

/** `validAttributeName` in trigger_validation.go. */
export const KNATIVE_ATTRIBUTE_NAME = /^[a-z][a-z0-9]*$/;

const required = () => z.string().check(z.minLength(1, 'is required'));

const attributeMap = () =>
  z.record(z.string(), z.string()).check(
    z.refine((map) => Object.keys(map).every((key) => KNATIVE_ATTRIBUTE_NAME.test(key)), {
      message: 'attribute names must start with a letter and hold only lowercase letters and digits',
    }),
  );

/** Dialects set, as hasMultipleDialects counts them: empty maps, lists and expressions count as unset. */
const dialectsOf = (filter: SubscriptionsApiFilter) =>
  [
    Object.keys(filter.exact ?? {}).length > 0,
    Object.keys(filter.prefix ?? {}).length > 0,
    Object.keys(filter.suffix ?? {}).length > 0,
    (filter.all ?? []).length > 0,
    (filter.any ?? []).length > 0,
    filter.not !== undefined,
    Boolean(filter.cesql),
  ].filter(Boolean).length;

export const subscriptionsApiFilter: z.ZodMiniType<SubscriptionsApiFilter> = z
  .object({
    exact: z.optional(attributeMap()),
    prefix: z.optional(attributeMap()),
    suffix: z.optional(attributeMap()),
    all: z.optional(z.array(z.lazy(() => subscriptionsApiFilter))),
    any: z.optional(z.array(z.lazy(() => subscriptionsApiFilter))),
    not: z.optional(z.lazy(() => subscriptionsApiFilter)),
    // The webhook also parses the expression (CESQL v1); this schema checks only that it is a string.
    // The fields are the mesh's SubscriptionsApiFilter; unlike the mesh's own schema (strict, and
    // refusing CESQL) this one follows the webhook: more than one dialect is the error, not none.
    cesql: z.optional(z.string()),
  })
  .check(
    z.refine((filter) => dialectsOf(filter) <= 1, {
      message: 'multiple dialects found, filters can have only one dialect set',
    }),
  );

const fromReference = z.object({
  apiVersion: required(),
  kind: required(),
  name: required(),
  namespace: z.optional(z.string()),
});
const toReference = z.object({ apiVersion: required(), kind: required(), name: required() });

const labelSelectorRequirement = z.object({
  key: z.string(),
  operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
  values: z.optional(z.array(z.string())),
});

/** `validateSub`: a `*` anywhere but at the end of a subject is refused. */
const subject = z.string().check(
  z.refine((sub) => sub.length <= 1 || !sub.slice(0, -1).includes('*'), {
    message: "'*' is only allowed as suffix",
  }),
);

const eventPolicySchema = z.object({
  apiVersion: z.literal('eventing.knative.dev/v1alpha1'),
  kind: z.literal('EventPolicy'),
  metadata: objectMeta,
  spec: z.object({
    to: z.optional(
      z.array(
        z
          .object({
            ref: z.optional(toReference),
            selector: z.optional(
              z.object({
                apiVersion: z.optional(z.string()),
                kind: z.optional(z.string()),
                matchLabels: z.optional(z.record(z.string(), z.string())),
                matchExpressions: z.optional(z.array(labelSelectorRequirement)),
              }),
            ),
          })
          .check(
            z.refine((to) => (to.ref === undefined) !== (to.selector === undefined), {
              message: 'expected exactly one of ref, selector',
            }),
          ),
      ),
    ),
    from: z.optional(
      z.array(
        z.object({ ref: z.optional(fromReference), sub: z.optional(subject) }).check(
          z.refine((from) => (from.ref === undefined) !== (from.sub === undefined || from.sub === ''), {
            message: 'expected exactly one of ref, sub',
          }),
        ),
      ),
    ),
    filters: z.optional(z.array(subscriptionsApiFilter)),
  }),
});

/** A URI reference as apis.URL parses it (`/catalog`, `https://example.com/schema.json`). */
const uriReference = z
  .string()
  .check(
    z.refine((value) => URL.canParse(value, 'http://base.invalid'), { message: 'must be a URI reference' }),
  );

const eventTypeSchema = z.object({
  apiVersion: z.literal('eventing.knative.dev/v1beta2'),
  kind: z.literal('EventType'),
  metadata: objectMeta,
  spec: z.object({
    type: required(),
    source: z.optional(uriReference),
    schema: z.optional(uriReference),
    schemaData: z.optional(z.string()),
    broker: z.optional(z.string()),
    reference: z.optional(
      z.object({
        apiVersion: required(),
        kind: required(),
        name: required(),
        namespace: z.optional(z.string()),
      }),
    ),
    description: z.optional(z.string()),
  }),
});

export const EventPolicy = zodModel(eventPolicySchema);
export const EventType = zodModel(eventTypeSchema);
