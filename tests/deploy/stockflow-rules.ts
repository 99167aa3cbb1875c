/**
 * @module Stockflow's deploy conventions and the cross-checks that keep knative/ from drifting away
 * from the code: one Service per deployable, named after it; Triggers that route exactly what each
 * function's handlers consume; every env var a function's config requires set in its Service;
 * each publisher bound to the broker by its own SinkBinding and swept by a PingSource; every
 * reference resolving, and carrying the audience its tokens are for.
 */
import { ANY_TYPE, baseEnv, PING_TYPE } from '@stockflow/kit';
import type { Deployable } from '../../scripts/deployables.ts';
import { cloudBuildImage } from '../../scripts/function-lists.ts';
import type { CloudBuildConfig } from './cloudbuild-schema.ts';
import { isPlatformEnv } from './knative-rules.ts';
import {
  containerOf,
  type Destination,
  envOf,
  isBroker,
  isKnativeService,
  isPingSource,
  isSinkBinding,
  isTrigger,
  type Manifest,
  objectKey,
} from './manifests.ts';
import type { SkaffoldConfig } from './skaffold-schema.ts';

/** What the code of one deployable declares: the event types it handles and the env it reads. */
export interface FunctionContract {
  name: string;
  /** Keys of its `events` handlers: CloudEvent types, `*` (every type) or the PingSource's type. */
  consumes: string[];
  env: { name: string; required: boolean }[];
}

export const VISIBILITY = 'networking.knative.dev/visibility';
/** Where functions read the public keys of web's staff token signer. */
export const STAFF_JWKS_REF = { name: 'stockflow-staff', key: 'jwks' };
export const DEAD_LETTERS = { service: 'ledger', uri: '/dead-letters' };
/**
 * Read by libraries rather than by a function's config schema: the Firestore client's emulator host,
 * and the OpenTelemetry variables the kit's tracing, the OTLP exporter and the span processor read.
 */
const OTEL_ENV =
  /^OTEL_(EXPORTER_OTLP_(TRACES_)?(ENDPOINT|HEADERS|TIMEOUT|COMPRESSION|CERTIFICATE|CLIENT_KEY|CLIENT_CERTIFICATE)|BSP_(SCHEDULE_DELAY|MAX_QUEUE_SIZE|MAX_EXPORT_BATCH_SIZE|EXPORT_TIMEOUT)|(SPAN_)?ATTRIBUTE_(VALUE_LENGTH|COUNT)_LIMIT|SPAN_(EVENT|LINK)_COUNT_LIMIT|SPAN_ATTRIBUTE_PER_(EVENT|LINK)_COUNT_LIMIT)$/;
const isLibraryEnv = (name: string) =>
  name === 'FIRESTORE_EMULATOR_HOST' || name === 'NODE_EXTRA_CA_CERTS' || OTEL_ENV.test(name);
/** The cluster's OIDC issuer, which the kit's /events verification reads; the overlays set it. */
const IDENTITY_ENV = 'OIDC_ISSUER';
const SECRET_NAME = /(TOKEN|SECRET|PASSWORD|PASSPHRASE|PRIVATE_KEY|API_KEY|CREDENTIALS?)$/;

interface FunctionDefinition {
  name: string;
  spec: { events?: Record<string, unknown>; env?: Record<string, { _zod: { optin?: string } }> };
  create: unknown;
}

const isDefinition = (value: unknown, name: string): value is FunctionDefinition =>
  typeof value === 'object' &&
  value !== null &&
  (value as FunctionDefinition).name === name &&
  typeof (value as FunctionDefinition).create === 'function' &&
  typeof (value as FunctionDefinition).spec === 'object';

/** Reads a deployable's contract from the `defineFunction(...)` value its app module exports. */
export function contractOf(deployable: Deployable, module: Record<string, unknown>): FunctionContract {
  const definition = Object.values(module).find((value) => isDefinition(value, deployable.name));
  if (!definition)
    throw new Error(`${deployable.app} exports no defineFunction({ name: '${deployable.name}' }) value`);
  const shape = { ...baseEnv.shape, ...definition.spec.env } as Record<string, { _zod: { optin?: string } }>;
  return {
    name: deployable.name,
    consumes: Object.keys(definition.spec.events ?? {}),
    // Optional and defaulted schemas accept a missing variable (zod marks them `optin`).
    env: Object.entries(shape).map(([name, schema]) => ({ name, required: schema._zod.optin === undefined })),
  };
}

