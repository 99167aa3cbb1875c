/**
 * @module The Knative manifests the mesh serves, read from the same YAML that deploys to GKE: Brokers,
 * Triggers, PingSources, SinkBindings and Knative Services. Each object is checked as strictly as
 * `kubectl apply --validate=strict` plus Knative's webhook would (a misspelled field or a filter
 * Knative rejects is an error naming its file and object); kinds the mesh does not serve are skipped.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import * as z from 'zod/mini';
import { parseDuration } from './delivery.ts';

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

/** A Knative Destination (duck/v1): a `ref`, a `uri`, or a `uri` relative to the `ref`. */
const Destination = z
  .strictObject({ ref: z.optional(KReference), uri: z.optional(z.string().check(z.minLength(1))) })
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
    cesql: z.optional(z.string()),
  })
  .check(
    // Knative allows exactly one dialect per filter (ValidateSubscriptionAPIFilter).
    z.refine(
      (filter) => DIALECTS.filter((dialect) => filter[dialect] !== undefined).length === 1,
      `must set exactly one dialect of ${DIALECTS.join(', ')}`,
    ),
    // CESQL is not evaluated by this mesh: refuse it rather than pass every event.
    z.refine((filter) => filter.cesql === undefined, 'cesql filters are not supported by the local mesh'),
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

export interface Manifests {
  brokers: Broker[];
  triggers: Trigger[];
  pingSources: PingSource[];
  services: KnativeService[];
  sinkBindings: SinkBinding[];
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
} as const;

function group(apiVersion: string | undefined): string {
  return (apiVersion ?? '').split('/')[0] ?? '';
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
  const out: Manifests = { brokers: [], triggers: [], pingSources: [], services: [], sinkBindings: [] };
  const seen = new Set<string>();
  for (const object of objects) {
    const key = `${group(object.apiVersion)}/${object.kind}` as keyof typeof KINDS;
    const kind = KINDS[key];
    if (!kind) continue;
    const where = `${object.kind} ${object.metadata?.name ?? '(unnamed)'} (${object.origin ?? 'inline'})`;
    const schema = {
      brokers: BrokerSchema,
      triggers: TriggerSchema,
      pingSources: PingSourceSchema,
      services: ServiceSchema,
      sinkBindings: SinkBindingSchema,
    }[kind];
    const parsed = schema.safeParse(object);
    if (!parsed.success) throw new ManifestError(`${where}: ${issues(parsed.error)}`);
    const { metadata, spec } = parsed.data as { metadata: z.infer<typeof Metadata>; spec: never };
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
        out.brokers.push({ ...named, delivery: s.delivery });
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
    }
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
