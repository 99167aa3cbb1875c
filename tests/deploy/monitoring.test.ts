import { beforeAll, describe, expect, it } from 'vitest';
import { listDeployables } from '../../scripts/deployables.ts';
import { admissionProblems, schemaProblems } from './knative-rules.ts';
import {
  clone,
  isKnativeService,
  isPodMonitor,
  isPodMonitoring,
  isServiceMonitor,
  type Manifest,
  renderOverlay,
  renderWithComponents,
} from './manifests.ts';
import { podLabelsOf, scrapeProblems, selects } from './monitoring-rules.ts';

const deployables = listDeployables();
const names = deployables.map((d) => d.name);

/** Each overlay rendered once for the whole file (kubectl kustomize takes a while). */
const renders = new Map<string, Manifest[]>();
const rendered = (overlay: 'gke' | 'local') => {
  if (!renders.has(overlay)) renders.set(overlay, renderOverlay(overlay));
  return clone(renders.get(overlay)!);
};

/** The rendered overlay with `monitor` (a changed copy of its own) in place of the original. */
const replacing = (docs: Manifest[], monitor: Manifest) => [
  ...docs.filter((d) => !(d.kind === monitor.kind && d.metadata.name === monitor.metadata.name)),
  monitor,
];

describe('knative/overlays/gke: Managed Prometheus scrapes every function', () => {
  let docs: Manifest[];
  let monitoring: Manifest;
  beforeAll(() => {
    docs = rendered('gke');
    monitoring = docs.find(isPodMonitoring)!;
  });

  it("holds one PodMonitoring that passes the CRD's schema", () => {
    expect(docs.filter(isPodMonitoring)).toHaveLength(1);
    expect([...schemaProblems(monitoring), ...admissionProblems(monitoring)]).toEqual([]);
  });

  it("selects every Stockflow Service's pods, by the label Knative copies from their template", () => {
    const services = docs.filter(isKnativeService);
    expect(services.map((s) => s.metadata.name).sort()).toEqual([...names].sort());
    for (const service of services) {
      expect(selects(monitoring.spec.selector, podLabelsOf(service)), service.metadata.name).toBe(true);
    }
    expect(scrapeProblems(docs, deployables)).toEqual([]);
  });

  it("fails when it scrapes the queue-proxy's port, another path, or pods that are not Stockflow's", () => {
    const bad = clone(monitoring);
    bad.spec.endpoints[0].port = 9091;
    bad.spec.endpoints[0].path = '/stats';
    bad.spec.selector = { matchExpressions: [{ key: 'serving.knative.dev/service', operator: 'Exists' }] };
    const where = 'PodMonitoring stockflow (monitoring.googleapis.com/v1): ';
    expect(scrapeProblems(replacing(docs, bad), deployables).map((p) => p.replace(where, ''))).toEqual([
      "its selector also selects pods that are not Stockflow's (select app.kubernetes.io/part-of: stockflow)",
      `spec.endpoints[0] scrapes port 9091 (the queue-proxy's), not the container port of ${names.join(', ')}: use user-port, Knative's name for it`,
      'spec.endpoints[0] scrapes /stats: the functions serve /metrics',
    ]);
  });

  it('accepts the container port by number, and fails when a function is left out or scraped twice', () => {
    const byNumber = clone(monitoring);
    byNumber.spec.endpoints[0].port = 8080;
    expect(scrapeProblems(replacing(docs, byNumber), deployables)).toEqual([]);

    const withoutOrders = clone(monitoring);
    withoutOrders.spec.selector.matchExpressions = [
      { key: 'serving.knative.dev/service', operator: 'NotIn', values: ['orders'] },
    ];
    expect(scrapeProblems(replacing(docs, withoutOrders), deployables)).toEqual([
      "orders's metrics are scraped by no monitor",
    ]);

    const second = { ...clone(monitoring), metadata: { name: 'stockflow-again' } };
    expect(scrapeProblems([...docs, second], deployables)).toContain(
      "web's metrics are scraped twice (PodMonitoring stockflow (monitoring.googleapis.com/v1), PodMonitoring stockflow-again (monitoring.googleapis.com/v1)): every series doubles",
    );
  });
});

describe('knative/components/prometheus-operator: opt-in PodMonitor for a local cluster', () => {
  it('is not in the local overlay itself (kind and minikube lack the CRDs)', () => {
    const local = rendered('local');
    expect(local.filter((d) => isPodMonitor(d) || isServiceMonitor(d) || isPodMonitoring(d))).toEqual([]);
  });

  it('adds to the local overlay one PodMonitor that passes its schema and scrapes every function', () => {
    const docs = renderWithComponents('local', ['prometheus-operator']);
    const monitors = docs.filter(isPodMonitor);
    expect(monitors).toHaveLength(1);
    expect(docs.flatMap(schemaProblems)).toEqual([]);
    expect(scrapeProblems(docs, deployables)).toEqual([]);

    const toQueueProxy = clone(monitors[0]!);
    toQueueProxy.spec.podMetricsEndpoints[0].port = 'http-usermetric';
    expect(scrapeProblems(replacing(docs, toQueueProxy), deployables)).toEqual([
      `PodMonitor stockflow (monitoring.coreos.com/v1): spec.podMetricsEndpoints[0] scrapes port "http-usermetric", not the container port of ${names.join(', ')}: use user-port, Knative's name for it`,
    ]);
  });
});