export interface CheckInput {
  docs: Manifest[];
  deployables: Deployable[];
  contracts: FunctionContract[];
  /** Every contract event type with its one producer: a publisher or a partner. */
  events: Record<string, { producer: string }>;
  /** The functions that publish to the broker, each through its own SinkBinding. */
  publishers: readonly string[];
  /** Other systems that send to the broker, each as its own ServiceAccount. */
  partners: readonly string[];
}

const refersTo = (destination: Destination | undefined, kind: string, name: string) =>
  destination?.ref?.kind === kind && destination.ref.name === name;

/** The event types a Trigger lets through, out of `types`; `undefined` when it cannot tell. */
export function routedTypes(trigger: Manifest, types: readonly string[]): string[] | undefined {
  const filters: Record<string, Record<string, string>>[] = trigger.spec?.filters ?? [];
  if (filters.length) {
    let routed = [...types];
    for (const filter of filters) {
      const [dialect, body] = Object.entries(filter)[0] ?? [];
      if (!dialect || !['exact', 'prefix', 'suffix'].includes(dialect)) return undefined;
      const value = body?.type;
      if (value === undefined) continue;
      routed = routed.filter((type) =>
        dialect === 'exact'
          ? type === value
          : dialect === 'prefix'
            ? type.startsWith(value)
            : type.endsWith(value),
      );
    }
    return routed;
  }
  const exact: string | undefined = trigger.spec?.filter?.attributes?.type;
  return exact ? types.filter((type) => type === exact) : [...types];
}

function serviceProblems(
  service: Manifest,
  deployable: Deployable,
  contract: FunctionContract | undefined,
  docs: Manifest[],
): string[] {
  const problems: string[] = [];
  const add = (problem: string) => problems.push(`${objectKey(service)}: ${problem}`);
  const { name } = deployable;
  const container = containerOf(service);
  const pod = service.spec?.template?.spec ?? {};

  if (container.image !== name)
    add(`image must be "${name}" (the skaffold artifact), got "${container.image}"`);
  if (pod.serviceAccountName !== name) add(`serviceAccountName must be "${name}" (its own identity)`);
  else if (!docs.some((d) => d.kind === 'ServiceAccount' && d.metadata.name === name))
    add(`ServiceAccount ${name} is not defined`);
  if (container.readinessProbe?.httpGet?.path !== '/readyz') add('readinessProbe must GET /readyz');
  if (container.livenessProbe?.httpGet?.path !== '/healthz') add('livenessProbe must GET /healthz');
  const { requests = {}, limits = {} } = container.resources ?? {};
  if (!requests.cpu || !requests.memory || !limits.memory)
    add('resources need requests.cpu, requests.memory and limits.memory');
  const annotations = service.spec?.template?.metadata?.annotations ?? {};
  if (!annotations['autoscaling.knative.dev/max-scale'])
    add('spec.template.metadata.annotations needs autoscaling.knative.dev/max-scale');

  const visibility = service.metadata.labels?.[VISIBILITY];
  if (deployable.kind === 'web' && visibility) add('web is the public face: it must not be cluster-local');
  if (deployable.kind === 'function' && visibility !== 'cluster-local')
    add(`functions are private: label ${VISIBILITY}: cluster-local`);

  const env = envOf(service);
  const set = new Map(env.map((variable) => [variable.name, variable]));
  if (set.size !== env.length) add('an env var is set twice');
  for (const variable of env) {
    if (variable.value !== undefined && SECRET_NAME.test(variable.name))
      add(`${variable.name} must come from a Secret (valueFrom), never inline`);
  }
  // The shared admin token is a break-glass an operator turns on by hand, never these manifests.
  if (set.has('ADMIN_TOKEN')) add('ADMIN_TOKEN is the break-glass token: no manifest may set it');
  const jwks = set.get('STAFF_JWKS')?.valueFrom?.configMapKeyRef;
  if (
    deployable.kind === 'function' &&
    (jwks?.name !== STAFF_JWKS_REF.name || jwks.key !== STAFF_JWKS_REF.key)
  ) {
    add(`STAFF_JWKS must come from configMapKeyRef ${STAFF_JWKS_REF.name}/${STAFF_JWKS_REF.key}`);
  }
  if (deployable.kind === 'function' && set.get('FIRESTORE_DATABASE')?.value !== name)
    add(`FIRESTORE_DATABASE must be "${name}" (its own database)`);

  if (contract) {
    const known = new Set(contract.env.map((variable) => variable.name));
    for (const variable of contract.env) {
      if (variable.required && !isPlatformEnv(variable.name) && !set.has(variable.name)) {
        add(`env ${variable.name} is required by ${deployable.app} but not set`);
      }
    }
    for (const variable of env) {
      if (!known.has(variable.name) && !isLibraryEnv(variable.name) && variable.name !== IDENTITY_ENV)
        add(`env ${variable.name} is not read by ${deployable.app} (a typo?)`);
    }
  }
  return problems;
}

