/**
 * @module What a cluster would say about a manifest before anything runs: the Kubernetes, Knative and
 * monitoring schemas (kubernetes-models, @kubernetes-models/knative and /prometheus-operator, and
 * Managed Prometheus's PodMonitoring and Rules) made strict about unknown fields, and the admission rules of
 * Knative's webhooks with default feature flags. Each check returns problems as
 * readable lines; none means the object would be admitted.
 */
import { Broker, Trigger } from '@kubernetes-models/knative/eventing.knative.dev/v1';
import { Service as KnativeService } from '@kubernetes-models/knative/serving.knative.dev/v1';
import { DomainMapping } from '@kubernetes-models/knative/serving.knative.dev/v1beta1';
import { PingSource, SinkBinding } from '@kubernetes-models/knative/sources.knative.dev/v1';
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { CesqlParseError, compileCesql } from '@stockflow/mesh';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { ConfigMap, Namespace, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { EventPolicy, EventType, KNATIVE_ATTRIBUTE_NAME } from './eventing-schema.ts';
import { FrontendConfig, ManagedCertificate } from './gke-edge-schema.ts';
import { type Destination, type Manifest, objectKey } from './manifests.ts';
import { PodMonitoring } from './pod-monitoring-schema.ts';
import { Rules } from './rules-schema.ts';

interface ModelClass {
  prototype: { validate(): void };
}

const MODELS: Record<string, ModelClass> = {
  'v1 ConfigMap': ConfigMap,
  'v1 Namespace': Namespace,
  'v1 Secret': Secret,
  'v1 Service': Service,
  'v1 ServiceAccount': ServiceAccount,
  'apps/v1 Deployment': Deployment,
  'networking.k8s.io/v1 NetworkPolicy': NetworkPolicy,
  'serving.knative.dev/v1 Service': KnativeService,
  'eventing.knative.dev/v1 Broker': Broker,
  'eventing.knative.dev/v1 Trigger': Trigger,
  'eventing.knative.dev/v1alpha1 EventPolicy': EventPolicy,
  'eventing.knative.dev/v1beta2 EventType': EventType,
  'sources.knative.dev/v1 PingSource': PingSource,
  'sources.knative.dev/v1 SinkBinding': SinkBinding,
  'monitoring.googleapis.com/v1 PodMonitoring': PodMonitoring,
  'monitoring.googleapis.com/v1 Rules': Rules,
  'monitoring.coreos.com/v1 PodMonitor': PodMonitor,
  'monitoring.coreos.com/v1 PrometheusRule': PrometheusRule,
  'monitoring.coreos.com/v1 ServiceMonitor': ServiceMonitor,
  'networking.k8s.io/v1 Ingress': Ingress,
  'serving.knative.dev/v1beta1 DomainMapping': DomainMapping,
  'networking.gke.io/v1 ManagedCertificate': ManagedCertificate,
  'networking.gke.io/v1beta1 FrontendConfig': FrontendConfig,
};

/**
 * Fields Knative added after 1.10 (the release the models describe), admitted with default feature
 * flags: Trigger `filters` (GA), `delivery.timeout` (beta, on by default) and a Destination's
 * `audience` (duckv1.Destination, for authentication-oidc).
 */
const NEWER_FIELDS: Record<string, string[]> = {
  'eventing.knative.dev/v1 Trigger': [
    'spec.filters',
    'spec.delivery.timeout',
    'spec.subscriber.audience',
    'spec.delivery.deadLetterSink.audience',
  ],
  'eventing.knative.dev/v1 Broker': ['spec.delivery.timeout', 'spec.delivery.deadLetterSink.audience'],
  'sources.knative.dev/v1 PingSource': ['spec.sink.audience'],
  'sources.knative.dev/v1 SinkBinding': ['spec.sink.audience'],
};

const joinPath = (path: string, key: string | number) =>
  typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key;

/**
 * Runs a model's compiled schema validator over a proxy that records which properties it looks
 * up: a schema with `properties` reads every one it declares, and one with `additionalProperties`
 * (a map) enumerates the keys. So a key on an object the validator read but never asked for is a
 * field the schema does not know (a typo, or a field of another version). Objects the validator
 * never looked into (opaque in the schema) are not judged.
 */
function validateStrictly(model: ModelClass, doc: Manifest): { errors: string[]; unknown: string[] } {
  const lookedUp = new Map<object, Set<PropertyKey>>();
  const enumerated = new Set<object>();
  const proxies = new WeakMap<object, object>();
  const watch = (value: unknown): unknown => {
    if (!value || typeof value !== 'object') return value;
    const target = value as object;
    const existing = proxies.get(target);
    if (existing) return existing;
    const keys = new Set<PropertyKey>();
    lookedUp.set(target, keys);
    const proxy = new Proxy(target, {
      get(t, key, receiver) {
        keys.add(key);
        return watch(Reflect.get(t, key, receiver));
      },
      has(t, key) {
        keys.add(key);
        return Reflect.has(t, key);
      },
      ownKeys(t) {
        enumerated.add(t);
        return Reflect.ownKeys(t);
      },
    });
    proxies.set(target, proxy);
    return proxy;
  };

  const errors: string[] = [];
  try {
    model.prototype.validate.call(watch(doc));
  } catch (error) {
    errors.push((error as Error).message.replaceAll('data/', '').replaceAll('/', '.'));
  }

  const unknown: string[] = [];
  const walk = (value: unknown, path: string) => {
    if (!value || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) walk(item, joinPath(path, i));
      return;
    }
    const keys = lookedUp.get(value);
    const strict = keys !== undefined && keys.size > 0 && !enumerated.has(value);
    for (const [key, child] of Object.entries(value)) {
      const childPath = joinPath(path, key);
      if (strict && !keys.has(key)) unknown.push(childPath);
      else walk(child, childPath);
    }
  };
  walk(doc, '');
  return { errors, unknown };
}

