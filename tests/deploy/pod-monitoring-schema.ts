/**
 * @module The schema of Google Cloud Managed Service for Prometheus's `PodMonitoring`
 * (monitoring.googleapis.com/v1) as a model knative-rules.ts validates with, since no models package
 * describes it: the CRD's openAPIV3Schema (prometheus-engine, podmonitorings.monitoring.googleapis.com)
 * with its CEL rules. Fields are read one by one (z.object, not strict), so knative-rules.ts's lookup
 * tracking reports a field the CRD does not define, as the API server's strict field validation would.
 */
import * as z from 'zod/mini';

/** Prometheus's duration syntax (model.ParseDuration), which the CRD's `format: duration` admits. */
const PROMETHEUS_DURATION =
  /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const DURATION_UNITS_MS = [365 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1_000, 1];

/** Milliseconds of a Prometheus duration, or undefined when it is not one. */
export function durationMs(value: string): number | undefined {
  const match = PROMETHEUS_DURATION.exec(value);
  if (!value || !match) return undefined;
  return match
    .slice(1)
    .reduce((total, part, i) => total + (part ? Number(part) * DURATION_UNITS_MS[i]! : 0), 0);
}

/** Target labels Managed Prometheus sets itself; no relabeling may write them. */
const PROTECTED_LABELS = [
  'project_id',
  'location',
  'cluster',
  'namespace',
  'job',
  'instance',
  'top_level_controller',
  'top_level_controller_type',
  '__address__',
];

const duration = z.string().check(
  z.refine((value) => durationMs(value) !== undefined, {
    message: 'must be a Prometheus duration such as 30s',
  }),
);
const labelName = z.string().check(z.regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'must be a Prometheus label name'));
const writableLabel = labelName.check(
  z.refine((value) => !PROTECTED_LABELS.includes(value), {
    message: `must not be a protected label (${PROTECTED_LABELS.join(', ')})`,
  }),
);
const int64 = z.int();
const stringMap = z.record(z.string(), z.string());

const objectMeta = z.object({
  name: z.string(),
  generateName: z.optional(z.string()),
  namespace: z.optional(z.string()),
  labels: z.optional(stringMap),
  annotations: z.optional(stringMap),
  finalizers: z.optional(z.array(z.string())),
});

const labelSelector = z.object({
  matchLabels: z.optional(stringMap),
  matchExpressions: z.optional(
    z.array(
      z.object({
        key: z.string(),
        operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
        values: z.optional(z.array(z.string())),
      }),
    ),
  ),
});

const secretSelector = z.object({
  secret: z.optional(
    z.object({
      key: z.string(),
      name: z.string(),
      namespace: z.optional(z.string()),
    }),
  ),
});

const tlsVersion = z.enum(['TLS10', 'TLS11', 'TLS12', 'TLS13']);
const tlsConfig = z
  .object({
    ca: z.optional(secretSelector),
    cert: z.optional(secretSelector),
    key: z.optional(secretSelector),
    insecureSkipVerify: z.optional(z.boolean()),
    serverName: z.optional(z.string()),
    minVersion: z.optional(tlsVersion),
    maxVersion: z.optional(tlsVersion),
  })
  .check(
    z.refine((tls) => (tls.cert === undefined) === (tls.key === undefined), {
      message: 'client cert and client key must be provided together, when either is provided',
    }),
  );

const proxyUrl = z.string().check(
  z.maxLength(2000),
  z.refine((value) => URL.canParse(value) && !value.includes('@'), {
    message: 'must be a URL without credentials',
  }),
);

const relabelingRule = z
  .object({
    action: z.optional(
      z.enum([
        'replace',
        'lowercase',
        'uppercase',
        'keep',
        'drop',
        'keepequal',
        'dropequal',
        'hashmod',
        'labeldrop',
        'labelkeep',
      ]),
    ),
    modulus: z.optional(int64),
    regex: z.optional(z.string().check(z.maxLength(10_000))),
    replacement: z.optional(z.string()),
    separator: z.optional(z.string()),
    sourceLabels: z.optional(z.array(labelName).check(z.maxLength(100))),
    targetLabel: z.optional(writableLabel),
  })
  .check(
    z.refine((rule) => rule.action !== 'labeldrop' || rule.regex !== undefined, {
      message: 'a labeldrop rule needs a regex',
    }),
  );

