/**
 * @module The environment of a Service's local process, as Knative would give it: the container's
 * `env` from its manifest (the admin Secret as the runner's token, cluster-local Service URLs as the
 * local processes' URLs), `PORT`, `K_SERVICE`, `K_SINK` where a SinkBinding selects the Service (and
 * `OIDC_TOKEN_FILE`, where Knative would mount the SinkBinding's token at /oidc/token), the mesh as
 * `OIDC_ISSUER`, and the Firestore emulator, over the env the runner adds for every process. Pure:
 * the runner decides ports, URLs and files.
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
  /** The break-glass admin token, if this run has one (off unless asked for). */
  adminToken?: string;
  /**
   * Values of the Secrets and ConfigMaps the manifests read, by `Secret/<name>/<key>` or
   * `ConfigMap/<name>/<key>` (the staff identity's keys and settings).
   */
  refs?: Record<string, string>;
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
  /** The OIDC issuer (the mesh's URL): `OIDC_ISSUER` for every process. */
  oidcIssuer?: string;
  /**
   * The file holding a SinkBinding's token for its sink's audience, when it has one (identity on and
   * the sink has an audience): `OIDC_TOKEN_FILE` for the Services it selects.
   */
  tokenFile?(binding: SinkBinding): string | undefined;
  /** Sender identity is off in the mesh: `STOCKFLOW_INSECURE_EVENTS=1`, so the kit skips verification. */
  insecureEvents?: boolean;
}

/** Where the kit reads its SinkBinding's token (its default is Knative's mount, `/oidc/token`). */
export const OIDC_TOKEN_FILE = 'OIDC_TOKEN_FILE';
export const OIDC_ISSUER = 'OIDC_ISSUER';
export const INSECURE_EVENTS = 'STOCKFLOW_INSECURE_EVENTS';

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
  const configMap = variable.valueFrom?.configMapKeyRef;
  const ref = secret
    ? `Secret/${secret.name}/${secret.key}`
    : configMap && `ConfigMap/${configMap.name}/${configMap.key}`;
  if (ref && context.refs?.[ref] !== undefined) return context.refs[ref];
  // Kubernetes leaves an optional reference it cannot resolve unset, and so does the runner.
  if ((secret ?? configMap)?.optional) return undefined;
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
  // Identity is the runner's to give, never inherited or set by a manifest.
  for (const name of [OIDC_ISSUER, OIDC_TOKEN_FILE, INSECURE_EVENTS]) delete env[name];
  if (context.oidcIssuer) env[OIDC_ISSUER] = context.oidcIssuer;
  if (context.insecureEvents) env[INSECURE_EVENTS] = '1';
  for (const binding of context.sinkBindings) {
    if (!bindingSelects(binding, service)) continue;
    const sink = context.sinkUrl(binding);
    if (!sink) continue;
    env.K_SINK = sink;
    const tokenFile = context.tokenFile?.(binding);
    if (tokenFile) env[OIDC_TOKEN_FILE] = tokenFile;
    else delete env[OIDC_TOKEN_FILE];
  }
  return env;
}
