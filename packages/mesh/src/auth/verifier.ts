/**
 * @module The broker ingress's check of a sender, as pkg/auth/verifier.go `VerifyRequest` makes it
 * for pkg/broker/ingress/ingress_handler.go: with `authentication-oidc` off, everyone passes; on, a
 * bearer token for the broker's audience is needed (401 without, or when it is invalid, expired,
 * from another issuer or for another audience), then the EventPolicies that apply to the broker, or
 * `default-authorization-mode` when none does, decide (403).
 */
import type { Features } from '../features.ts';
import type { Broker, EventPolicy } from '../manifests.ts';
import { authorize, policiesFor, type SubjectsWithFilters, subjectsWithFilters } from './event-policy.ts';
import { type Issuer, TokenError, type VerifiedToken } from './issuer.ts';
import { brokerAudience } from './names.ts';

export interface AuthRefusal {
  status: 401 | 403;
  detail: string;
  headers: Record<string, string>;
}

/** `GetJWTFromHeader`: the token of `Authorization: Bearer <token>` (scheme case-insensitive). */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer +(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

const UNAUTHORIZED = { 'www-authenticate': 'Bearer' };

/** Tokens whose signature was checked, kept until they expire (a sender reuses one for up to an hour). */
const VERIFIED_CACHE_SIZE = 10_000;

export class IngressVerifier {
  readonly #issuer: Issuer;
  readonly #features: Features;
  /** By `namespace/name`: the broker's audience and its applying policies (`status.policies`). */
  readonly #brokers = new Map<string, { audience: string; applying: SubjectsWithFilters[] }>();
  /**
   * By audience and token: what a successful verification found. A token string that verified once
   * verifies again until it expires (its bytes are its signature), so only `exp` is checked again:
   * this saves the RS256 signature check (≈150 µs) on every event after a sender's first. Only
   * verified tokens enter it, so a flood of forged ones cannot fill it; it is bounded anyway.
   */
  readonly #verified = new Map<string, VerifiedToken>();

  constructor(
    issuer: Issuer,
    features: Features,
    brokers: readonly Broker[],
    policies: readonly EventPolicy[],
  ) {
    this.#issuer = issuer;
    this.#features = features;
    for (const broker of brokers) {
      const applying = policiesFor(policies, {
        apiVersion: 'eventing.knative.dev/v1',
        kind: 'Broker',
        name: broker.name,
        namespace: broker.namespace,
        labels: broker.labels,
      });
      this.#brokers.set(`${broker.namespace}/${broker.name}`, {
        audience: brokerAudience(broker.namespace, broker.name),
        applying: applying.map(subjectsWithFilters),
      });
    }
  }

  get enabled(): boolean {
    return this.#features.oidc;
  }

  /** The names of the EventPolicies applying to a broker (its `status.policies`). */
  policiesOf(namespace: string, name: string): string[] {
    return this.#brokers.get(`${namespace}/${name}`)?.applying.map((a) => a.policy) ?? [];
  }

  /**
   * Why a sender may not send this event to a broker the mesh serves, or undefined when it may (and
   * always when OIDC is off).
   */
  async check(
    namespace: string,
    name: string,
    authorization: string | undefined,
    attributes: Readonly<Record<string, string>>,
  ): Promise<AuthRefusal | undefined> {
    if (!this.#features.oidc) return undefined;
    const broker = this.#brokers.get(`${namespace}/${name}`);
    if (!broker) return undefined; // not served: the ingress answers 404
    const token = bearerToken(authorization);
    if (!token) {
      return {
        status: 401,
        detail: 'This broker needs an OIDC token for its audience: Authorization: Bearer <token>.',
        headers: UNAUTHORIZED,
      };
    }
    let subject: string;
    try {
      ({ subject } = await this.#verify(token, broker.audience));
    } catch (error) {
      if (!(error instanceof TokenError)) throw error;
      return {
        status: 401,
        detail: `${error.message}; this broker wants a token from ${this.#issuer.url} for ${broker.audience}.`,
        headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
      };
    }
    const decision = authorize(
      subject,
      namespace,
      broker.applying,
      this.#features.defaultAuthorizationMode,
      attributes,
    );
    if (decision.allowed) return undefined;
    return { status: 403, detail: `${decision.reason}.`, headers: {} };
  }

  async #verify(token: string, audience: string): Promise<VerifiedToken> {
    const key = `${audience} ${token}`;
    const known = this.#verified.get(key);
    if (known && known.expiresAt * 1000 > Date.now()) return known;
    this.#verified.delete(key);
    const verified = await this.#issuer.verify(token, audience);
    if (this.#verified.size >= VERIFIED_CACHE_SIZE) {
      // The oldest entry goes first (a Map iterates in insertion order).
      this.#verified.delete(this.#verified.keys().next().value!);
    }
    this.#verified.set(key, verified);
    return verified;
  }
}
