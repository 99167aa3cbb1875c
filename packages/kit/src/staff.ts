/**
 * @module Staff identity in a function: who a person is and what their role allows, proven by a
 * short-lived staff token that web signs (ES256, `jose`) after the person signed in, or the shared
 * admin token as a logged break-glass. `requireRole(role)` guards every admin route; refusals are
 * problem+json 401 (no or bad credential) or 403 (a role that is not enough).
 */
import { type Actor, STAFF_ROLES, StaffRole, type StaffRole as StaffRoleName } from '@stockflow/contracts';
import type { Context, MiddlewareHandler } from 'hono';
import type { JSONWebKeySet, JWTPayload } from 'jose';
import { bearerToken, secretsEqual } from './auth.ts';
import { type Jose, loadJose } from './jose.ts';
import type { Logger } from './log.ts';
import { forbidden, unauthorized } from './problem.ts';

/** The `iss` of every staff token: web, the only holder of the signing key. */
export const STAFF_TOKEN_ISSUER = 'stockflow-web';
/** The one algorithm staff tokens use; anything else (`none`, HS256 with the public key) is refused. */
export const STAFF_TOKEN_ALGORITHM = 'ES256';
/** How long web's staff tokens live: one forwarded request, with room for clock skew. */
export const STAFF_TOKEN_TTL_SECONDS = 60;
/** The actor of a change made with the shared admin token. */
export const BREAK_GLASS_SUBJECT = 'break-glass';

/** A person (or the break-glass token) known to be staff, with their role. */
export interface StaffActor extends Actor {
  role: StaffRoleName;
}

/** Whether `role` allows what `needed` allows (roles are ordered: viewer < clerk < manager). */
export function roleAllows(role: StaffRoleName, needed: StaffRoleName): boolean {
  return STAFF_ROLES.indexOf(role) >= STAFF_ROLES.indexOf(needed);
}

/** What a function's requests are checked against (built once, from its config). */
export interface StaffAuth {
  /**
   * The staff member a request's bearer credential proves, undefined when it carries none that
   * looks like one, or a refusal's reason when it carries a bad one (expired, forged, ...).
   */
  authenticate(c: Context): Promise<StaffActor | { refused: string } | undefined>;
}

export interface StaffAuthOptions {
  /** The function's name: the audience its staff tokens are minted for. */
  audience: string;
  /** The public keys of web's staff token signer (`STAFF_JWKS`); none: no staff token is accepted. */
  jwks?: JSONWebKeySet;
  /** The break-glass admin token (`ADMIN_TOKEN`); none: off. */
  adminToken?: string;
  log: Logger;
}

/** A JWS in compact form: three base64url parts. Order tokens and the admin token are not. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

const StaffClaims = {
  parse(payload: JWTPayload): StaffActor | undefined {
    const role = StaffRole.safeParse(payload.role);
    const { sub, name } = payload;
    if (!role.success || typeof sub !== 'string' || !sub || typeof name !== 'string' || !name)
      return undefined;
    return { subject: sub, name, role: role.data };
  },
};

export function createStaffAuth(options: StaffAuthOptions): StaffAuth {
  const { jwks } = options;
  // Built on the first staff token, with jose (loaded then: off the cold start's path).
  let keys: Promise<ReturnType<Jose['createLocalJWKSet']>> | undefined;
  const keysOf = (set: JSONWebKeySet) => {
    keys ??= loadJose().then((jose) => jose.createLocalJWKSet(set));
    return keys;
  };
  return {
    async authenticate(c) {
      const token = bearerToken(c);
      if (!token) return undefined;
      if (COMPACT_JWS.test(token)) {
        if (!jwks) return { refused: 'Staff tokens are not accepted here (no STAFF_JWKS).' };
        const jose = await loadJose();
        try {
          const { payload } = await jose.jwtVerify(token, await keysOf(jwks), {
            issuer: STAFF_TOKEN_ISSUER,
            audience: options.audience,
            algorithms: [STAFF_TOKEN_ALGORITHM],
            requiredClaims: ['exp', 'iat', 'sub'],
          });
          return StaffClaims.parse(payload) ?? { refused: 'The staff token names no person or role.' };
        } catch (error) {
          return { refused: `The staff token was refused: ${refusalOf(error, jose)}.` };
        }
      }
      if (options.adminToken && secretsEqual(token, options.adminToken)) {
        // Loud on purpose: every use of the shared token should be seen and explained.
        options.log.warn('BREAK-GLASS: the shared admin token was used', {
          method: c.req.method,
          path: c.req.path,
        });
        return { subject: BREAK_GLASS_SUBJECT, name: BREAK_GLASS_SUBJECT, role: 'manager' };
      }
      return undefined;
    },
  };
}

/** Why jose refused a token, in words that give nothing away beyond what failed. */
function refusalOf(error: unknown, { errors }: Jose): string {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `bad ${error.claim} claim`;
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad signature';
  if (error instanceof errors.JWKSNoMatchingKey) return 'unknown signing key';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  return 'malformed';
}

