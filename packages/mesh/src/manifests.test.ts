import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fromObjects, loadManifests, ManifestError } from './manifests.ts';
import { REPO_ROOT } from './runner/stack.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mesh-manifests-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const BROKER = `apiVersion: eventing.knative.dev/v1
kind: Broker
metadata:
  name: default
`;

describe('reading Knative manifests', () => {
  it("reads the repository's own knative/base: the default broker, its SinkBindings and sender identity", () => {
    const manifests = loadManifests(join(REPO_ROOT, 'knative/base'));
    expect(manifests.brokers.map((b) => `${b.namespace}/${b.name}`)).toContain('default/default');
    expect(manifests.sinkBindings.map((b) => b.sink.ref?.kind)).toContain('Broker');
    // identity.md: OIDC on, deny-all; each publisher's policy names its SinkBinding's identity.
    expect(manifests.features).toMatchObject({ oidc: true, defaultAuthorizationMode: 'deny-all' });
    const subjects = Object.fromEntries(manifests.eventPolicies.map((p) => [p.name, p.subjects]));
    expect(subjects['orders-publishes']).toEqual([
      'system:serviceaccount:default:orders-oidc-sources.knative.dev-sinkbinding',
    ]);
    expect(subjects['warehouse-publishes']).toEqual(['system:serviceaccount:default:warehouse']);
    expect(manifests.serviceAccounts.map((sa) => sa.name)).toContain('warehouse');
  });

  it('reads multi-document files, skips kinds it does not serve and kustomization.yaml', () => {
    const dir = folder({
      'all.yaml': `${BROKER}---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: catalog
---
apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata:
  name: t
  namespace: default
spec:
  broker: default
  subscriber:
    uri: http://127.0.0.1:1/
`,
      'kustomization.yaml': 'resources: [all.yaml]\n',
    });
    const manifests = loadManifests(dir);
    expect(manifests.brokers).toHaveLength(1);
    expect(manifests.triggers.map((t) => t.name)).toEqual(['t']);
  });

  it('refuses a misspelled field, naming the file and the object (kubectl --validate=strict)', () => {
    const dir = folder({
      'broker.yaml': `${BROKER}spec:
  delivery:
    retries: 3
`,
    });
    expect(() => loadManifests(dir)).toThrow(/Broker default \(.*broker\.yaml\): spec\.delivery: .*retries/);
  });

  it('refuses a bad ISO-8601 backoffDelay and a negative retry', () => {
    const broker = (delivery: object) => [
      {
        apiVersion: 'eventing.knative.dev/v1',
        kind: 'Broker',
        metadata: { name: 'default' },
        spec: { delivery },
      },
    ];
    expect(() => fromObjects(broker({ backoffDelay: '200ms' }))).toThrow(/ISO-8601/);
    expect(() => fromObjects(broker({ retry: -1 }))).toThrow(ManifestError);
  });

  it('refuses a Trigger of a broker that is not declared, and an object declared twice', () => {
    const trigger = {
      apiVersion: 'eventing.knative.dev/v1',
      kind: 'Trigger',
      metadata: { name: 't' },
      spec: { broker: 'missing', subscriber: { uri: 'http://127.0.0.1:1/' } },
    };
    expect(() => fromObjects([trigger])).toThrow(/no Broker missing/);
    const broker = { apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', metadata: { name: 'default' } };
    expect(() => fromObjects([broker, broker])).toThrow(/declared twice/);
  });

  it('refuses a subscriber with neither ref nor uri', () => {
    const objects = [
      { apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', metadata: { name: 'default' } },
      {
        apiVersion: 'eventing.knative.dev/v1',
        kind: 'Trigger',
        metadata: { name: 't' },
        spec: { broker: 'default', subscriber: {} },
      },
    ];
    expect(() => fromObjects(objects)).toThrow(/needs a ref or a uri/);
  });
});
