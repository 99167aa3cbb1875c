/**
 * @module `npm run generate`: writes the broker's EventPolicies (knative/base/event-policies.yaml) and
 * EventTypes (knative/base/event-types.yaml) from packages/contracts, where each event type names its
 * one producer, and the lists of every deployable (scripts/function-lists.ts) from the folders.
 * `-- --check` only compares and fails when a file is stale; tests/deploy does the same.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  EVENTS,
  type EventType,
  isPartner,
  PARTNERS,
  type Partner,
  type Producer,
  PUBLISHERS,
  type Publisher,
} from '@stockflow/contracts';
import { stringify } from 'yaml';
import { REPLAY_MARKER } from '../functions/ledger/src/records.ts';
import { ROOT } from './deployables.ts';
import { listingFiles } from './function-lists.ts';

/** The namespace knative/base deploys to (it names none: `kubectl apply` without `-n`). */
export const NAMESPACE = 'default';
export const BROKER_REF = { apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: 'default' };
/** The function whose SinkBinding re-sends replayed events (functions/ledger). */
export const REPLAYER: Publisher = 'ledger';

export const GENERATED_FILES = {
  policies: 'knative/base/event-policies.yaml',
  types: 'knative/base/event-types.yaml',
} as const;

type Filter = Record<string, unknown>;
interface Resource {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: Record<string, unknown>;
}

/** A function's SinkBinding: Knative resolves it to the SinkBinding's own OIDC ServiceAccount. */
export const sinkBindingRef = (name: Publisher) => ({
  apiVersion: 'sources.knative.dev/v1',
  kind: 'SinkBinding',
  name,
});

/** A partner's identity: its ServiceAccount (knative/base/partners.yaml) as a token's subject. */
export const partnerSubject = (partner: Partner) => `system:serviceaccount:${NAMESPACE}:${partner}`;

/** Every contract type a producer emits, in contract order. */
export const typesOf = (producer: Producer) =>
  (Object.keys(EVENTS) as EventType[]).filter((type) => EVENTS[type].producer === producer);

const anyOf = (filters: Filter[]): Filter => (filters.length === 1 ? filters[0]! : { any: filters });

/**
 * The source a producer's events must carry: exactly `/<function>`; for a partner its prefix itself
 * or anything under `<prefix>/` (isProducerSource), so `/partners/warehouse2` is not warehouse's.
 */
function sourceFilter(producer: Producer): Filter {
  if (!isPartner(producer)) return { exact: { source: `/${producer}` } };
  const prefix = PARTNERS[producer].sourcePrefix;
  return anyOf([{ exact: { source: prefix } }, { prefix: { source: `${prefix}/` } }]);
}

function policy(name: string, from: Record<string, unknown>, filters: Filter[]): Resource {
  return {
    apiVersion: 'eventing.knative.dev/v1alpha1',
    kind: 'EventPolicy',
    metadata: { name },
    spec: { to: [{ ref: BROKER_REF }], from: [from], filters },
  };
}

/**
 * One policy per producer (a function or partner that emits at least one type): its identity may send
 * its own types with its own source, nothing else. Plus the ledger's replays: any type, only marked
 * as a replay. A producer with no type gets no policy: an empty `any` would pass every event. Each
 * identity appears in one policy only, because Knative judges a sender by the first applying policy
 * that names it (SubjectAndFiltersPass, pkg/auth/event_policy.go).
 */
export function eventPolicies(): Resource[] {
  const producers: Producer[] = [...PUBLISHERS, ...(Object.keys(PARTNERS) as Partner[])];
  const policies = producers.flatMap((producer) => {
    const types = typesOf(producer);
    if (!types.length) return [];
    const from = isPartner(producer) ? { sub: partnerSubject(producer) } : { ref: sinkBindingRef(producer) };
    return [
      policy(`${producer}-publishes`, from, [
        anyOf(types.map((type) => ({ exact: { type } }))),
        sourceFilter(producer),
      ]),
    ];
  });
  if (typesOf(REPLAYER).length)
    throw new Error(`${REPLAYER} emits types of its own: merge its replays into ${REPLAYER}-publishes`);
  policies.push(
    policy(`${REPLAYER}-replays`, { ref: sinkBindingRef(REPLAYER) }, [{ cesql: `EXISTS ${REPLAY_MARKER}` }]),
  );
  return policies;
}

/** An EventType's name: the type without `io.stockflow.`, dots as dashes (`order-placed`). */
export const eventTypeName = (type: string) => type.replace(/^io\.stockflow\./, '').replaceAll('.', '-');

/** One EventType per contract type on the Broker, with its fixed source (functions only). */
export function eventTypes(): Resource[] {
  return (Object.keys(EVENTS) as EventType[]).map((type) => {
    const { producer, description } = EVENTS[type];
    return {
      apiVersion: 'eventing.knative.dev/v1beta2',
      kind: 'EventType',
      metadata: { name: eventTypeName(type) },
      spec: {
        type,
        ...(isPartner(producer) ? {} : { source: `/${producer}` }),
        reference: BROKER_REF,
        description,
      },
    };
  });
}

const HEADER = [
  '# Generated by `npm run generate` (scripts/generate-manifests.ts) from packages/contracts/src/events.ts',
  '# (EVENTS, PUBLISHERS, PARTNERS). Do not edit: change those and run it again; tests/deploy fails when',
  '# this file differs from what the generator writes.',
];

function render(about: string[], resources: Resource[]): string {
  const docs = resources.map((resource) => stringify(resource, { lineWidth: 0 }));
  return `${[...HEADER, ...about.map((line) => `# ${line}`)].join('\n')}\n${docs.join('---\n')}`;
}

/** The text of each generated file, by path relative to the repository. */
export function generatedManifests(): Record<string, string> {
  return {
    [GENERATED_FILES.policies]: render(
      [
        'Who may send what to the Broker `default` (config-features.yaml: authentication-oidc, deny-all).',
        "A function's identity is its SinkBinding's OIDC ServiceAccount",
        '(<fn>-oidc-sources.knative.dev-sinkbinding), a partner its own ServiceAccount (partners.yaml).',
      ],
      eventPolicies(),
    ),
    [GENERATED_FILES.types]: render(
      ['The event types on the Broker `default`, for other systems to discover (`kubectl get eventtypes`).'],
      eventTypes(),
    ),
  };
}

/**
 * Writes every generated file under `root` that differs from what it should be (or, with `check`,
 * only lists them). Returns the paths that differed.
 */
export function generate(root = ROOT, { check = false } = {}): string[] {
  const files = { ...generatedManifests(), ...listingFiles(root) };
  const stale = Object.entries(files).filter(
    ([path, text]) => readFileSync(join(root, path), 'utf8') !== text,
  );
  if (!check) for (const [path, text] of stale) writeFileSync(join(root, path), text);
  return stale.map(([path]) => path);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const check = process.argv.includes('--check');
  const stale = generate(ROOT, { check });
  if (check && stale.length) {
    console.error(`stale: ${stale.join(', ')}: run \`npm run generate\``);
    process.exit(1);
  }
  for (const path of stale) console.log(`wrote ${path}`);
  if (!stale.length) console.log('every generated file is current');
}
