/**
 * @module Who sent a delivery: the OIDC token Knative's dispatcher (or a PingSource) attaches to it,
 * verified with jose against the cluster's issuer (discovery document, then its JWKS: cached, and
 * fetched again when a token names a key it does not hold), and the subject checked against the
 * identities allowed to deliver here. Refusals are problem+json: 401 for a missing or invalid
 * token, 403 for a subject not allowed, 503 when the issuer cannot be reached (retried).
 */
import { readFileSync } from 'node:fs';
import type { JWTVerifyGetKey } from 'jose';
import { parseBearer } from './auth.ts';
import { getJson, type JsonAnswer } from './get-json.ts';
import { type Jose, loadJose } from './jose.ts';
import type { LazyMetrics } from './lazy-metrics.ts';
import type { Logger } from './log.ts';
import { forbidden, Problem, unauthorized, unavailable } from './problem.ts';

/**
 * The identities that deliver to a function, by the suffix of their ServiceAccount's name: Knative
 * names the OIDC ServiceAccount of a resource `<name>-oidc-<group>-<kind>` (knative/eventing,
 * pkg/auth/serviceaccount.go, GetOIDCServiceAccountNameForResource).
 */
export const SENDER_SUFFIXES = {
  /** A Trigger: the broker's dispatcher delivers (and dead-letters) under its Trigger's identity. */
  trigger: '-oidc-eventing.knative.dev-trigger',
  /** A PingSource: its ticks come straight from the PingSource adapter under its own identity. */
  pingsource: '-oidc-sources.knative.dev-pingsource',
} as const;

export type SenderKind = keyof typeof SENDER_SUFFIXES;

/** A verified delivery subject: `system:serviceaccount:<namespace>:<name>`, and what kind it is. */
export interface Sender {
  subject: string;
  /** Undefined for a ServiceAccount that is neither a Trigger's nor a PingSource's. */
  kind: SenderKind | undefined;
}