/** Every convention and cross-check over one rendered overlay. */
export function stockflowProblems({
  docs,
  deployables,
  contracts,
  events,
  publishers,
  partners,
}: CheckInput): string[] {
  const problems: string[] = [];
  const services = docs.filter(isKnativeService);
  const triggers = docs.filter(isTrigger);
  const pingSources = docs.filter(isPingSource);
  const eventTypes = Object.keys(events);
  const byName = new Map(deployables.map((d) => [d.name, d]));
  const contractOfName = new Map(contracts.map((c) => [c.name, c]));

  const seen = new Set<string>();
  for (const doc of docs) {
    const key = objectKey(doc);
    if (seen.has(key)) problems.push(`${key} is defined twice`);
    seen.add(key);
  }

  for (const deployable of deployables) {
    const service = services.find((s) => s.metadata.name === deployable.name);
    if (!service) {
      problems.push(
        `${deployable.dir} has no Knative Service: add knative/base/${deployable.name}.yaml and list it in knative/base/kustomization.yaml`,
      );
      continue;
    }
    problems.push(...serviceProblems(service, deployable, contractOfName.get(deployable.name), docs));
  }
  for (const service of services) {
    if (!byName.has(service.metadata.name))
      problems.push(
        `${objectKey(service)} has no deployable: no functions/${service.metadata.name}/src/app.ts`,
      );
  }

  // Every reference resolves to an object of this overlay.
  const resolve = (destination: Destination | undefined, where: string) => {
    const ref = destination?.ref;
    if (!ref) return;
    const target = docs.find(
      (d) => d.apiVersion === ref.apiVersion && d.kind === ref.kind && d.metadata.name === ref.name,
    );
    if (!target)
      problems.push(`${where} refers to ${ref.kind} ${ref.name} (${ref.apiVersion}), which is not defined`);
  };
  for (const broker of docs.filter(isBroker))
    resolve(broker.spec?.delivery?.deadLetterSink, objectKey(broker));
  for (const source of pingSources) resolve(source.spec?.sink, objectKey(source));
  for (const binding of docs.filter(isSinkBinding)) resolve(binding.spec?.sink, objectKey(binding));

  // Triggers: the default broker, a function's /events, a delivery spec ending at the ledger.
  const routedTo = new Map<string, Set<string>>();
  for (const trigger of triggers) {
    const where = objectKey(trigger);
    const spec = trigger.spec ?? {};
    resolve(spec.subscriber, where);
    resolve(spec.delivery?.deadLetterSink, where);
    if (spec.broker !== 'default') problems.push(`${where}: broker must be "default"`);
    if (!docs.some((d) => isBroker(d) && d.metadata.name === spec.broker))
      problems.push(`${where}: broker ${spec.broker} is not defined`);
    const subscriber: string | undefined = spec.subscriber?.ref?.name;
    if (
      spec.subscriber?.ref?.kind !== 'Service' ||
      spec.subscriber.ref.apiVersion !== 'serving.knative.dev/v1' ||
      spec.subscriber.uri !== '/events'
    ) {
      problems.push(`${where}: subscriber must be a Knative Service's ref with uri /events`);
    }
    const delivery = spec.delivery;
    if (!delivery)
      problems.push(`${where}: needs a delivery spec (retry, exponential backoff, dead-letter sink)`);
    else {
      if (!(delivery.retry >= 1)) problems.push(`${where}: delivery.retry must be at least 1`);
      if (delivery.backoffPolicy !== 'exponential' || !delivery.backoffDelay)
        problems.push(`${where}: delivery needs backoffPolicy exponential and a backoffDelay`);
      if (
        !refersTo(delivery.deadLetterSink, 'Service', DEAD_LETTERS.service) ||
        delivery.deadLetterSink.uri !== DEAD_LETTERS.uri
      ) {
        problems.push(
          `${where}: delivery.deadLetterSink must be Service ${DEAD_LETTERS.service} at ${DEAD_LETTERS.uri}`,
        );
      }
    }
    if (!subscriber) continue;
    const routed = routedTypes(trigger, eventTypes);
    if (!routed) {
      problems.push(
        `${where}: filter on type with exact, prefix or suffix so the routed types can be checked`,
      );
      continue;
    }
    if (!routed.length) problems.push(`${where}: routes no contract event type (packages/contracts EVENTS)`);
    const contract = contractOfName.get(subscriber);
    if (!contract) continue;
    const all = new Set(routedTo.get(subscriber));
    for (const type of routed) all.add(type);
    routedTo.set(subscriber, all);
    if (contract.consumes.includes(ANY_TYPE)) continue;
    for (const type of routed) {
      if (!contract.consumes.includes(type))
        problems.push(`${where} routes ${type} to ${subscriber}, whose code does not consume it`);
    }
  }

  // The reverse: every type a function's code consumes reaches it.
  for (const contract of contracts) {
    const routed = routedTo.get(contract.name) ?? new Set<string>();
    for (const type of contract.consumes) {
      if (type === PING_TYPE) continue;
      if (type === ANY_TYPE) {
        const missing = eventTypes.filter((t) => !routed.has(t));
        if (missing.length)
          problems.push(
            `${contract.name} consumes every type, but no Trigger routes ${missing.join(', ')} to it`,
          );
      } else if (!routed.has(type)) {
        problems.push(
          `${contract.name} consumes ${type}, but no Trigger routes it there: add one to knative/base/${contract.name}.yaml`,
        );
      }
    }
    if (
      contract.consumes.includes(PING_TYPE) &&
      !pingSources.some((s) => refersTo(s.spec?.sink, 'Service', contract.name))
    ) {
      problems.push(`${contract.name} handles ${PING_TYPE}, but no PingSource sends it one`);
    }
  }

  // Publishers: each its own SinkBinding (its identity), named after it, and a PingSource sweeping
  // its outbox.
  const bindings = docs.filter(isSinkBinding);
  for (const [type, { producer }] of Object.entries(events)) {
    if (!publishers.includes(producer) && !partners.includes(producer))
      problems.push(
        `${type}: producer ${producer} is neither a publisher nor a partner (packages/contracts)`,
      );
  }
  for (const name of publishers) {
    const service = services.find((s) => s.metadata.name === name);
    if (!service) {
      problems.push(`publisher ${name} has no Knative Service`);
      continue;
    }
    problems.push(...sinkBindingProblems(bindings, name));
    const sweep = pingSources.find((s) => refersTo(s.spec?.sink, 'Service', name));
    if (!sweep)
      problems.push(
        `${objectKey(service)} publishes events: add a PingSource so its outbox is swept while it is scaled to zero`,
      );
    else if (sweep.spec.sink.uri !== '/events')
      problems.push(`${objectKey(sweep)}: sink uri must be /events`);
  }
  for (const binding of bindings) {
    if (!publishers.includes(binding.metadata.name))
      problems.push(
        `${objectKey(binding)} is no publisher's: each publisher (packages/contracts PUBLISHERS) has its own, named after it`,
      );
  }
  for (const partner of partners) {
    if (
      !docs.some((d) => d.apiVersion === 'v1' && d.kind === 'ServiceAccount' && d.metadata.name === partner)
    )
      problems.push(`partner ${partner} has no ServiceAccount: add it to knative/base/partners.yaml`);
  }

  problems.push(...audienceProblems(docs));
  return problems;
}

