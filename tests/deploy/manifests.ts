/**
 * @module The deploy manifests as the tests see them: each kustomize overlay rendered by
 * `kubectl kustomize` (offline), parsed into plain objects, with small typed accessors.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { ROOT } from '../../scripts/deployables.ts';

export const OVERLAYS = ['local', 'gke'] as const;
export type Overlay = (typeof OVERLAYS)[number];

// biome-ignore lint/suspicious/noExplicitAny: manifests are untyped YAML, checked field by field
type Untyped = any;

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; [field: string]: Untyped };
  [field: string]: Untyped;
}

export function parseYamlDocuments(text: string, origin: string): Manifest[] {
  return parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length) throw new Error(`${origin}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value = doc.toJS();
    return value == null ? [] : [value as Manifest];
  });
}

/** `kubectl kustomize <dir>`: what `kubectl apply -k` and skaffold would apply. */
export function renderKustomization(dir: string): Manifest[] {
  let out: string;
  try {
    out = execFileSync('kubectl', ['kustomize', dir], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const { stderr, code } = error as { stderr?: string; code?: string };
    if (code === 'ENOENT')
      throw new Error(
        'kubectl is missing: it ships with the Google Cloud CLI (`gcloud components install kubectl`)',
      );
    throw new Error(`kubectl kustomize ${dir} failed: ${stderr ?? error}`);
  }
  return parseYamlDocuments(out, dir);
}

export const renderOverlay = (overlay: Overlay) => renderKustomization(`knative/overlays/${overlay}`);

/**
 * An overlay with opt-in kustomize components (`knative/components/<name>`) added, as a kustomization
 * that lists them would render it: one in a temporary folder, naming both by relative paths (kustomize
 * refuses absolute ones).
 */
export function renderWithComponents(overlay: Overlay, components: string[]): Manifest[] {
  const dir = mkdtempSync(join(tmpdir(), 'stockflow-kustomize-'));
  try {
    const from = (path: string) => relative(dir, join(ROOT, path));
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      stringify({
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        resources: [from(`knative/overlays/${overlay}`)],
        components: components.map((name) => from(`knative/components/${name}`)),
      }),
    );
    return renderKustomization(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function readYamlFile(path: string): Manifest[] {
  return parseYamlDocuments(readFileSync(join(ROOT, path), 'utf8'), path);
}

export const objectKey = (m: Pick<Manifest, 'apiVersion' | 'kind' | 'metadata'>) =>
  `${m.kind} ${m.metadata.name} (${m.apiVersion})`;

export const isKnativeService = (m: Manifest) =>
  m.apiVersion === 'serving.knative.dev/v1' && m.kind === 'Service';
export const isTrigger = (m: Manifest) => m.apiVersion === 'eventing.knative.dev/v1' && m.kind === 'Trigger';
export const isBroker = (m: Manifest) => m.apiVersion === 'eventing.knative.dev/v1' && m.kind === 'Broker';
export const isPingSource = (m: Manifest) =>
  m.apiVersion === 'sources.knative.dev/v1' && m.kind === 'PingSource';
export const isSinkBinding = (m: Manifest) =>
  m.apiVersion === 'sources.knative.dev/v1' && m.kind === 'SinkBinding';
/** Google Cloud Managed Service for Prometheus's scrape config for pods. */
export const isPodMonitoring = (m: Manifest) =>
  m.apiVersion === 'monitoring.googleapis.com/v1' && m.kind === 'PodMonitoring';
/** The Prometheus Operator's scrape configs, for pods and for Kubernetes Services. */
export const isPodMonitor = (m: Manifest) =>
  m.apiVersion === 'monitoring.coreos.com/v1' && m.kind === 'PodMonitor';
export const isServiceMonitor = (m: Manifest) =>
  m.apiVersion === 'monitoring.coreos.com/v1' && m.kind === 'ServiceMonitor';

/** A Knative Service's (single) container. */
export const containerOf = (service: Manifest): Untyped =>
  service.spec?.template?.spec?.containers?.[0] ?? {};

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string };
    configMapKeyRef?: { name: string; key: string };
  };
}

export const envOf = (service: Manifest): EnvVar[] => containerOf(service).env ?? [];

/** A Destination's `ref` (apiVersion/kind/name), `uri` and the `audience` tokens for it carry. */
export interface Destination {
  ref?: { apiVersion?: string; kind?: string; name?: string; namespace?: string };
  uri?: string;
  audience?: string;
}

/** Deep copy, for tests that break a manifest on purpose. */
export const clone = <T>(value: T): T => structuredClone(value);