describe('the monitoring schemas', () => {
  const where = (doc: Manifest) => `${doc.kind} ${doc.metadata.name} (${doc.apiVersion}): `;
  const podMonitoring = (): Manifest => ({
    apiVersion: 'monitoring.googleapis.com/v1',
    kind: 'PodMonitoring',
    metadata: { name: 'm' },
    spec: {
      selector: { matchLabels: { 'app.kubernetes.io/part-of': 'stockflow' } },
      endpoints: [{ port: 'user-port', interval: '30s', timeout: '10s' }],
      targetLabels: { fromPod: [{ from: 'serving.knative.dev/revision', to: 'revision' }] },
    },
  });
  const problemsOf = (doc: Manifest) => schemaProblems(doc).map((p) => p.replace(where(doc), ''));

  it('accept a valid PodMonitoring', () => {
    expect(schemaProblems(podMonitoring())).toEqual([]);
  });

  it('reject a PodMonitoring field the CRD does not define, anywhere', () => {
    const typo = podMonitoring();
    typo.spec.endpoints[0].pth = '/metrics';
    typo.spec.targetLabels.fromPod[0].too = 'x';
    typo.spec.honorLabels = true;
    expect(problemsOf(typo)).toEqual([
      'unknown field spec.endpoints[0].pth',
      'unknown field spec.targetLabels.fromPod[0].too',
      'unknown field spec.honorLabels',
    ]);
  });

  it("reject what the PodMonitoring CRD's schema and CEL rules reject", () => {
    const noInterval = podMonitoring();
    delete noInterval.spec.endpoints[0].interval;
    noInterval.spec.endpoints[0].scheme = 'grpc';
    expect(problemsOf(noInterval)).toEqual([
      'spec.endpoints[0].scheme must be one of "http", "https"; spec.endpoints[0].interval is required',
    ]);

    const slow = podMonitoring();
    slow.spec.endpoints[0].timeout = '1m';
    slow.spec.targetLabels.fromPod[0].to = 'namespace';
    expect(problemsOf(slow)).toEqual([
      'spec.endpoints[0] scrape timeout must not be greater than scrape interval; spec.targetLabels.fromPod[0].to must not be a protected label (project_id, location, cluster, namespace, job, instance, top_level_controller, top_level_controller_type, __address__)',
    ]);

    const badDuration = podMonitoring();
    badDuration.spec.endpoints[0].interval = '30 seconds';
    badDuration.spec.endpoints[0].port = 0;
    expect(problemsOf(badDuration).join()).toContain(
      'spec.endpoints[0].interval must be a Prometheus duration such as 30s',
    );
    expect(problemsOf(badDuration).join()).toContain('spec.endpoints[0].port');
  });

  it('reject Prometheus Operator monitors with a misspelled field, and accept valid ones', () => {
    const serviceMonitor: Manifest = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: 's' },
      spec: {
        selector: { matchLabels: { app: 'x' } },
        endpoints: [{ port: 'metrics', path: '/metrics', interval: '30s' }],
      },
    };
    const podMonitor: Manifest = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PodMonitor',
      metadata: { name: 'p' },
      spec: {
        selector: { matchLabels: { app: 'x' } },
        podMetricsEndpoints: [{ port: 'user-port', path: '/metrics' }],
      },
    };
    expect([...schemaProblems(serviceMonitor), ...schemaProblems(podMonitor)]).toEqual([]);
    serviceMonitor.spec.endpoints[0].intervall = '30s';
    podMonitor.spec.podMetricsEndpoint = [];
    expect([...problemsOf(serviceMonitor), ...problemsOf(podMonitor)]).toEqual([
      'unknown field spec.endpoints[0].intervall',
      'unknown field spec.podMetricsEndpoint',
    ]);
  });

  it('fail a ServiceMonitor that selects no Service of the overlay: Knative’s expose only the queue-proxy', () => {
    const docs = rendered('gke').filter((d) => !isPodMonitoring(d));
    const serviceMonitor: Manifest = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: 's' },
      spec: {
        selector: { matchLabels: { 'serving.knative.dev/service': 'orders' } },
        endpoints: [{ port: 'http-usermetric' }],
      },
    };
    expect(scrapeProblems([...docs, serviceMonitor], deployables)).toContain(
      'ServiceMonitor s (monitoring.coreos.com/v1): selects no Kubernetes Service of this overlay (the ones Knative makes expose only the queue-proxy): use a PodMonitor',
    );
  });

  it("fail a ServiceMonitor whose Service reaches web's queue-proxy rather than web", () => {
    const docs = rendered('local');
    const serviceMonitor: Manifest = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: 's' },
      spec: {
        selector: { matchLabels: { 'app.kubernetes.io/part-of': 'stockflow' } },
        endpoints: [{ port: 'http' }],
      },
    };
    const problems = scrapeProblems([...docs, serviceMonitor], deployables);
    expect(problems).toContain(
      "ServiceMonitor s (monitoring.coreos.com/v1): spec.endpoints[0] reaches port 8012 (the queue-proxy's) of web, not its container's",
    );
    expect(problems).toContain(
      'ServiceMonitor s (monitoring.coreos.com/v1): spec.endpoints[0] names no port of Service firestore-emulator',
    );
  });
});