/**
 * A publisher's SinkBinding: named after it (its OIDC identity is
 * `<name>-oidc-sources.knative.dev-sinkbinding`), its Service by name as subject, the Broker as sink.
 */
function sinkBindingProblems(bindings: Manifest[], name: string): string[] {
  const binding = bindings.find((b) => b.metadata.name === name);
  if (!binding)
    return [`publisher ${name} has no SinkBinding named ${name}: add one to knative/base/${name}.yaml`];
  const problems: string[] = [];
  const subject = binding.spec?.subject ?? {};
  if (
    subject.apiVersion !== 'serving.knative.dev/v1' ||
    subject.kind !== 'Service' ||
    subject.name !== name ||
    subject.selector !== undefined
  )
    problems.push(`${objectKey(binding)}: subject must be Service ${name} by name (no selector)`);
  if (!refersTo(binding.spec?.sink, 'Broker', 'default'))
    problems.push(`${objectKey(binding)}: sink must be the Broker default`);
  return problems;
}

/** Every Destination that points at a Knative Service: with `audience` = the Service's name. */
function audienceProblems(docs: Manifest[]): string[] {
  const destinations: [string, Destination | undefined][] = docs.flatMap((doc) => {
    const where = objectKey(doc);
    if (isTrigger(doc))
      return [
        [`${where} spec.subscriber`, doc.spec?.subscriber],
        [`${where} spec.delivery.deadLetterSink`, doc.spec?.delivery?.deadLetterSink],
      ] as [string, Destination | undefined][];
    if (isBroker(doc)) return [[`${where} spec.delivery.deadLetterSink`, doc.spec?.delivery?.deadLetterSink]];
    if (isPingSource(doc)) return [[`${where} spec.sink`, doc.spec?.sink]];
    return [];
  });
  return destinations
    .filter(
      ([, destination]) =>
        destination?.ref?.kind === 'Service' &&
        destination.ref.apiVersion === 'serving.knative.dev/v1' &&
        destination.audience !== destination.ref.name,
    )
    .map(
      ([where, destination]) =>
        `${where}: audience must be "${destination?.ref?.name}" (the Service's name), so the dispatcher sends a token`,
    );
}

