/**
 * @module Who may send what to the broker, judged the way Knative's broker ingress judges it
 * (pkg/auth/event_policy.go, pkg/auth/verifier.go): each EventPolicy's `from` resolved to token
 * subjects (a SinkBinding ref to its OIDC ServiceAccount, a `sub` as written, `*` as a suffix
 * wildcard), the first policy naming a subject deciding with its filters. Probe events of every
 * contract type, from every known source, must pass exactly for the type's producer (and, marked as a
 * replay, for the ledger); every contract type has its EventType on the broker.
 */
import {
  allFilter,
  anyFilter,
  type EventFilter,
  notFilter,
  passes,
  subscriptionsApiFilter,
} from '../../packages/mesh/src/filters.ts';
import type { SubscriptionsApiFilter } from '../../packages/mesh/src/manifests.ts';
import { isBroker, type Manifest, objectKey } from './manifests.ts';

export const isEventPolicy = (m: Manifest) =>
  m.apiVersion === 'eventing.knative.dev/v1alpha1' && m.kind === 'EventPolicy';
export const isEventType = (m: Manifest) =>
  m.apiVersion === 'eventing.knative.dev/v1beta2' && m.kind === 'EventType';

/** `-oidc-<group>-<kind>`, lowercased (auth.GetOIDCServiceAccountNameForResource). */
export const oidcSuffix = (apiVersion: string, kind: string) =>
  `-oidc-${apiVersion.split('/')[0]}-${kind}`.toLowerCase();

/** A Kubernetes name's longest length, past which kmeta.ChildName hashes the name. */
export const MAX_NAME = 63;

/** The kinds Knative gives an OIDC ServiceAccount of their own, named after them. */
const OIDC_KINDS = [
  ['eventing.knative.dev/v1', 'Trigger'],
  ['sources.knative.dev/v1', 'PingSource'],
  ['sources.knative.dev/v1', 'SinkBinding'],
] as const;

/**
 * Names whose OIDC ServiceAccount name would pass 63 characters: kmeta.ChildName would hash it, and
 * the functions' subject check (`*-oidc-eventing.knative.dev-trigger`) would no longer recognise it.
 */
export function oidcNameProblems(docs: Manifest[]): string[] {
  return docs.flatMap((doc) => {
    const kind = OIDC_KINDS.find(([apiVersion, k]) => doc.apiVersion === apiVersion && doc.kind === k);
    if (!kind) return [];
    const suffix = oidcSuffix(kind[0], kind[1]);
    const account = `${doc.metadata.name}${suffix}`.toLowerCase();
    return account.length > MAX_NAME
      ? [
          `${objectKey(doc)}: its OIDC ServiceAccount ${account} has ${account.length} characters, more than ${MAX_NAME} (Knative would hash it): shorten the name to at most ${MAX_NAME - suffix.length}`,
        ]
      : [];
  });
}

export interface PolicyInput {
  docs: Manifest[];
  namespace: string;
  /** Every contract event type with its one producer. */
  events: Record<string, { producer: string }>;
  publishers: readonly string[];
  /** Each partner with the prefix of its events' sources. */
  partners: Readonly<Record<string, { sourcePrefix: string }>>;
  /** The function whose replays (marked with `replayMarker`) may carry any type. */
  replayer: string;
  replayMarker: string;
}

/** The token subject of a publisher: its SinkBinding's OIDC ServiceAccount. */
export const publisherSubject = (namespace: string, name: string) =>
  `system:serviceaccount:${namespace}:${name}${oidcSuffix('sources.knative.dev/v1', 'SinkBinding')}`;

/** The token subjects a policy's `from` resolves to (resolveSubjectsFromReference, or `sub`). */
function subjectsOf(policy: Manifest, namespace: string): string[] {
  return (policy.spec?.from ?? []).map((from: { ref?: Manifest['metadata']; sub?: string }) => {
    if (from.sub) return from.sub;
    const ref = from.ref ?? { name: '?' };
    const account = `${ref.name}${oidcSuffix(ref.apiVersion ?? '', ref.kind ?? '')}`.toLowerCase();
    return `system:serviceaccount:${ref.namespace ?? namespace}:${account}`;
  });
}

