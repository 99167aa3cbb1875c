/**
 * @module Tokens the mesh attaches to what it sends, cached per (subject, audience) as Knative's
 * pkg/auth/token_provider.go `OIDCTokenProvider` caches them: kept until five minutes before expiry
 * (`expirationBufferTime`), then signed again. A cached token is a Map lookup, so a delivery signs
 * nothing; a missing one is signed once however many deliveries ask for it at the same moment.
 */
import type { Issuer } from './issuer.ts';
import { TOKEN_LIFETIME_SECONDS } from './issuer.ts';

/** `expirationBufferTime`. */
export const EXPIRATION_BUFFER_MS = 5 * 60_000;

interface Cached {
  token: string;
  /** When to sign a new one (expiry minus the buffer), ms since the epoch. */
  renewAt: number;
}

export class TokenProvider {
  readonly #issuer: Issuer;
  readonly #now: () => number;
  readonly #cache = new Map<string, Cached>();
  readonly #signing = new Map<string, Promise<string>>();

  constructor(issuer: Issuer, now: () => number = Date.now) {
    this.#issuer = issuer;
    this.#now = now;
  }

  /** `GetJWT`: the cached token when still good, else a promise of a newly signed one. */
  token(subject: string, audience: string): string | Promise<string> {
    const key = `${subject}\n${audience}`;
    const cached = this.#cache.get(key);
    if (cached && this.#now() < cached.renewAt) return cached.token;
    let signing = this.#signing.get(key);
    if (!signing) {
      const now = this.#now();
      signing = this.#issuer
        .issue(subject, audience, { now })
        .then((token) => {
          this.#cache.set(key, {
            token,
            renewAt: now + TOKEN_LIFETIME_SECONDS * 1000 - EXPIRATION_BUFFER_MS,
          });
          return token;
        })
        .finally(() => this.#signing.delete(key));
      this.#signing.set(key, signing);
    }
    return signing;
  }
}
