/**
 * @module The Knative manifests the mesh serves, read from the same YAML that deploys to GKE: Brokers,
 * Triggers, PingSources, SinkBindings, Knative Services, and what sender identity needs: EventPolicies,
 * ServiceAccounts and the `config-features` ConfigMap. Each object is checked as strictly as
 * `kubectl apply --validate=strict` plus Knative's webhook would (a misspelled field or a filter
 * Knative rejects is an error naming its file and object); kinds the mesh does not serve are skipped.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import * as z from 'zod/mini';
import { groupOf, oidcSubject } from './auth/names.ts';
import { CesqlParseError } from './cesql/index.ts';
import { parseDuration } from './delivery.ts';
import { CONFIG_FEATURES, type Features, readFeatures } from './features.ts';
import { compileCesqlFilter } from './filters.ts';

/** The namespace of an object whose manifest names none (as `kubectl apply` without `-n`). */
export const DEFAULT_NAMESPACE = 'default';

const name = () => z.string().check(z.regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a DNS-1123 label'));
const isoDuration = () =>
  z
    .string()
    .check(z.refine((value) => parseDuration(value) !== undefined, 'an ISO-8601 duration such as PT0.5S'));

const KReference = z.strictObject({
  apiVersion: z.optional(z.string()),
  kind: z.string(),
  name: name(),
  namespace: z.optional(name()),
});

/**
 * A Knative Destination (duck/v1): a `ref`, a `uri`, or a `uri` relative to the `ref`; `audience` is
 * the OIDC audience its receiver expects (deliveries to it carry a token for it when OIDC is on).
 */
const Destination = z
  .strictObject({
    ref: z.optional(KReference),
    uri: z.optional(z.string().check(z.minLength(1))),
    audience: z.optional(z.string().check(z.minLength(1))),
  })
  .check(z.refine((d) => Boolean(d.ref || d.uri), 'needs a ref or a uri'));
export type Destination = z.infer<typeof Destination>;
export type KReference = z.infer<typeof KReference>;

const DeliverySpec = z.strictObject({
  retry: z.optional(z.int().check(z.minimum(0))),
  backoffPolicy: z.optional(z.enum(['linear', 'exponential'])),
  backoffDelay: z.optional(isoDuration()),
  timeout: z.optional(isoDuration()),
  retryAfterMax: z.optional(isoDuration()),
  deadLetterSink: z.optional(Destination),
  format: z.optional(z.enum(['json', 'binary'])),
});
export type DeliverySpec = z.infer<typeof DeliverySpec>;

const attributeName = () =>
  z.string().check(z.regex(/^[a-z0-9]+$/, 'a lowercase alphanumeric attribute name'));
// Knative's webhook (TriggerSpec.Validate): exact/prefix/suffix keys are attribute names and their
// values may not be empty.
const attributeMap = () => z.record(attributeName(), z.string().check(z.minLength(1, 'may not be empty')));

/** Why a `cesql` expression makes its Trigger invalid, or undefined when it parses. */
function cesqlProblem(expression: string): string | undefined {
  try {
    compileCesqlFilter(expression);
    return undefined;
  } catch (error) {
    if (error instanceof CesqlParseError)
      return `invalid CESQL expression ${JSON.stringify(expression)}: ${error.message}`;
    throw error;
  }
}

// Knative's webhook parses each expression (ValidateCESQLExpression): one that does not parse makes
// the Trigger invalid.
const cesqlExpression = () =>
  z.string().check(
    z.refine((expression) => cesqlProblem(expression) === undefined, {
      error: (issue) => cesqlProblem(String(issue.input)),
    }),
  );

export interface SubscriptionsApiFilter {
  exact?: Record<string, string>;
  prefix?: Record<string, string>;
  suffix?: Record<string, string>;
  all?: SubscriptionsApiFilter[];
  any?: SubscriptionsApiFilter[];
  not?: SubscriptionsApiFilter;
  cesql?: string;
}

const DIALECTS = ['exact', 'prefix', 'suffix', 'all', 'any', 'not', 'cesql'] as const;

const SubscriptionsApiFilter: z.ZodMiniType<SubscriptionsApiFilter> = z
  .strictObject({
    exact: z.optional(attributeMap()),
    prefix: z.optional(attributeMap()),
    suffix: z.optional(attributeMap()),
    all: z.optional(z.array(z.lazy(() => SubscriptionsApiFilter))),
    any: z.optional(z.array(z.lazy(() => SubscriptionsApiFilter))),
    not: z.optional(z.lazy(() => SubscriptionsApiFilter)),
    cesql: z.optional(cesqlExpression()),
  })
  .check(
    // Knative allows exactly one dialect per filter (ValidateSubscriptionAPIFilter).
    z.refine(
      (filter) => DIALECTS.filter((dialect) => filter[dialect] !== undefined).length === 1,
      `must set exactly one dialect of ${DIALECTS.join(', ')}`,
    ),
  );

const Metadata = z.object({
  name: name(),
  namespace: z.optional(name()),
  labels: z.optional(z.record(z.string(), z.string())),
  annotations: z.optional(z.record(z.string(), z.string())),
});

const BrokerSchema = z.object({
  metadata: Metadata,
  spec: z._default(
    z.strictObject({ delivery: z.optional(DeliverySpec), config: z.optional(z.unknown()) }),
    {},
  ),
});

const TriggerSchema = z.object({
  metadata: Metadata,
  spec: z.strictObject({
    broker: name(),
    filter: z.optional(z.strictObject({ attributes: z.optional(z.record(z.string(), z.string())) })),
    filters: z.optional(z.array(SubscriptionsApiFilter)),
    subscriber: Destination,
    delivery: z.optional(DeliverySpec),
  }),
});

const PingSourceSchema = z.object({
  metadata: Metadata,
  spec: z
    .strictObject({
      schedule: z.string().check(z.minLength(1)),
      timezone: z.optional(z.string()),
      contentType: z.optional(z.string()),
      data: z.optional(z.string()),
      dataBase64: z.optional(z.string()),
      sink: Destination,
      ceOverrides: z.optional(z.strictObject({ extensions: z.optional(z.record(z.string(), z.string())) })),
    })
    .check(z.refine((spec) => !(spec.data && spec.dataBase64), 'set data or dataBase64, not both')),
});

const EnvVar = z.object({
  name: z.string(),
  value: z.optional(z.string()),
  valueFrom: z.optional(
    z.object({
      secretKeyRef: z.optional(
        z.object({ name: z.string(), key: z.string(), optional: z.optional(z.boolean()) }),
      ),
      configMapKeyRef: z.optional(
        z.object({ name: z.string(), key: z.string(), optional: z.optional(z.boolean()) }),
      ),
    }),
  ),
});
export type EnvVar = z.infer<typeof EnvVar>;

const ServiceSchema = z.object({
  metadata: Metadata,
  spec: z.object({
    template: z.object({
      metadata: z.optional(z.object({ annotations: z.optional(z.record(z.string(), z.string())) })),
      spec: z.object({
        containers: z.array(z.object({ image: z.optional(z.string()), env: z.optional(z.array(EnvVar)) })),
      }),
    }),
  }),
});

const LabelSelectorRequirement = z.strictObject({
  key: z.string().check(z.minLength(1)),
  operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
  values: z.optional(z.array(z.string())),
});
export type LabelSelectorRequirement = z.infer<typeof LabelSelectorRequirement>;

/** pkg/apis/eventing/v1alpha1 EventPolicy, with the webhook's checks (eventpolicy_validation.go). */
const EventPolicySchema = z.object({
  metadata: Metadata,
  spec: z._default(
    z.strictObject({
      to: z.optional(
        z.array(
          z
            .strictObject({
              ref: z.optional(
                z.strictObject({
                  apiVersion: z.string().check(z.minLength(1)),
                  kind: z.string(),
                  name: name(),
                }),
              ),
              // EventPolicySelector: a TypeMeta and a LabelSelector, both inline.
              selector: z.optional(
                z.strictObject({
                  apiVersion: z.string().check(z.minLength(1)),
                  kind: z.string().check(z.minLength(1)),
                  matchLabels: z.optional(z.record(z.string(), z.string())),
                  matchExpressions: z.optional(z.array(LabelSelectorRequirement)),
                }),
              ),
            })
            .check(
              z.refine((to) => Boolean(to.ref) !== Boolean(to.selector), 'set exactly one of ref, selector'),
            ),
        ),
      ),
      from: z.optional(
        z.array(
          z
            .strictObject({
              ref: z.optional(
                z.strictObject({
                  apiVersion: z.string().check(z.minLength(1)),
                  kind: z.string().check(z.minLength(1)),
                  name: name(),
                  namespace: z.optional(name()),
                }),
              ),
              sub: z.optional(
                z
                  .string()
                  .check(
                    z.refine(
                      (sub) => sub.length <= 1 || !sub.slice(0, -1).includes('*'),
                      "'*' is only allowed as suffix",
                    ),
                  ),
              ),
            })
            .check(
              z.refine((from) => Boolean(from.ref) !== Boolean(from.sub), 'set exactly one of ref, sub'),
            ),
        ),
      ),
      filters: z.optional(z.array(SubscriptionsApiFilter)),
    }),
    {},
  ),
});

const ConfigMapSchema = z.object({
  metadata: Metadata,
  data: z._default(z.record(z.string(), z.string()), {}),
});

const ServiceAccountSchema = z.object({ metadata: Metadata });

const SinkBindingSchema = z.object({
  metadata: Metadata,
  spec: z.object({
    subject: z.object({
      apiVersion: z.string(),
      kind: z.string(),
      name: z.optional(z.string()),
      selector: z.optional(z.object({ matchLabels: z.optional(z.record(z.string(), z.string())) })),
    }),
    sink: Destination,
  }),
});

export interface Named {
  name: string;
  namespace: string;
  /** Where it was read from, for messages. */
  origin: string;
}
export interface Broker extends Named {
  /** Matched by EventPolicy `to.selector`s. */
  labels?: Record<string, string>;
  delivery?: DeliverySpec;
}
export interface Trigger extends Named {
  broker: string;
  filter?: { attributes?: Record<string, string> };
  filters?: SubscriptionsApiFilter[];
  subscriber: Destination;
  delivery?: DeliverySpec;
}
export interface PingSource extends Named {
  schedule: string;
  timezone?: string;
  contentType?: string;
  data?: string;
  dataBase64?: string;
  sink: Destination;
  extensions: Record<string, string>;
}
export interface KnativeService extends Named {
  labels: Record<string, string>;
  env: EnvVar[];
}
export interface SinkBinding extends Named {
  subject: { kind: string; name?: string; matchLabels?: Record<string, string> };
  sink: Destination;
}

export interface EventPolicyTo {
  ref?: { apiVersion: string; kind: string; name: string };
  selector?: {
    apiVersion: string;
    kind: string;
    matchLabels?: Record<string, string>;
    matchExpressions?: LabelSelectorRequirement[];
  };
}
export interface EventPolicy extends Named {
  /** Empty: every resource of the policy's namespace. */
  to: EventPolicyTo[];
  /** `status.from`: each `from` as a subject (a `ref` resolved to its OIDC ServiceAccount, a `sub` as is). */
  subjects: string[];
  filters: SubscriptionsApiFilter[];
}

export interface Manifests {
  brokers: Broker[];
  triggers: Trigger[];
  pingSources: PingSource[];
  services: KnativeService[];
  sinkBindings: SinkBinding[];
  eventPolicies: EventPolicy[];
  serviceAccounts: Named[];
  /** From the `config-features` ConfigMap in `knative-eventing`; Knative's defaults without one. */
  features: Features;
}

export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

/** One parsed YAML document: anything with `apiVersion` and `kind`. */
export interface ManifestObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  [key: string]: unknown;
}