/** Knative's subject match: case-insensitive, or a prefix when the allowed subject ends in `*`. */
const subjectMatches = (allowed: string, subject: string) =>
  allowed.toLowerCase() === subject.toLowerCase() ||
  (allowed.endsWith('*') && subject.startsWith(allowed.slice(0, -1)));

/**
 * A policy's filters as the ingress applies them (an AND), through the mesh's SubscriptionsAPI
 * filters. CESQL is on its own branch of the mesh; this check reads only `EXISTS <attribute>` and
 * refuses any other expression rather than guess.
 */
function policyFilter(filters: SubscriptionsApiFilter[]): EventFilter {
  const one = (filter: SubscriptionsApiFilter): EventFilter => {
    if (filter.cesql !== undefined) {
      const exists = /^EXISTS ([a-z][a-z0-9]*)$/.exec(filter.cesql.trim());
      if (!exists) throw new Error(`policy-rules reads only "EXISTS <attribute>", got ${filter.cesql}`);
      return (event) => (event[exists[1]!] !== undefined ? 'pass' : 'fail');
    }
    if (filter.all) return allFilter(filter.all.map(one));
    if (filter.any) return anyFilter(filter.any.map(one));
    if (filter.not) return notFilter(one(filter.not));
    return subscriptionsApiFilter(filter);
  };
  return allFilter(filters.map(one));
}

/** Whether `source` is the producer's: `/<function>`, or under a partner's prefix. */
function isProducerSource(input: PolicyInput, producer: string, source: string) {
  const partner = input.partners[producer];
  if (!partner) return source === `/${producer}`;
  return source === partner.sourcePrefix || source.startsWith(`${partner.sourcePrefix}/`);
}

/** Sources a probe event may carry: every producer's own, just beside a partner's, and a stranger's. */
function probeSources(input: PolicyInput): string[] {
  return [
    ...input.publishers.map((name) => `/${name}`),
    ...Object.values(input.partners).flatMap(({ sourcePrefix }) => [
      sourcePrefix,
      `${sourcePrefix}/dock-3`,
      `${sourcePrefix}x`,
    ]),
    '/elsewhere',
  ];
}

/** Every identity the policies or the contracts name: publishers' SinkBindings, partners' accounts. */
function identities(input: PolicyInput, policies: Manifest[]): Map<string, string> {
  const named = new Map<string, string>();
  for (const name of input.publishers) named.set(publisherSubject(input.namespace, name), name);
  for (const name of Object.keys(input.partners))
    named.set(`system:serviceaccount:${input.namespace}:${name}`, name);
  for (const policy of policies)
    for (const subject of subjectsOf(policy, input.namespace))
      if (!named.has(subject) && !subject.endsWith('*')) named.set(subject, subject);
  return named;
}

/** Whether the broker lets `subject` send the event: the first policy that names it decides. */
function allowed(policies: Manifest[], namespace: string, subject: string, event: Record<string, string>) {
  const deciding = policies.find((policy) =>
    subjectsOf(policy, namespace).some((allowedSubject) => subjectMatches(allowedSubject, subject)),
  );
  return deciding !== undefined && passes(policyFilter(deciding.spec?.filters ?? []), event);
}

