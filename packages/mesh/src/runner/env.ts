/**
 * @module The environment of a Service's local process, as Knative would give it: the container's
 * `env` from its manifest (the admin Secret as the runner's token, cluster-local Service URLs as the
 * local processes' URLs), `PORT`, `K_SERVICE`, `K_SINK` where a SinkBinding selects the Service, and
 * the Firestore emulator, over the env the runner adds for every process. Pure: the runner decides
 * ports and URLs.
 */
import type { EnvVar, KnativeService, SinkBinding } from '../manifests.ts';

/** The Secret and key the manifests name for the admin token. */
export const ADMIN_SECRET = { name: 'stockflow-admin', key: 'token' };

/** What a process may inherit from the runner's own environment (nothing that configures a function). */
const INHERITED = [
  'PATH',
  'HOME',
  'TMPDIR',
  'TMP',
  'TEMP',
  'LANG',
  'LC_ALL',
  'TZ',
  'NODE_OPTIONS',
  'NODE_EXTRA_CA_CERTS',
  'USER',
  'SHELL',
  'TERM',
];

export interface EnvContext {
  port: number;
  adminToken: string;
  emulatorHost: string;
  projectId: string;
  logLevel: string;
  /** The local base URL of a running Service, by name and namespace. */
  serviceUrl(name: string, namespace: string): string | undefined;
  /** The URL a SinkBinding's sink resolves to (a Broker's ingress, usually). */
  sinkUrl(binding: SinkBinding): string | undefined;
  sinkBindings: readonly SinkBinding[];
  /** Told about what the runner could not carry over (an unknown Secret, a ConfigMap). */
  warn(message: string): void;
  /** Env for every process (telemetry endpoints, say); the manifest's and Knative's values win. */
  extraEnv?: Record<string, string>;
  /** The bearer token the broker ingress wants from senders: K_SINK_TOKEN where K_SINK is a Broker. */
  brokerToken?: string;
  /** Local values of other Secrets, by `<name>/<key>` (the SMTP URL of the local mail catcher). */
  secrets?: Record<string, string>;
}

const CLUSTER_LOCAL_URL =
  /^(https?):\/\/([a-z0-9-]+)\.([a-z0-9-]+)\.svc(?:\.cluster\.local)?(?::\d+)?(\/.*)?$/;

/** `http://<svc>.<ns>.svc.cluster.local[/path]` of a Service running locally → its local URL. */
export function rewriteClusterLocal(value: string, serviceUrl: EnvContext['serviceUrl']): string {
  const match = CLUSTER_LOCAL_URL.exec(value);
  if (!match) return value;
  const local = serviceUrl(match[2]!, match[3]!);
  return local ? `${local}${match[4] ?? ''}` : value;
}

/** Whether a SinkBinding's subject selects this Service (by name, or by matchLabels). */
export function bindingSelects(binding: SinkBinding, service: KnativeService): boolean {
  const { subject } = binding;
  if (subject.kind !== 'Service' || binding.namespace !== service.namespace) return false;
  if (subject.name) return subject.name === service.name;
  const labels = subject.matchLabels ?? {};
  return Object.entries(labels).every(([key, value]) => service.labels[key] === value);
}

function containerValue(variable: EnvVar, service: KnativeService, context: EnvContext): string | undefined {
  if (variable.value !== undefined) {
    const value = rewriteClusterLocal(variable.value, context.serviceUrl);
    if (value === variable.value && CLUSTER_LOCAL_URL.test(value)) {
      context.warn(`${service.name}: ${variable.name}=${value} names a Service that is not running here`);
    }
    return value;
  }
  const secret = variable.valueFrom?.secretKeyRef;
  if (secret && secret.name === ADMIN_SECRET.name && secret.key === ADMIN_SECRET.key)
    return context.adminToken;
  const local = secret && context.secrets?.[`${secret.name}/${secret.key}`];
  if (local) return local;
  const from = secret ? `Secret ${secret.name}/${secret.key}` : 'a ConfigMap or field reference';
  context.warn(`${service.name}: ${variable.name} comes from ${from}, which the local runner does not have`);
  return undefined;
}

export function serviceEnv(
  service: KnativeService,
  context: EnvContext,
  inherited: Record<string, string | undefined> = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED) {
    const value = inherited[name];
    if (value !== undefined) env[name] = value;
  }
  Object.assign(env, context.extraEnv);
  for (const variable of service.env) {
    const value = containerValue(variable, service, context);
    if (value !== undefined) env[variable.name] = value;
  }
  Object.assign(env, {
    PORT: String(context.port),
    K_SERVICE: service.name,
    K_CONFIGURATION: service.name,
    K_REVISION: `${service.name}-00001`,
    FIRESTORE_EMULATOR_HOST: context.emulatorHost,
    GOOGLE_CLOUD_PROJECT: context.projectId,
    LOG_LEVEL: env.LOG_LEVEL ?? context.logLevel,
  });
  for (const binding of context.sinkBindings) {
    if (!bindingSelects(binding, service)) continue;
    const sink = context.sinkUrl(binding);
    if (!sink) continue;
    env.K_SINK = sink;
    if (context.brokerToken && binding.sink.ref?.kind === 'Broker') env.K_SINK_TOKEN = context.brokerToken;
    else delete env.K_SINK_TOKEN;
  }
  return env;
}