/** Schema problems: unknown kind, schema violations, fields the schema does not define. */
export function schemaProblems(doc: Manifest): string[] {
  const type = `${doc.apiVersion} ${doc.kind}`;
  const model = MODELS[type];
  const where = objectKey(doc);
  if (!model) return [`${where}: no schema known for ${type}`];
  if (!doc.metadata?.name) return [`${where}: metadata.name is missing`];
  const { errors, unknown } = validateStrictly(model, doc);
  const newer = NEWER_FIELDS[type] ?? [];
  const isNewer = (path: string) =>
    newer.some((field) => path === field || path.startsWith(`${field}.`) || path.startsWith(`${field}[`));
  return [
    ...errors.map((error) => `${where}: ${error}`),
    ...unknown.filter((path) => !isNewer(path)).map((path) => `${where}: unknown field ${path}`),
  ];
}

// Knative Serving's admission rules (webhook validation with default config-features).

/** Ports the queue-proxy and Knative's own agents take in every pod. */
export const RESERVED_PORTS = [8012, 8013, 8022, 9090, 9091, 8008];
/** Paths Knative refuses to mount volumes at. */
export const RESERVED_MOUNT_PATHS = ['/', '/dev', '/dev/log', '/tmp', '/var', '/var/log'];
/** Env names Knative sets itself (PORT, K_SERVICE, K_CONFIGURATION, K_REVISION) or a SinkBinding injects (K_SINK, K_CE_OVERRIDES). */
export const isPlatformEnv = (name: string) => name === 'PORT' || name.startsWith('K_');

const POD_SPEC_FIELDS = new Set([
  'containers',
  'volumes',
  'serviceAccountName',
  'imagePullSecrets',
  'enableServiceLinks',
  'automountServiceAccountToken',
  // Knative's own RevisionSpec fields.
  'containerConcurrency',
  'timeoutSeconds',
  'responseStartTimeoutSeconds',
  'idleTimeoutSeconds',
]);
const CONTAINER_FIELDS = new Set([
  'name',
  'image',
  'imagePullPolicy',
  'command',
  'args',
  'workingDir',
  'env',
  'envFrom',
  'ports',
  'resources',
  'readinessProbe',
  'livenessProbe',
  'securityContext',
  'terminationMessagePath',
  'terminationMessagePolicy',
  'volumeMounts',
]);
const SECURITY_CONTEXT_FIELDS = new Set([
  'runAsUser',
  'runAsGroup',
  'runAsNonRoot',
  'readOnlyRootFilesystem',
  'allowPrivilegeEscalation',
  'capabilities',
  'seccompProfile',
]);
const AUTOSCALING_KEYS = new Set([
  'class',
  'metric',
  'target',
  'target-utilization-percentage',
  'target-burst-capacity',
  'window',
  'panic-window-percentage',
  'panic-threshold-percentage',
  'min-scale',
  'max-scale',
  'initial-scale',
  'activation-scale',
  'scale-down-delay',
  'scale-to-zero-pod-retention-period',
]);
const AUTOSCALING = 'autoscaling.knative.dev/';
const VISIBILITY = 'networking.knative.dev/visibility';
const MAX_REVISION_TIMEOUT_SECONDS = 600;