const brokerClass = (docs: Manifest[]) =>
  docs.find((d) => isBroker(d) && d.metadata.name === 'default')?.metadata.annotations?.[
    'eventing.knative.dev/broker.class'
  ];

/** Manifests never carry secret material: Secrets are created in the cluster (docs/deploy.md). */
export function secretProblems(docs: Manifest[]): string[] {
  return docs
    .filter((d) => d.apiVersion === 'v1' && d.kind === 'Secret' && (d.data || d.stringData))
    .map((d) => `${objectKey(d)}: secret values never live in the repo; create the Secret in the cluster`);
}

/** A kind or minikube cluster's ServiceAccount token issuer (kube-apiserver's default). */
export const LOCAL_CLUSTER_ISSUER = 'https://kubernetes.default.svc.cluster.local';

/** overlays/local: the emulator in the cluster, the in-memory channel broker, web reachable by port-forward. */
export function localOverlayProblems(docs: Manifest[], deployables: Deployable[]): string[] {
  const problems: string[] = [];
  if (brokerClass(docs) !== 'MTChannelBasedBroker')
    problems.push('local: the Broker must use the channel-based class (InMemoryChannel)');
  const emulator = docs.find(
    (d) => d.kind === 'Service' && d.apiVersion === 'v1' && d.metadata.name === 'firestore-emulator',
  );
  const deployment = docs.find((d) => d.kind === 'Deployment' && d.metadata.name === 'firestore-emulator');
  if (!emulator || !deployment) problems.push('local: needs the firestore-emulator Deployment and Service');
  const port = emulator?.spec?.ports?.[0]?.port;
  for (const d of deployables.filter((x) => x.kind === 'function')) {
    const service = docs.find((s) => isKnativeService(s) && s.metadata.name === d.name);
    const host = service && envOf(service).find((v) => v.name === 'FIRESTORE_EMULATOR_HOST')?.value;
    if (service && host !== `firestore-emulator:${port}`)
      problems.push(`local: ${d.name} needs FIRESTORE_EMULATOR_HOST=firestore-emulator:${port}`);
    const issuer = service && envOf(service).find((v) => v.name === IDENTITY_ENV)?.value;
    if (service && issuer !== LOCAL_CLUSTER_ISSUER)
      problems.push(
        `local: ${d.name} needs ${IDENTITY_ENV}=${LOCAL_CLUSTER_ISSUER} (the API server's issuer)`,
      );
  }
  const web = docs.find((s) => isKnativeService(s) && s.metadata.name === 'web');
  const forward = docs.find(
    (d) => d.apiVersion === 'v1' && d.kind === 'Service' && d.metadata.name === 'web-dev',
  );
  if (web && forward?.spec?.selector?.['serving.knative.dev/service'] !== 'web')
    problems.push("local: Service web-dev must select web's pods");
  if (
    web &&
    !(Number(web.spec?.template?.metadata?.annotations?.['autoscaling.knative.dev/min-scale']) >= 1)
  ) {
    problems.push('local: web needs min-scale ≥ 1, or there is no pod to port-forward to');
  }
  return problems;
}

