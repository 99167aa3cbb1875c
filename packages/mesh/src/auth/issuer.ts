/**
 * @module The mesh as the cluster's OIDC issuer, as the Kubernetes API server is for Knative: one RS256
 * key pair (jose), a discovery document and JWKS, tokens `system:serviceaccount:<ns>:<name>` for an
 * audience that live one hour (pkg/auth/token_provider.go `TokenExpirationTime`), and their check
 * (signature, issuer, audience, expiry) as go-oidc's verifier makes it in pkg/auth/verifier.go.
 */
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose';

export const ALGORITHM = 'RS256';
/** pkg/auth/token_provider.go `TokenExpirationTime`: what Knative asks the TokenRequest API for. */
export const TOKEN_LIFETIME_SECONDS = 3600;
export const DISCOVERY_PATH = '/.well-known/openid-configuration';
/** Where the Kubernetes API server serves its keys (`/openid/v1/jwks`). */
export const JWKS_PATH = '/openid/v1/jwks';

/** A private RSA key as a JWK, with its `kid` (the RFC 7638 thumbprint) and `alg`. */
export type PrivateJwk = JWK & { kid: string; alg: typeof ALGORITHM };

/** A fresh key pair for an issuer, as the private JWK (which holds the public part too). */
export async function generateSigningKey(): Promise<PrivateJwk> {
  const { privateKey } = await generateKeyPair(ALGORITHM, { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: ALGORITHM };
}

/** The public half of a private RSA JWK. */
export function publicJwk(privateJwk: PrivateJwk): JWK {
  const { kty, n, e, kid, alg } = privateJwk;
  return { kty, n, e, kid, alg, use: 'sig' };
}

/** Why a token was refused (always a 401 at the receiver). */
export class TokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenError';
  }
}

export interface VerifiedToken {
  subject: string;
  /** Seconds since the epoch. */
  expiresAt: number;
}

export interface Issuer {
  /** The issuer URL (`iss`), the mesh's base URL. */
  readonly url: string;
  readonly privateJwk: PrivateJwk;
  /** `GET /openid/v1/jwks` */
  readonly jwks: { keys: JWK[] };
  /** `GET /.well-known/openid-configuration` (the fields Knative's verifier reads). */
  readonly discovery: Record<string, unknown>;
  /** A token for `subject` with `audience`, valid for `lifetimeSeconds` (one hour) from `now`. */
  issue(
    subject: string,
    audience: string,
    options?: { now?: number; lifetimeSeconds?: number },
  ): Promise<string>;
  /** Checks signature, `iss`, `aud` and `exp`; throws TokenError saying what failed. */
  verify(token: string, audience: string): Promise<VerifiedToken>;
}

/** An issuer at `url` signing with `privateJwk` (one generated when absent). */
export async function createIssuer(url: string, privateJwk?: PrivateJwk): Promise<Issuer> {
  const jwk = privateJwk ?? (await generateSigningKey());
  const signingKey = await importJWK(jwk, ALGORITHM);
  const verifyingKey = await importJWK(publicJwk(jwk), ALGORITHM);
  return {
    url,
    privateJwk: jwk,
    jwks: { keys: [publicJwk(jwk)] },
    discovery: {
      issuer: url,
      jwks_uri: `${url}${JWKS_PATH}`,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: [ALGORITHM],
    },
    issue(subject, audience, { now = Date.now(), lifetimeSeconds = TOKEN_LIFETIME_SECONDS } = {}) {
      const issuedAt = Math.floor(now / 1000);
      return new SignJWT({})
        .setProtectedHeader({ alg: ALGORITHM, kid: jwk.kid, typ: 'JWT' })
        .setIssuer(url)
        .setSubject(subject)
        .setAudience(audience)
        .setIssuedAt(issuedAt)
        .setNotBefore(issuedAt)
        .setExpirationTime(issuedAt + lifetimeSeconds)
        .sign(signingKey);
    },
    async verify(token, audience) {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, verifyingKey, {
          issuer: url,
          audience,
          algorithms: [ALGORITHM],
          requiredClaims: ['sub', 'exp'],
        }));
      } catch (error) {
        throw new TokenError(describeFailure(error as Error & { code?: string; claim?: string }));
      }
      return { subject: payload.sub!, expiresAt: payload.exp! };
    },
  };
}

/** jose's error as a sentence that names what failed without echoing the token. */
function describeFailure(error: Error & { code?: string; claim?: string }): string {
  switch (error.code) {
    case 'ERR_JWT_EXPIRED':
      return 'the token has expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (error.claim === 'aud') return 'the token is for another audience';
      if (error.claim === 'iss') return 'the token is from another issuer';
      return `the token's ${error.claim} claim is not valid`;
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'the token is not signed by this issuer';
    default:
      return 'the token is not a valid JWT from this issuer';
  }
}