function knativeServiceProblems(doc: Manifest): string[] {
  const problems: string[] = [];
  const add = (problem: string) => problems.push(`${objectKey(doc)}: ${problem}`);
  const template = doc.spec?.template ?? {};
  const pod = template.spec ?? {};

  for (const [key] of Object.entries(doc.metadata.annotations ?? {})) {
    if (key.startsWith(AUTOSCALING))
      add(`${key} is ignored on the Service; set it on spec.template.metadata.annotations`);
    if (key === VISIBILITY) add(`${VISIBILITY} must be a label, not an annotation`);
  }
  const visibility = doc.metadata.labels?.[VISIBILITY];
  if (visibility !== undefined && visibility !== 'cluster-local')
    add(`label ${VISIBILITY} must be "cluster-local"`);
  if (doc.metadata.labels?.['serving.knative.dev/visibility']) {
    add(`serving.knative.dev/visibility is obsolete: use the label ${VISIBILITY}`);
  }

  const scale: Record<string, number> = {};
  for (const [key, value] of Object.entries(template.metadata?.annotations ?? {})) {
    if (!key.startsWith(AUTOSCALING)) continue;
    const name = key.slice(AUTOSCALING.length);
    if (!AUTOSCALING_KEYS.has(name)) add(`unknown annotation ${key}`);
    if (typeof value !== 'string')
      add(`annotation ${key} must be a string (quote it), got ${JSON.stringify(value)}`);
    else if (['min-scale', 'max-scale', 'initial-scale', 'target'].includes(name)) {
      if (!/^\d+(\.\d+)?$/.test(value)) add(`annotation ${key} must be a number, got "${value}"`);
      scale[name] = Number(value);
    }
  }
  if (scale['min-scale'] !== undefined && scale['max-scale'] && scale['min-scale'] > scale['max-scale']) {
    add('min-scale is above max-scale');
  }

  for (const key of Object.keys(pod))
    if (!POD_SPEC_FIELDS.has(key))
      add(`spec.template.spec.${key} is not admitted by Knative (default features)`);
  if (typeof pod.timeoutSeconds === 'number' && pod.timeoutSeconds > MAX_REVISION_TIMEOUT_SECONDS) {
    add(
      `timeoutSeconds ${pod.timeoutSeconds} is above Knative's default maximum ${MAX_REVISION_TIMEOUT_SECONDS}`,
    );
  }
  if (
    typeof pod.containerConcurrency === 'number' &&
    (pod.containerConcurrency < 0 || pod.containerConcurrency > 1000)
  ) {
    add('containerConcurrency must be within 0..1000');
  }

  const containers: Manifest['spec'][] = pod.containers ?? [];
  if (containers.length !== 1) add(`expected one container, found ${containers.length}`);
  for (const [i, container] of containers.entries()) {
    const at = `container ${container.name ?? i}`;
    for (const key of Object.keys(container))
      if (!CONTAINER_FIELDS.has(key)) add(`${at}: ${key} is not admitted by Knative`);
    for (const key of Object.keys(container.securityContext ?? {})) {
      if (!SECURITY_CONTEXT_FIELDS.has(key)) add(`${at}: securityContext.${key} is not admitted by Knative`);
    }
    const ports: { containerPort: number; name?: string }[] = container.ports ?? [];
    if (ports.length > 1) add(`${at}: Knative allows one port per container`);
    for (const port of ports) {
      if (RESERVED_PORTS.includes(port.containerPort))
        add(`${at}: port ${port.containerPort} is reserved by Knative`);
      if (port.name && !['http1', 'h2c'].includes(port.name))
        add(`${at}: port name must be http1 or h2c, got ${port.name}`);
    }
    const port = ports[0]?.containerPort;
    for (const probe of ['readinessProbe', 'livenessProbe'] as const) {
      const httpGet = container[probe]?.httpGet;
      if (httpGet?.port !== undefined && httpGet.port !== port)
        add(`${at}: ${probe} may only probe the container's port`);
    }
    for (const env of container.env ?? []) {
      if (isPlatformEnv(env.name))
        add(`${at}: env ${env.name} is set by Knative (or a SinkBinding) and may not be set here`);
    }
    for (const mount of container.volumeMounts ?? []) {
      if (RESERVED_MOUNT_PATHS.includes(mount.mountPath))
        add(`${at}: a volume may not be mounted at ${mount.mountPath}`);
    }
  }
  return problems;
}