/** overlays/gke: the Kafka broker with its config, Firestore itself (no emulator), the project from the cluster. */
export function gkeOverlayProblems(docs: Manifest[], deployables: Deployable[]): string[] {
  const problems: string[] = [];
  const broker = docs.find((d) => isBroker(d) && d.metadata.name === 'default');
  if (brokerClass(docs) !== 'Kafka') problems.push('gke: the Broker must use the Kafka class');
  const config = broker?.spec?.config;
  const configMap = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === config?.name);
  if (config?.kind !== 'ConfigMap' || !configMap?.data?.['bootstrap.servers']) {
    problems.push('gke: the Kafka Broker needs spec.config pointing at a ConfigMap with bootstrap.servers');
  }
  if (!configMap?.data?.['auth.secret.ref.name'])
    problems.push(
      'gke: the Kafka broker config needs auth.secret.ref.name (a TLS + SASL Secret, docs/deploy.md)',
    );
  const features = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === 'config-features');
  if (features?.data?.['transport-encryption'] !== 'strict')
    problems.push('gke: config-features transport-encryption must be strict');
  if (docs.some((d) => d.metadata.name === 'firestore-emulator'))
    problems.push('gke: no Firestore emulator in production');
  for (const service of docs.filter(isKnativeService)) {
    const env = envOf(service);
    if (env.some((v) => v.name === 'FIRESTORE_EMULATOR_HOST'))
      problems.push(`gke: ${service.metadata.name} must not set FIRESTORE_EMULATOR_HOST`);
    const project = env.find((v) => v.name === 'GOOGLE_CLOUD_PROJECT');
    if (!project?.valueFrom?.configMapKeyRef)
      problems.push(
        `gke: ${service.metadata.name} needs GOOGLE_CLOUD_PROJECT from the ConfigMap stockflow-gcp`,
      );
    const issuer = env.find((v) => v.name === IDENTITY_ENV)?.valueFrom?.configMapKeyRef;
    const isFunction = deployables.some((d) => d.name === service.metadata.name && d.kind === 'function');
    if (isFunction && (issuer?.name !== 'stockflow-gcp' || issuer.key !== 'oidc-issuer'))
      problems.push(
        `gke: ${service.metadata.name} needs ${IDENTITY_ENV} from the ConfigMap stockflow-gcp (key oidc-issuer)`,
      );
  }
  problems.push(...networkPolicyProblems(docs, deployables));
  return problems;
}

/** Namespaces of Knative's data plane, from which every request to a Knative Service's pods comes. */
export const DATA_PLANE_NAMESPACES = ['knative-serving', 'kourier-system', 'knative-eventing'];
/** Managed Service for Prometheus's collectors, which may reach the function's own port only. */
export const SCRAPER = { namespace: 'gmp-system', port: 8080 };
const KNATIVE_SERVICE_LABEL = 'serving.knative.dev/service';

// biome-ignore lint/suspicious/noExplicitAny: a label selector straight from YAML
function selectsService(selector: any, name: string): boolean {
  const labels: Record<string, string> = selector?.matchLabels ?? {};
  const expressions: { key: string; operator: string; values?: string[] }[] =
    selector?.matchExpressions ?? [];
  if (!Object.keys(labels).length && !expressions.length) return true;
  return (
    Object.entries(labels).every(([key, value]) => key === KNATIVE_SERVICE_LABEL && value === name) &&
    expressions.every(
      (e) => e.key === KNATIVE_SERVICE_LABEL && e.operator === 'In' && e.values?.includes(name),
    )
  );
}