/** Why a delivery was refused: a bounded metric label. */
export const REFUSAL_REASONS = [
  'missing',
  'invalid',
  'expired',
  'claims',
  'subject',
  'issuer_unreachable',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** Where the kubelet projects the Pod's namespace with its ServiceAccount token. */
export const NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/** The function's namespace: the projected file when present, else `POD_NAMESPACE`, else `default`. */
export function podNamespace(env: { POD_NAMESPACE?: string }, file = NAMESPACE_FILE): string {
  try {
    const fromFile = readFileSync(file, 'utf8').trim();
    if (fromFile) return fromFile;
  } catch {
    // Not in a Pod (tests, the local stack).
  }
  return env.POD_NAMESPACE || 'default';
}

/** The subject of a ServiceAccount, as Kubernetes puts it in the tokens it issues. */
export const serviceAccountSubject = (name: string, namespace = 'default') =>
  `system:serviceaccount:${namespace}:${name}`;

/** The kind of a subject in `namespace`, or undefined when it is none we know (or elsewhere). */
export function senderKind(subject: string, namespace: string): SenderKind | undefined {
  const prefix = `system:serviceaccount:${namespace}:`;
  if (!subject.startsWith(prefix)) return undefined;
  const name = subject.slice(prefix.length);
  for (const [kind, suffix] of Object.entries(SENDER_SUFFIXES) as Array<[SenderKind, string]>) {
    if (name.length > suffix.length && name.endsWith(suffix) && !name.includes(':')) return kind;
  }
  return undefined;
}

export interface SenderVerifierOptions {
  /** The OIDC issuer (`OIDC_ISSUER`): its discovery document names its JWKS. */
  issuer: string;
  /** The audience tokens must carry: the function's (`EVENTS_AUDIENCE`, `K_SERVICE` or its name). */
  audience: string;
  namespace: string;
  /** Least time between two JWKS fetches for an unknown `kid` (jose's default: 30 s). */
  cooldownMs?: number;
  /**
   * Timeout of each discovery and JWKS request (30 s): long, so that an issuer slow under load still
   * answers the one request every delivery waits on.
   */
  timeoutMs?: number;
  /**
   * How long a delivery waits for the issuer's keys before it is answered 503 (5 s). The request goes
   * on without it, for the deliveries after.
   */
  waitMs?: number;
  /** How the discovery document and the JWKS are fetched (default: `getJson`, over node:http). */
  get?: (url: string, init: { signal: AbortSignal }) => Promise<JsonAnswer>;
}

/** Token errors (the sender's fault: 401); any other failure is the issuer's reachability (503). */
const tokenErrors = ({ errors }: Jose) => [
  errors.JWSInvalid,
  errors.JWTInvalid,
  errors.JWSSignatureVerificationFailed,
  errors.JWKSNoMatchingKey,
  errors.JWKSMultipleMatchingKeys,
  errors.JOSEAlgNotAllowed,
  errors.JOSENotSupported,
  errors.JWKInvalid,
];

/** Verified tokens kept at most (a few per Trigger and PingSource is what a function sees). */
const VERIFIED_CACHE_SIZE = 1_000;

/** Seconds of clock difference tolerated on `exp` and `nbf`. */
const CLOCK_TOLERANCE_S = 30;

/**
 * The least time the signature check itself gets, however long the keys took: a check of a token
 * whose key is loaded must not lose a race against a spent deadline.
 */
const MIN_VERIFY_MS = 250;

/** Signature algorithms a Kubernetes ServiceAccount issuer uses. */
const ALGORITHMS = ['RS256', 'ES256'];

/** What checks a delivery's token. */
export interface Verifier {
  verify(authorization: string | undefined): Promise<Sender>;
  warm(): Promise<void>;
}

/** For a runtime built without one: no token is good enough. */
export const REFUSE_ALL: Verifier = {
  verify: async () => {
    throw refusal('invalid', unauthorized('This runtime has no issuer to verify senders against.'));
  },
  warm: async () => undefined,
};

/** Verifies delivery tokens against one issuer, for one audience and namespace. */
export class SenderVerifier implements Verifier {
  readonly #options: Required<Omit<SenderVerifierOptions, 'get'>> & Pick<SenderVerifierOptions, 'get'>;
  #keys: Promise<JWTVerifyGetKey & { reload(): Promise<void> }> | undefined;
  /**
   * Tokens that verified, with their sender and expiry. The dispatcher reuses a Trigger's token for
   * up to an hour, and a token string that verified once verifies again until it expires (its bytes
   * carry their signature), so only `exp` is checked again: this saves the signature check on every
   * delivery after a Trigger's first. Only verified tokens enter it; it is bounded anyway.
   */
  readonly #verified = new Map<string, { sender: Sender; expiresAtMs: number }>();

  constructor(options: SenderVerifierOptions) {
    this.#options = { cooldownMs: 30_000, timeoutMs: 30_000, waitMs: 5_000, ...options };
  }

  get audience(): string {
    return this.#options.audience;
  }

  /**
   * Fetches the discovery document and the JWKS now, so the first delivery does not wait for them.
   * Never throws: a failure is retried by the next delivery.
   */
  async warm(): Promise<void> {
    await this.#jwks();
  }

  /** The verified sender of an `Authorization` header value; throws 401 (or 503) otherwise. */
  async verify(authorization: string | undefined): Promise<Sender> {
    const token = parseBearer(authorization);
    if (!token) throw refusal('missing', unauthorized('A bearer token from the event sender is required.'));
    const known = this.#verified.get(token);
    if (known && Date.now() < known.expiresAtMs) return known.sender;
    if (known) this.#verified.delete(token);
    // One wait for the whole check: the keys, then (a new kid) their reload inside jwtVerify, which
    // gets at least MIN_VERIFY_MS.
    const deadline = Date.now() + this.#options.waitMs;
    const keys = await this.#waited(this.#jwks(), deadline).catch((error) => {
      throw refusal(
        'issuer_unreachable',
        unavailable(`The OIDC issuer cannot be reached: ${message(error)}`),
      );
    });
    const jose = await loadJose();
    let subject: string | undefined;
    let expiresAt = 0;
    try {
      // Waited for as the keys are: a token with a new kid makes jose fetch the JWKS again.
      const { payload } = await this.#waited(
        jose.jwtVerify(token, keys, {
          issuer: this.#options.issuer,
          audience: this.#options.audience,
          algorithms: ALGORITHMS,
          requiredClaims: ['exp', 'sub'],
          // Issuer and function clocks differ a little (nbf/iat are stamped at issue).
          clockTolerance: CLOCK_TOLERANCE_S,
        }),
        Math.max(deadline, Date.now() + MIN_VERIFY_MS),
      );
      subject = payload.sub;
      expiresAt = payload.exp!;
    } catch (error) {
      throw tokenRefusal(error, jose);
    }
    if (!subject) throw refusal('claims', unauthorized('The token names no subject.'));
    const sender = { subject, kind: senderKind(subject, this.#options.namespace) };
    if (this.#verified.size >= VERIFIED_CACHE_SIZE) this.#verified.clear();
    this.#verified.set(token, { sender, expiresAtMs: expiresAt * 1000 });
    return sender;
  }

  /**
   * `work`, or a rejection once the delivery's `deadline` (`waitMs` after it began) has passed. A
   * freshly started function
   * meets a flood of deliveries: each waits a bounded time, while the one request for the keys may
   * take longer on a loaded issuer (one that timed out after 5 s, retried per delivery, could fail for
   * as long as the load lasted, and refusing the flood kept the load up).
   */
  async #waited<T>(work: Promise<T>, deadline: number): Promise<T> {
    // Its outcome, once nobody waits any more, is the next delivery's business (or nobody's).
    work.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const waitMs = this.#options.waitMs;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${waitMs} ms; still asking`)),
        Math.max(0, deadline - Date.now()),
      );
    });
    try {
      return await Promise.race([work, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The issuer's JWKS, from its discovery document, with its keys fetched (once; again after a
   * failure).
   */
  #jwks() {
    this.#keys ??= this.#discover().catch((error) => {
      this.#keys = undefined;
      throw error;
    });
    return this.#keys;
  }

  async #discover() {
    const { issuer, timeoutMs, cooldownMs } = this.#options;
    const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    const get = this.#options.get ?? getJson;
    const res = await get(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) throw new Error(`discovery answered ${res.status}`);
    const document = (await res.json()) as { issuer?: unknown; jwks_uri?: unknown };
    // OpenID Connect Discovery 1.0, 4.3: the document's issuer must be the one it was fetched for.
    if (document.issuer !== issuer) throw new Error('the discovery document names another issuer');
    if (typeof document.jwks_uri !== 'string') throw new Error('the discovery document has no jwks_uri');
    const { createRemoteJWKSet, customFetch } = await loadJose();
    const keys = createRemoteJWKSet(new URL(document.jwks_uri), {
      cooldownDuration: cooldownMs,
      timeoutDuration: timeoutMs,
      // jose reads `status` and `json()` of the answer only.
      [customFetch]: get as unknown as typeof fetch,
    });
    await keys.reload();
    return keys;
  }
}