// Knative Eventing's admission rules.

const ISO_DURATION =
  /^P(?!$)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$/;
const FILTER_DIALECTS = ['exact', 'prefix', 'suffix', 'all', 'any', 'not', 'cesql'];

function destinationProblems(destination: Destination | undefined, field: string): string[] {
  if (!destination || (!destination.ref && !destination.uri)) return [`${field} needs a ref or a uri`];
  const ref = destination.ref;
  if (ref && (!ref.apiVersion || !ref.kind || !ref.name))
    return [`${field}.ref needs apiVersion, kind and name`];
  if (
    destination.audience !== undefined &&
    (typeof destination.audience !== 'string' || !destination.audience)
  )
    return [`${field}.audience must be a non-empty string`];
  return [];
}

// biome-ignore lint/suspicious/noExplicitAny: a delivery spec straight from YAML
function deliveryProblems(delivery: any, field: string): string[] {
  if (!delivery) return [];
  const problems: string[] = [];
  if (delivery.retry !== undefined && !(Number.isInteger(delivery.retry) && delivery.retry >= 0))
    problems.push(`${field}.retry must be an integer ≥ 0`);
  if (delivery.backoffPolicy !== undefined && !['linear', 'exponential'].includes(delivery.backoffPolicy)) {
    problems.push(`${field}.backoffPolicy must be linear or exponential`);
  }
  for (const duration of ['backoffDelay', 'timeout'] as const) {
    if (delivery[duration] !== undefined && !ISO_DURATION.test(String(delivery[duration]))) {
      problems.push(
        `${field}.${duration} must be an ISO 8601 duration such as PT0.2S, got ${delivery[duration]}`,
      );
    }
  }
  if (delivery.retryAfterMax !== undefined)
    problems.push(`${field}.retryAfterMax needs the alpha feature delivery-retryafter, off by default`);
  if (delivery.deadLetterSink)
    problems.push(...destinationProblems(delivery.deadLetterSink, `${field}.deadLetterSink`));
  return problems;
}

// biome-ignore lint/suspicious/noExplicitAny: a filter expression straight from YAML
function filterProblems(filter: any, field: string): string[] {
  const dialects = Object.keys(filter ?? {});
  if (dialects.length !== 1)
    return [
      `${field} must hold exactly one dialect (${FILTER_DIALECTS.join(', ')}), got ${dialects.join(', ') || 'none'}`,
    ];
  const [dialect] = dialects as [string];
  const body = filter[dialect];
  if (!FILTER_DIALECTS.includes(dialect)) return [`${field}: unknown filter dialect ${dialect}`];
  if (['exact', 'prefix', 'suffix'].includes(dialect)) {
    return Object.entries(body ?? {}).flatMap(([key, value]) => [
      ...(KNATIVE_ATTRIBUTE_NAME.test(key)
        ? []
        : [`${field}.${dialect}: attribute ${key} must start with a letter and be lowercase alphanumeric`]),
      ...(typeof value === 'string' && value
        ? []
        : [`${field}.${dialect}.${key} must be a non-empty string`]),
    ]);
  }
  if (['all', 'any'].includes(dialect)) {
    if (!Array.isArray(body) || !body.length) return [`${field}.${dialect} must be a non-empty list`];
    return body.flatMap((inner: unknown, i: number) => filterProblems(inner, `${field}.${dialect}[${i}]`));
  }
  if (dialect === 'not') return filterProblems(body, `${field}.not`);
  if (typeof body !== 'string' || !body) return [`${field}.cesql must be a CESQL expression`];
  return cesqlProblems(body, `${field}.cesql`);
}