/** The namespaces a `from` peer names by kubernetes.io/metadata.name, or undefined for any other peer. */
// biome-ignore lint/suspicious/noExplicitAny: a NetworkPolicy peer straight from YAML
function peerNamespaces(peer: any): string[] | undefined {
  if (peer.podSelector || peer.ipBlock || !peer.namespaceSelector) return undefined;
  const selector = peer.namespaceSelector;
  const key = 'kubernetes.io/metadata.name';
  const labels = Object.entries(selector.matchLabels ?? {});
  const expressions: { key: string; operator: string; values?: string[] }[] = selector.matchExpressions ?? [];
  if (labels.some(([k]) => k !== key) || expressions.some((e) => e.key !== key || e.operator !== 'In'))
    return undefined;
  const named = [...labels.map(([, v]) => String(v)), ...expressions.flatMap((e) => e.values ?? [])];
  return named.length ? named : undefined;
}

/**
 * overlays/gke's NetworkPolicies: each deployable's pods are selected by one policy (Ingress), and
 * every rule lets in only Knative's data plane, or the metrics scraper at the function's port.
 */
export function networkPolicyProblems(docs: Manifest[], deployables: Deployable[]): string[] {
  const problems: string[] = [];
  const policies = docs.filter((d) => d.apiVersion === 'networking.k8s.io/v1' && d.kind === 'NetworkPolicy');
  for (const d of deployables) {
    const selecting = policies.filter((p) => selectsService(p.spec?.podSelector, d.name));
    if (selecting.length !== 1)
      problems.push(`gke: ${d.name}'s pods must be selected by one NetworkPolicy, found ${selecting.length}`);
  }
  for (const policy of policies) {
    const where = objectKey(policy);
    if (!(policy.spec?.policyTypes ?? []).includes('Ingress'))
      problems.push(`${where}: policyTypes must include Ingress`);
    for (const [i, rule] of (policy.spec?.ingress ?? []).entries()) {
      const peers = rule.from ?? [];
      if (!peers.length) problems.push(`${where}: ingress[${i}] has no "from": it lets everyone in`);
      for (const peer of peers) {
        const namespaces = peerNamespaces(peer);
        const ports: { port?: number }[] = rule.ports ?? [];
        const scraperOnly =
          namespaces?.every((n) => n === SCRAPER.namespace) &&
          ports.length > 0 &&
          ports.every((p) => p.port === SCRAPER.port);
        if (!namespaces || !(scraperOnly || namespaces.every((n) => DATA_PLANE_NAMESPACES.includes(n))))
          problems.push(
            `${where}: ingress[${i}] lets in ${JSON.stringify(peer)}: only ${DATA_PLANE_NAMESPACES.join(', ')} (by kubernetes.io/metadata.name), or ${SCRAPER.namespace} at port ${SCRAPER.port}`,
          );
      }
    }
  }
  return problems;
}

/** skaffold.yaml builds every deployable, as itself, and nothing else. */
export function skaffoldDriftProblems(config: SkaffoldConfig, deployables: Deployable[]): string[] {
  const problems: string[] = [];
  const artifacts = config.build?.artifacts ?? [];
  for (const d of deployables) {
    if (!artifacts.some((a) => a.image === d.name))
      problems.push(`skaffold.yaml: ${d.dir} has no artifact (image: ${d.name})`);
  }
  for (const artifact of artifacts) {
    if (!deployables.some((d) => d.name === artifact.image)) {
      problems.push(
        `skaffold.yaml: artifact ${artifact.image} is no deployable (no functions/${artifact.image}/src/app.ts)`,
      );
    }
    const { context, docker } = artifact;
    if (
      context !== '.' ||
      docker?.dockerfile !== 'Dockerfile' ||
      docker.buildArgs?.FUNCTION !== artifact.image
    ) {
      problems.push(
        `skaffold.yaml: artifact ${artifact.image} must build context . with Dockerfile and buildArgs FUNCTION: ${artifact.image}`,
      );
    }
  }
  return problems;
}

/** cloudbuild.yaml records an image for every deployable, and nothing else. */
export function cloudBuildDriftProblems(config: CloudBuildConfig, deployables: Deployable[]): string[] {
  const images = config.images ?? [];
  const expected = deployables.map((d) => cloudBuildImage(d.name));
  return [
    ...deployables
      .filter((d) => !images.includes(cloudBuildImage(d.name)))
      .map((d) => `cloudbuild.yaml: images lacks ${cloudBuildImage(d.name)} (${d.dir})`),
    ...images
      .filter((image) => !expected.includes(image))
      .map((image) => `cloudbuild.yaml: image ${image} is no deployable's`),
  ];
}