/** A refusal carries its bounded reason for metrics. */
export class SenderRefusal extends Problem {
  constructor(
    readonly reason: RefusalReason,
    problem: Problem,
  ) {
    super(problem.status, problem.title, {
      detail: problem.detail,
      extensions: problem.extensions,
      headers: problem.headers,
    });
  }
}

const refusal = (reason: RefusalReason, problem: Problem) => new SenderRefusal(reason, problem);

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

function tokenRefusal(error: unknown, jose: Jose): SenderRefusal {
  const { errors } = jose;
  if (error instanceof errors.JWTExpired) return refusal('expired', unauthorized('The token has expired.'));
  if (error instanceof errors.JWTClaimValidationFailed) {
    return refusal('claims', unauthorized(`The token's "${error.claim}" claim is not accepted here.`));
  }
  if (tokenErrors(jose).some((type) => error instanceof type)) {
    return refusal('invalid', unauthorized('The token is not a valid token of the cluster issuer.'));
  }
  return refusal(
    'issuer_unreachable',
    unavailable(`The OIDC issuer's keys cannot be fetched: ${message(error)}`),
  );
}

/**
 * What a function does with delivery senders: verify them (or, in insecure mode, not at all),
 * check their kind, and count refusals by route and reason.
 */
export class SenderGuard {
  readonly #verifier: Verifier | undefined;
  readonly #metrics: LazyMetrics | undefined;
  readonly #log: Logger | undefined;

  /** Without a verifier every delivery is accepted unverified (`STOCKFLOW_INSECURE_EVENTS=1`). */
  constructor(options: { verifier?: Verifier; metrics?: LazyMetrics; log?: Logger } = {}) {
    this.#verifier = options.verifier;
    this.#metrics = options.metrics;
    this.#log = options.log;
  }

  get verifying(): boolean {
    return this.#verifier !== undefined;
  }

  /** Starts the issuer fetch in the background (never fails readiness). */
  warm(): void {
    this.#verifier?.warm().catch((error) => {
      this.#log?.warn('OIDC issuer not reachable yet; deliveries will retry it', { error: message(error) });
    });
  }

  /**
   * The verified sender of a request on `route`, allowed if its kind is in `kinds`; undefined in
   * insecure mode. Throws 401/403/503 problems (counted).
   */
  async check(authorization: string | undefined, route: string, kinds: readonly SenderKind[]) {
    if (!this.#verifier) return undefined;
    let sender: Sender;
    try {
      sender = await this.#verifier.verify(authorization);
    } catch (error) {
      if (error instanceof SenderRefusal) this.count(route, error.reason);
      throw error;
    }
    this.allow(sender, route, kinds);
    return sender;
  }

  /** Throws 403 (counted) unless the sender is of one of `kinds`. */
  allow(sender: Sender, route: string, kinds: readonly SenderKind[]): void {
    if (sender.kind && kinds.includes(sender.kind)) return;
    this.count(route, 'subject');
    this.#log?.warn('delivery refused: sender not allowed', { subject: sender.subject, route });
    throw new SenderRefusal('subject', forbidden(`${sender.subject} may not deliver events here.`));
  }

  count(route: string, reason: RefusalReason): void {
    this.#metrics?.record((m) => m.senderRefusals.inc({ route, reason }));
  }
}