/** Knative's webhook parses each expression (ValidateCESQLExpression) with the CloudEvents Go SDK. */
function cesqlProblems(expression: string, field: string): string[] {
  try {
    compileCesql(expression);
    return [];
  } catch (error) {
    if (error instanceof CesqlParseError) return [`${field}: ${error.message}`];
    throw error;
  }
}

function triggerProblems(doc: Manifest): string[] {
  const spec = doc.spec ?? {};
  const problems: string[] = [];
  if (!spec.broker) problems.push('spec.broker is required');
  problems.push(...destinationProblems(spec.subscriber, 'spec.subscriber'));
  for (const key of Object.keys(spec.filter?.attributes ?? {})) {
    if (!KNATIVE_ATTRIBUTE_NAME.test(key))
      problems.push(`spec.filter.attributes: ${key} must start with a letter and be lowercase alphanumeric`);
  }
  for (const [i, filter] of (spec.filters ?? []).entries())
    problems.push(...filterProblems(filter, `spec.filters[${i}]`));
  problems.push(...deliveryProblems(spec.delivery, 'spec.delivery'));
  return problems.map((problem) => `${objectKey(doc)}: ${problem}`);
}

const BROKER_CLASSES = ['MTChannelBasedBroker', 'Kafka', 'KafkaNamespaced'];

function brokerProblems(doc: Manifest): string[] {
  const problems = deliveryProblems(doc.spec?.delivery, 'spec.delivery');
  const brokerClass = doc.metadata.annotations?.['eventing.knative.dev/broker.class'];
  if (brokerClass !== undefined && !BROKER_CLASSES.includes(brokerClass))
    problems.push(`unknown broker class ${brokerClass}`);
  if (brokerClass && !doc.spec?.config) problems.push(`broker class ${brokerClass} needs spec.config`);
  return problems.map((problem) => `${objectKey(doc)}: ${problem}`);
}

const CRON_FIELD = /^(\*|\d+(-\d+)?)(\/\d+)?(,(\*|\d+(-\d+)?)(\/\d+)?)*$/;

function pingSourceProblems(doc: Manifest): string[] {
  const spec = doc.spec ?? {};
  const problems = destinationProblems(spec.sink, 'spec.sink');
  const schedule = String(spec.schedule ?? '').replace(/^CRON_TZ=\S+\s+/, '');
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 5 || !fields.every((f) => CRON_FIELD.test(f)))
    problems.push(`spec.schedule "${spec.schedule}" is not a 5-field cron expression`);
  if (spec.data !== undefined && spec.dataBase64 !== undefined)
    problems.push('spec.data and spec.dataBase64 exclude each other');
  return problems.map((problem) => `${objectKey(doc)}: ${problem}`);
}

function sinkBindingProblems(doc: Manifest): string[] {
  const spec = doc.spec ?? {};
  const problems = destinationProblems(spec.sink, 'spec.sink');
  const subject = spec.subject ?? {};
  if (!subject.apiVersion || !subject.kind) problems.push('spec.subject needs apiVersion and kind');
  if (Boolean(subject.name) === Boolean(subject.selector))
    problems.push('spec.subject needs a name or a selector, not both');
  return problems.map((problem) => `${objectKey(doc)}: ${problem}`);
}

/** The Knative webhooks' validation of Serving and Eventing objects (other kinds: none). */
export function admissionProblems(doc: Manifest): string[] {
  switch (`${doc.apiVersion} ${doc.kind}`) {
    case 'serving.knative.dev/v1 Service':
      return knativeServiceProblems(doc);
    case 'eventing.knative.dev/v1 Trigger':
      return triggerProblems(doc);
    case 'eventing.knative.dev/v1 Broker':
      return brokerProblems(doc);
    case 'sources.knative.dev/v1 PingSource':
      return pingSourceProblems(doc);
    case 'sources.knative.dev/v1 SinkBinding':
      return sinkBindingProblems(doc);
    default:
      return [];
  }
}
