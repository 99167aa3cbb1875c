/**
 * @module Knative Eventing's feature flags as the mesh reads them from a `config-features` ConfigMap
 * among its manifests (pkg/apis/feature/features.go `NewFlagsConfigFromMap`, flag_names.go): the
 * values are case-insensitive, keys starting with `_` are ignored, and an absent ConfigMap or key takes
 * Knative's default (`newDefaults`): OIDC off, `allow-same-namespace`, transport encryption disabled.
 */

export type AuthorizationMode = 'allow-all' | 'deny-all' | 'allow-same-namespace';
export type TransportEncryption = 'disabled' | 'permissive' | 'strict';

export interface Features {
  /** `authentication-oidc: enabled`: senders need a token, deliveries carry one. */
  oidc: boolean;
  /** `default-authorization-mode`: what decides when no EventPolicy applies to a resource. */
  defaultAuthorizationMode: AuthorizationMode;
  /** `transport-encryption`: read and reported; the local mesh serves plain HTTP on loopback. */
  transportEncryption: TransportEncryption;
}

/** flag_names.go */
export const OIDC_AUTHENTICATION = 'authentication-oidc';
export const AUTHORIZATION_DEFAULT_MODE = 'default-authorization-mode';
export const TRANSPORT_ENCRYPTION = 'transport-encryption';
/** Where a cluster keeps them: ConfigMap `config-features` in Knative Eventing's system namespace. */
export const CONFIG_FEATURES = { name: 'config-features', namespace: 'knative-eventing' };

export const DEFAULT_FEATURES: Readonly<Features> = Object.freeze({
  oidc: false,
  defaultAuthorizationMode: 'allow-same-namespace',
  transportEncryption: 'disabled',
});

const MODES: readonly AuthorizationMode[] = ['allow-all', 'deny-all', 'allow-same-namespace'];
const ENCRYPTIONS: readonly TransportEncryption[] = ['disabled', 'permissive', 'strict'];

/**
 * The flags a `config-features` data map sets over Knative's defaults. A value Knative does not know
 * leaves the flag at a value that is none of the known ones, which Knative then treats as "not
 * enabled" / "not deny-all": here that is a thrown Error naming it, since a typo in a security flag
 * should not silently weaken it.
 */
export function readFeatures(data: Readonly<Record<string, string>> = {}): Features {
  const features: Features = { ...DEFAULT_FEATURES };
  for (const [rawKey, rawValue] of Object.entries(data)) {
    if (rawKey.startsWith('_')) continue;
    const key = rawKey.trim();
    const value = String(rawValue).trim().toLowerCase();
    if (key === OIDC_AUTHENTICATION) {
      if (value !== 'enabled' && value !== 'disabled') throw unknown(key, rawValue, ['enabled', 'disabled']);
      features.oidc = value === 'enabled';
    } else if (key === AUTHORIZATION_DEFAULT_MODE) {
      if (!MODES.includes(value as AuthorizationMode)) throw unknown(key, rawValue, MODES);
      features.defaultAuthorizationMode = value as AuthorizationMode;
    } else if (key === TRANSPORT_ENCRYPTION) {
      if (!ENCRYPTIONS.includes(value as TransportEncryption)) throw unknown(key, rawValue, ENCRYPTIONS);
      features.transportEncryption = value as TransportEncryption;
    }
  }
  return features;
}

function unknown(key: string, value: string, known: readonly string[]): Error {
  return new Error(`${key}: "${value}" is none of ${known.join(', ')}`);
}