const scrapeEndpoint = z
  .object({
    port: z.union([
      z.int().check(z.refine((port) => port !== 0, { message: 'Port is required' })),
      z.string().check(z.minLength(1), z.maxLength(253)),
    ]),
    path: z.optional(z.string()),
    scheme: z.optional(z.enum(['http', 'https'])),
    interval: duration,
    timeout: z.optional(duration),
    params: z.optional(z.record(z.string(), z.array(z.string()))),
    proxyUrl: z.optional(proxyUrl),
    metricRelabeling: z.optional(z.array(relabelingRule).check(z.maxLength(250))),
    authorization: z.optional(
      z.object({
        type: z.optional(
          z.string().check(
            z.refine((type) => type !== 'Basic', {
              message: 'authorization type cannot be set to "basic", use "basic_auth" instead',
            }),
          ),
        ),
        credentials: z.optional(secretSelector),
      }),
    ),
    basicAuth: z.optional(
      z.object({ username: z.optional(z.string()), password: z.optional(secretSelector) }),
    ),
    oauth2: z.optional(
      z.object({
        clientID: z.optional(z.string()),
        clientSecret: z.optional(secretSelector),
        endpointParams: z.optional(stringMap),
        proxyUrl: z.optional(proxyUrl),
        scopes: z.optional(z.array(z.string())),
        tlsConfig: z.optional(tlsConfig),
        tokenURL: z.optional(z.string()),
      }),
    ),
    tls: z.optional(tlsConfig),
  })
  .check(
    z.refine(
      (endpoint) =>
        endpoint.timeout === undefined ||
        (durationMs(endpoint.timeout) ?? 0) <= (durationMs(endpoint.interval) ?? 0),
      { message: 'scrape timeout must not be greater than scrape interval' },
    ),
    z.refine(
      (endpoint) =>
        [endpoint.authorization, endpoint.basicAuth, endpoint.oauth2].filter((auth) => auth !== undefined)
          .length <= 1,
      { message: 'at most one of authorization, basicAuth and oauth2' },
    ),
  );

type ScrapeEndpoint = z.infer<typeof scrapeEndpoint>;

/** Managed Prometheus refuses a namespace on a PodMonitoring's secret references. */
const secretNamespaces = (endpoint: ScrapeEndpoint) =>
  [
    endpoint.authorization?.credentials,
    endpoint.basicAuth?.password,
    endpoint.tls?.ca,
    endpoint.tls?.cert,
    endpoint.tls?.key,
    endpoint.oauth2?.clientSecret,
  ].filter((selector) => selector?.secret?.namespace !== undefined).length;

const podMonitoringSchema = z.object({
  apiVersion: z.literal('monitoring.googleapis.com/v1'),
  kind: z.literal('PodMonitoring'),
  metadata: objectMeta,
  spec: z
    .object({
      selector: labelSelector,
      endpoints: z.array(scrapeEndpoint).check(z.minLength(1), z.maxLength(10)),
      targetLabels: z.optional(
        z.object({
          fromPod: z.optional(
            z.array(z.object({ from: z.string(), to: z.optional(writableLabel) })).check(z.maxLength(100)),
          ),
          metadata: z.optional(
            z.array(
              z.enum(['container', 'node', 'pod', 'top_level_controller_name', 'top_level_controller_type']),
            ),
          ),
        }),
      ),
      limits: z.optional(
        z.object({
          samples: z.optional(int64),
          labels: z.optional(int64),
          labelNameLength: z.optional(int64),
          labelValueLength: z.optional(int64),
        }),
      ),
      filterRunning: z.optional(z.boolean()),
    })
    .check(
      z.refine((spec) => spec.endpoints.every((endpoint) => secretNamespaces(endpoint) === 0), {
        message: 'Namespace not allowed on PodMonitoring secret references',
      }),
    ),
});

const issuePath = (path: readonly PropertyKey[]) =>
  path.reduce<string>(
    (at, key) => (typeof key === 'number' ? `${at}[${key}]` : at ? `${at}.${String(key)}` : String(key)),
    '',
  );

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'is required' : `must be ${issue.expected}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      return `must have at least ${issue.minimum}`;
    case 'too_big':
      return `must have at most ${issue.maximum}`;
    case 'invalid_union':
      return 'must be an integer or a port name';
    default:
      return issue.message;
  }
}

/**
 * A model of a CRD in the shape knative-rules.ts validates with: `validate` runs on the (watched)
 * object as `this` and throws the problems `schema` finds.
 */
export function crdModel(schema: z.ZodMiniType) {
  return {
    prototype: {
      validate(this: unknown): void {
        const result = schema.safeParse(this);
        if (result.success) return;
        throw new Error(
          result.error.issues
            .map((issue) => `${issuePath(issue.path) || 'the object'} ${describeIssue(issue)}`)
            .join('; '),
        );
      },
    },
  };
}

/** The PodMonitoring CRD as a model. */
export const PodMonitoring = crdModel(podMonitoringSchema);

export { objectMeta };
