/**
 * @module The cross-check between the monitors (Managed Prometheus's PodMonitoring, the Prometheus
 * Operator's PodMonitor and ServiceMonitor) and the Knative Services: each Stockflow function's
 * metrics scraped once, at its own container's port and `/metrics`, and no pod outside Stockflow.
 */
import type { Deployable } from '../../scripts/deployables.ts';
import { RESERVED_PORTS } from './knative-rules.ts';
import {
  containerOf,
  isKnativeService,
  isPodMonitor,
  isPodMonitoring,
  isServiceMonitor,
  type Manifest,
  objectKey,
} from './manifests.ts';

/** The name Knative gives the user container's port in every pod of a revision, whatever its number. */
export const KNATIVE_USER_PORT = 'user-port';
/** Where the kit serves a function's metrics. */
export const METRICS_PATH = '/metrics';
/** The port Knative's user container listens on when the Service declares none. */
const DEFAULT_USER_PORT = 8080;

type Labels = Record<string, string>;
interface Selector {
  matchLabels?: Labels;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** Whether a Kubernetes label selector selects an object with `labels` (an empty one selects all). */
export function selects(selector: Selector | undefined, labels: Labels): boolean {
  if (!selector) return false;
  const matchLabels = Object.entries(selector.matchLabels ?? {}).every(
    ([key, value]) => labels[key] === value,
  );
  return (
    matchLabels &&
    (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
      const value = labels[key];
      if (operator === 'In') return value !== undefined && values.includes(value);
      if (operator === 'NotIn') return value === undefined || !values.includes(value);
      if (operator === 'Exists') return value !== undefined;
      if (operator === 'DoesNotExist') return value === undefined;
      return false;
    })
  );
}

/** The labels of a Knative Service's pods: its template's, plus those Knative adds. */
export function podLabelsOf(service: Manifest): Labels {
  const name = service.metadata.name;
  return {
    ...service.spec?.template?.metadata?.labels,
    'serving.knative.dev/service': name,
    'serving.knative.dev/configuration': name,
    'serving.knative.dev/revision': `${name}-00001`,
    app: `${name}-00001`,
  };
}

/** The pods of a Knative Service that is not Stockflow's, in the same namespace. */
const FOREIGN_POD: Labels = podLabelsOf({
  apiVersion: 'serving.knative.dev/v1',
  kind: 'Service',
  metadata: { name: 'not-stockflow' },
});

const containerPortOf = (service: Manifest): number =>
  containerOf(service).ports?.[0]?.containerPort ?? DEFAULT_USER_PORT;

/** Names and numbers that reach a Service's user container (not its queue-proxy). */
const reachesUserContainer = (port: unknown, service: Manifest) =>
  port === KNATIVE_USER_PORT || port === containerPortOf(service);

interface Scrape {
  /** Where, in the monitor, for messages. */
  at: string;
  port: unknown;
  path: string | undefined;
}

/** The endpoints a monitor scrapes and the pods it selects (PodMonitoring, PodMonitor). */
function podScrapes(monitor: Manifest): { selector: Selector | undefined; scrapes: Scrape[] } {
  const spec = monitor.spec ?? {};
  if (isPodMonitoring(monitor)) {
    return {
      selector: spec.selector,
      scrapes: (spec.endpoints ?? []).map((e: { port?: unknown; path?: string }, i: number) => ({
        at: `spec.endpoints[${i}]`,
        port: e.port,
        path: e.path,
      })),
    };
  }
  return {
    selector: spec.selector,
    scrapes: (spec.podMetricsEndpoints ?? []).map(
      (e: { port?: string; targetPort?: unknown; path?: string }, i: number) => ({
        at: `spec.podMetricsEndpoints[${i}]`,
        port: e.port ?? e.targetPort,
        path: e.path,
      }),
    ),
  };
}

const describePort = (port: unknown) =>
  RESERVED_PORTS.includes(port as number) ? `${port} (the queue-proxy's)` : JSON.stringify(port);

/**
 * Every function's metrics scraped once, at its own container's port and `/metrics`, by monitors
 * that select no pod outside Stockflow. An overlay without monitors has nothing to check.
 */