/** The verifier `requireRole` uses: set on every request by the function factory. */
export interface StaffVariables {
  staffAuth: StaffAuth;
  /** The staff member of this request, once a guard or `staffOf` established it. */
  actor?: StaffActor;
}

/**
 * The staff member the request proves, or undefined (no credential, or a bad one). For routes that
 * show staff more than the public (they never refuse).
 */
export async function staffOf(c: Context): Promise<StaffActor | undefined> {
  const known = c.get('actor') as StaffActor | undefined;
  if (known) return known;
  const result = await (c.get('staffAuth') as StaffAuth).authenticate(c);
  if (!result || 'refused' in result) return undefined;
  c.set('actor', result);
  return result;
}

/**
 * The staff member of a request if their role allows what `role` allows; refuses (401, 403)
 * otherwise. For a route whose guard depends on the request (`requireRole` is the usual form).
 */
export async function authorize(c: Context, role: StaffRoleName): Promise<StaffActor> {
  // A request whose credential `staffOf` already proved is not verified (nor logged) twice.
  const result =
    (c.get('actor') as StaffActor | undefined) ?? (await (c.get('staffAuth') as StaffAuth).authenticate(c));
  if (!result) throw unauthorized(`This operation needs a signed-in staff member (${role}).`);
  if ('refused' in result) throw unauthorized(result.refused);
  if (!roleAllows(result.role, role)) {
    throw forbidden(`This operation needs the ${role} role; ${result.name} is a ${result.role}.`);
  }
  c.set('actor', result);
  return result;
}

/** Refuses (401, 403) a request that does not prove a staff member with at least `role`. */
export function requireRole(role: StaffRoleName): MiddlewareHandler {
  return async function requireStaffRole(c, next) {
    await authorize(c, role);
    await next();
  };
}

/** The actor of a request a `requireRole` guard admitted (as the events and ledger record it). */
export function actorOf(c: Context): Actor {
  const actor = c.get('actor') as StaffActor | undefined;
  if (!actor) throw new Error('actorOf: the route has no requireRole guard');
  return { subject: actor.subject, name: actor.name };
}

/** An event's data with its actor added (admin changes record who made them). */
export function withActor<E extends { data: object }>(event: E, actor: Actor): E {
  return { ...event, data: { ...event.data, actor } };
}

/** Signs a staff token for one function (`audience`): what web forwards as `Authorization: Bearer`. */
export async function signStaffToken(
  key: CryptoKey,
  staff: StaffActor,
  options: { audience: string; ttlSeconds?: number; keyId?: string },
): Promise<string> {
  const { SignJWT } = await loadJose();
  return new SignJWT({ name: staff.name, role: staff.role })
    .setProtectedHeader({
      alg: STAFF_TOKEN_ALGORITHM,
      typ: 'JWT',
      ...(options.keyId ? { kid: options.keyId } : {}),
    })
    .setIssuer(STAFF_TOKEN_ISSUER)
    .setAudience(options.audience)
    .setSubject(staff.subject)
    .setIssuedAt()
    .setExpirationTime(`${options.ttlSeconds ?? STAFF_TOKEN_TTL_SECONDS}s`)
    .sign(key);
}