/** The policies and EventTypes against the contracts. */
export function policyProblems(input: PolicyInput): string[] {
  const { docs, namespace, events } = input;
  const problems: string[] = [];
  const policies = docs.filter(isEventPolicy);
  const types = Object.keys(events);

  // Every policy guards the Broker default only, and needs authentication-oidc (else the webhook
  // refuses it and the broker ignores it).
  for (const policy of policies) {
    for (const from of policy.spec?.from ?? []) {
      const ref = from.ref;
      const account = /^system:serviceaccount:[^:]+:([^:*]+)$/.exec(from.sub ?? '')?.[1];
      const resolves = ref
        ? docs.some(
            (d) => d.apiVersion === ref.apiVersion && d.kind === ref.kind && d.metadata.name === ref.name,
          )
        : docs.some(
            (d) => d.apiVersion === 'v1' && d.kind === 'ServiceAccount' && d.metadata.name === account,
          );
      if (!resolves)
        problems.push(
          `${objectKey(policy)}: from ${ref ? `${ref.kind} ${ref.name}` : from.sub} names nothing declared here`,
        );
    }
    const to: { ref?: { kind?: string; name?: string } }[] = policy.spec?.to ?? [];
    if (!to.length || !to.every((t) => t.ref?.kind === 'Broker' && t.ref.name === 'default'))
      problems.push(
        `${objectKey(policy)}: spec.to must name the Broker default (an empty "to" is every resource)`,
      );
  }
  const features = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === 'config-features');
  if (policies.length && features?.data?.['authentication-oidc'] !== 'enabled')
    problems.push('EventPolicies need config-features authentication-oidc: enabled');
  if (features && features.data?.['default-authorization-mode'] !== 'deny-all')
    problems.push('config-features default-authorization-mode must be deny-all');

  // Knative judges a subject by the first policy that names it: one policy per subject.
  const seen = new Map<string, string>();
  for (const policy of policies) {
    for (const subject of subjectsOf(policy, namespace)) {
      const other = seen.get(subject.toLowerCase());
      if (other)
        problems.push(
          `${subject} is named by EventPolicies ${other} and ${policy.metadata.name}: Knative applies only the first`,
        );
      seen.set(subject.toLowerCase(), policy.metadata.name);
    }
  }

  const sources = probeSources(input);
  const replayer = publisherSubject(namespace, input.replayer);
  for (const [subject, who] of identities(input, policies)) {
    for (const type of types) {
      const producer = events[type]!.producer;
      for (const source of sources) {
        for (const replay of [false, true]) {
          const event: Record<string, string> = { specversion: '1.0', id: 'probe', type, source };
          if (replay) event[input.replayMarker] = '2026-01-01T00:00:00Z';
          const may =
            (who === producer && isProducerSource(input, producer, source)) ||
            (replay && subject === replayer);
          if (allowed(policies, namespace, subject, event) && !may)
            problems.push(
              `${who} may send ${type} with source ${source}${replay ? ' (as a replay)' : ''}, but its producer is ${producer}`,
            );
        }
      }
      const own = input.partners[producer]?.sourcePrefix ?? `/${producer}`;
      if (
        who === producer &&
        !allowed(policies, namespace, subject, { specversion: '1.0', id: 'probe', type, source: own })
      )
        problems.push(`${type}: no EventPolicy lets its producer ${producer} send it (source ${own})`);
    }
  }

  // Every contract type has its EventType on the broker, and no EventType names another type.
  const eventTypes = docs.filter(isEventType);
  for (const type of types) {
    const declared = eventTypes.filter((e) => e.spec?.type === type);
    if (declared.length !== 1) problems.push(`${type}: expected one EventType, found ${declared.length}`);
    for (const e of declared) {
      const ref = e.spec?.reference;
      if (
        !(
          ref?.kind === 'Broker' &&
          ref.name === 'default' &&
          docs.some((d) => isBroker(d) && d.metadata.name === ref.name)
        )
      )
        problems.push(`${objectKey(e)}: reference must be the Broker default`);
      if (!e.spec?.description) problems.push(`${objectKey(e)}: needs a description`);
    }
  }
  for (const e of eventTypes)
    if (!types.includes(e.spec?.type)) problems.push(`${objectKey(e)}: ${e.spec?.type} is no contract type`);
  return problems;
}