const KINDS = {
  'eventing.knative.dev/Broker': 'brokers',
  'eventing.knative.dev/Trigger': 'triggers',
  'sources.knative.dev/PingSource': 'pingSources',
  'sources.knative.dev/SinkBinding': 'sinkBindings',
  'serving.knative.dev/Service': 'services',
  'eventing.knative.dev/EventPolicy': 'eventPolicies',
  '/ServiceAccount': 'serviceAccounts',
  '/ConfigMap': 'configMaps',
} as const;

/**
 * The kinds whose OIDC ServiceAccount an EventPolicy `from.ref` may name, as the mesh runs them
 * (`status.auth.serviceAccountName` of an Authenticatable: Knative sets it to the resource's own
 * `GetOIDCServiceAccountNameForResource` when `authentication-oidc` is on).
 */
const AUTHENTICATABLE = new Set([
  'sources.knative.dev/SinkBinding',
  'sources.knative.dev/PingSource',
  'eventing.knative.dev/Trigger',
]);

/** The API group of an apiVersion: `v1` is the core group (""). */
function group(apiVersion: string | undefined): string {
  return groupOf(apiVersion ?? '');
}

function issues(error: z.core.$ZodError): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.join('.') || '(object)';
      if (issue.code === 'unrecognized_keys') return `${where}: unknown field ${issue.keys.join(', ')}`;
      return `${where}: ${issue.message}`;
    })
    .join('; ');
}