export function scrapeProblems(docs: Manifest[], deployables: Deployable[]): string[] {
  const problems: string[] = [];
  const services = docs.filter(isKnativeService);
  const scrapedBy = new Map<string, string[]>(services.map((s) => [s.metadata.name, []]));
  const monitors = docs.filter((d) => isPodMonitoring(d) || isPodMonitor(d) || isServiceMonitor(d));

  for (const monitor of monitors) {
    const where = objectKey(monitor);
    const add = (problem: string) => problems.push(`${where}: ${problem}`);
    if (isServiceMonitor(monitor)) {
      problems.push(...serviceMonitorProblems(monitor, docs, services, scrapedBy));
      continue;
    }
    const { selector, scrapes } = podScrapes(monitor);
    if (selects(selector, FOREIGN_POD))
      add(
        "its selector also selects pods that are not Stockflow's (select app.kubernetes.io/part-of: stockflow)",
      );
    const namespace = monitor.metadata.namespace;
    const selected = services.filter(
      (s) => s.metadata.namespace === namespace && selects(selector, podLabelsOf(s)),
    );
    if (!selected.length) add("selects no Stockflow Service's pods");
    for (const service of selected) scrapedBy.get(service.metadata.name)!.push(where);
    for (const scrape of scrapes) {
      const missed = selected.filter((service) => !reachesUserContainer(scrape.port, service));
      if (missed.length) {
        add(
          `${scrape.at} scrapes port ${describePort(scrape.port)}, not the container port of ${missed.map((s) => s.metadata.name).join(', ')}: use ${KNATIVE_USER_PORT}, Knative's name for it`,
        );
      }
      if ((scrape.path ?? METRICS_PATH) !== METRICS_PATH)
        add(`${scrape.at} scrapes ${scrape.path}: the functions serve ${METRICS_PATH}`);
    }
  }

  if (!monitors.length) return problems;
  for (const deployable of deployables) {
    const by = scrapedBy.get(deployable.name);
    if (!by) continue;
    if (!by.length) problems.push(`${deployable.name}'s metrics are scraped by no monitor`);
    if (by.length > 1)
      problems.push(
        `${deployable.name}'s metrics are scraped twice (${by.join(', ')}): every series doubles`,
      );
  }
  return problems;
}

/**
 * A ServiceMonitor scrapes through Kubernetes Services: the ones Knative makes expose only the
 * queue-proxy, so it must select a Service of the overlay whose port targets the user container.
 */
function serviceMonitorProblems(
  monitor: Manifest,
  docs: Manifest[],
  services: Manifest[],
  scrapedBy: Map<string, string[]>,
): string[] {
  const where = objectKey(monitor);
  const problems: string[] = [];
  const spec = monitor.spec ?? {};
  const targets = docs.filter(
    (d) =>
      d.apiVersion === 'v1' &&
      d.kind === 'Service' &&
      d.metadata.namespace === monitor.metadata.namespace &&
      selects(spec.selector, d.metadata.labels ?? {}),
  );
  if (!targets.length) {
    return [
      `${where}: selects no Kubernetes Service of this overlay (the ones Knative makes expose only the queue-proxy): use a PodMonitor`,
    ];
  }
  for (const target of targets) {
    const pods = services.filter((s) => selects({ matchLabels: target.spec?.selector }, podLabelsOf(s)));
    for (const [i, endpoint] of (spec.endpoints ?? []).entries()) {
      const at = `spec.endpoints[${i}]`;
      const port = (target.spec?.ports ?? []).find(
        (p: { name?: string; port: number }) => p.name === endpoint.port || p.port === endpoint.targetPort,
      );
      if (!port) problems.push(`${where}: ${at} names no port of Service ${target.metadata.name}`);
      for (const service of pods) {
        if (port && !reachesUserContainer(port.targetPort ?? port.port, service)) {
          problems.push(
            `${where}: ${at} reaches port ${describePort(port.targetPort ?? port.port)} of ${service.metadata.name}, not its container's`,
          );
        }
      }
      if ((endpoint.path ?? METRICS_PATH) !== METRICS_PATH)
        problems.push(`${where}: ${at} scrapes ${endpoint.path}: the functions serve ${METRICS_PATH}`);
    }
    for (const service of pods) scrapedBy.get(service.metadata.name)?.push(where);
  }
  return problems;
}