/** Turns parsed objects into the manifests the mesh serves; throws a ManifestError on the first bad one. */
export function fromObjects(objects: ReadonlyArray<ManifestObject & { origin?: string }>): Manifests {
  const out: Manifests = {
    brokers: [],
    triggers: [],
    pingSources: [],
    services: [],
    sinkBindings: [],
    eventPolicies: [],
    serviceAccounts: [],
    features: readFeatures(),
  };
  const seen = new Set<string>();
  const policies: Array<{ named: Named; spec: z.infer<typeof EventPolicySchema>['spec'] }> = [];
  let featuresFrom: string | undefined;
  for (const object of objects) {
    const key = `${group(object.apiVersion)}/${object.kind}` as keyof typeof KINDS;
    const kind = KINDS[key];
    if (!kind) continue;
    // Only Knative's own ConfigMap is read; any other ConfigMap is an application's business.
    if (
      kind === 'configMaps' &&
      (object.metadata?.name !== CONFIG_FEATURES.name ||
        object.metadata?.namespace !== CONFIG_FEATURES.namespace)
    )
      continue;
    const where = `${object.kind} ${object.metadata?.name ?? '(unnamed)'} (${object.origin ?? 'inline'})`;
    const schema = {
      brokers: BrokerSchema,
      triggers: TriggerSchema,
      pingSources: PingSourceSchema,
      services: ServiceSchema,
      sinkBindings: SinkBindingSchema,
      eventPolicies: EventPolicySchema,
      serviceAccounts: ServiceAccountSchema,
      configMaps: ConfigMapSchema,
    }[kind];
    const parsed = schema.safeParse(object);
    if (!parsed.success) throw new ManifestError(`${where}: ${issues(parsed.error)}`);
    const { metadata, spec, data } = parsed.data as {
      metadata: z.infer<typeof Metadata>;
      spec: never;
      data?: Record<string, string>;
    };
    const named: Named = {
      name: metadata.name,
      namespace: metadata.namespace ?? DEFAULT_NAMESPACE,
      origin: object.origin ?? 'inline',
    };
    const id = `${key}/${named.namespace}/${named.name}`;
    if (seen.has(id)) throw new ManifestError(`${where}: declared twice`);
    seen.add(id);
    switch (kind) {
      case 'brokers': {
        const s = spec as z.infer<typeof BrokerSchema>['spec'];
        out.brokers.push({ ...named, labels: metadata.labels ?? {}, delivery: s.delivery });
        break;
      }
      case 'triggers': {
        const s = spec as z.infer<typeof TriggerSchema>['spec'];
        out.triggers.push({ ...named, ...s });
        break;
      }
      case 'pingSources': {
        const s = spec as z.infer<typeof PingSourceSchema>['spec'];
        const { ceOverrides, ...rest } = s;
        out.pingSources.push({ ...named, ...rest, extensions: ceOverrides?.extensions ?? {} });
        break;
      }
      case 'services': {
        const s = spec as z.infer<typeof ServiceSchema>['spec'];
        out.services.push({
          ...named,
          labels: metadata.labels ?? {},
          env: s.template.spec.containers[0]?.env ?? [],
        });
        break;
      }
      case 'sinkBindings': {
        const s = spec as z.infer<typeof SinkBindingSchema>['spec'];
        out.sinkBindings.push({
          ...named,
          subject: {
            kind: s.subject.kind,
            name: s.subject.name,
            matchLabels: s.subject.selector?.matchLabels,
          },
          sink: s.sink,
        });
        break;
      }
      case 'eventPolicies':
        policies.push({ named, spec: spec as z.infer<typeof EventPolicySchema>['spec'] });
        break;
      case 'serviceAccounts':
        out.serviceAccounts.push(named);
        break;
      case 'configMaps':
        try {
          out.features = readFeatures(data);
        } catch (error) {
          throw new ManifestError(`${where}: ${(error as Error).message}`);
        }
        featuresFrom = named.origin;
        break;
    }
  }
  for (const { named, spec } of policies) {
    const where = `EventPolicy ${named.name} (${named.origin})`;
    // eventpolicy_validation.go: the webhook refuses EventPolicies while OIDC is off.
    if (!out.features.oidc) {
      throw new ManifestError(
        `${where}: EventPolicies need authentication-oidc enabled in ConfigMap config-features (${featuresFrom ?? 'none given'})`,
      );
    }
    out.eventPolicies.push({
      ...named,
      to: spec.to ?? [],
      subjects: (spec.from ?? []).map((from) => {
        if (from.sub) return from.sub;
        const ref = from.ref!;
        // eventpolicy_defaults.go: a ref without a namespace is in the policy's.
        const namespace = ref.namespace ?? named.namespace;
        const refKey = `${group(ref.apiVersion)}/${ref.kind}`;
        if (!AUTHENTICATABLE.has(refKey)) {
          throw new ManifestError(
            `${where}: from.ref ${ref.kind} ${ref.name} has no OIDC identity here (use SinkBinding, PingSource, Trigger, or sub)`,
          );
        }
        if (!seen.has(`${refKey}/${namespace}/${ref.name}`)) {
          throw new ManifestError(`${where}: from.ref ${ref.kind} ${namespace}/${ref.name} is not declared`);
        }
        return oidcSubject({ ...ref, namespace });
      }),
      filters: spec.filters ?? [],
    });
  }
  for (const trigger of out.triggers) {
    if (!out.brokers.some((b) => b.name === trigger.broker && b.namespace === trigger.namespace)) {
      throw new ManifestError(
        `Trigger ${trigger.name} (${trigger.origin}): no Broker ${trigger.broker} in namespace ${trigger.namespace}`,
      );
    }
  }
  return out;
}

/** Every object of every `*.yaml`/`*.yml` under `dir` (recursively), kustomization files excepted. */
export function readManifestObjects(dir: string): Array<ManifestObject & { origin: string }> {
  const objects: Array<ManifestObject & { origin: string }> = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder).sort()) {
      const path = join(folder, entry);
      if (statSync(path).isDirectory()) {
        walk(path);
        continue;
      }
      if (!/\.ya?ml$/.test(entry) || /^kustomization\.ya?ml$/.test(entry)) continue;
      const local = relative(process.cwd(), path);
      const origin = local && !local.startsWith('..') ? local : path;
      for (const doc of parseAllDocuments(readFileSync(path, 'utf8'))) {
        if (doc.errors.length) throw new ManifestError(`${origin}: ${doc.errors[0]!.message}`);
        const value = doc.toJS() as unknown;
        if (value && typeof value === 'object' && !Array.isArray(value)) {
          objects.push({ ...(value as ManifestObject), origin });
        }
      }
    }
  };
  walk(dir);
  return objects;
}

/** The manifests the mesh serves, read from a folder of YAML. */
export function loadManifests(dir: string): Manifests {
  return fromObjects(readManifestObjects(dir));
}
