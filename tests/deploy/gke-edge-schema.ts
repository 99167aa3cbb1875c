/**
 * @module The schemas of GKE's `ManagedCertificate` (networking.gke.io/v1) and `FrontendConfig`
 * (networking.gke.io/v1beta1) as models knative-rules.ts validates with, since no models package
 * describes them: the fields of their CRDs (GKE docs, "Using Google-managed SSL certificates" and
 * "Configuring Ingress features through FrontendConfig parameters") that our manifests may use.
 */
import * as z from 'zod/mini';
import { objectMeta, zodModel } from './zod-model.ts';

/** A DNS name a Google-managed certificate can cover: no wildcard, at most 100 per certificate. */
const domain = z
  .string()
  .check(
    z.regex(/^(([a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])\.)+[a-z][a-z0-9-]*[a-z0-9]$/, 'must be a DNS name'),
  );

export const ManagedCertificate = zodModel(
  z.object({
    apiVersion: z.literal('networking.gke.io/v1'),
    kind: z.literal('ManagedCertificate'),
    metadata: objectMeta,
    spec: z.object({ domains: z.array(domain).check(z.minLength(1), z.maxLength(100)) }),
  }),
);

export const FrontendConfig = zodModel(
  z.object({
    apiVersion: z.literal('networking.gke.io/v1beta1'),
    kind: z.literal('FrontendConfig'),
    metadata: objectMeta,
    spec: z.object({
      sslPolicy: z.optional(z.string()),
      redirectToHttps: z.optional(
        z.object({
          enabled: z.boolean(),
          responseCodeName: z.optional(
            z.enum([
              'MOVED_PERMANENTLY_DEFAULT',
              'FOUND',
              'SEE_OTHER',
              'TEMPORARY_REDIRECT',
              'PERMANENT_REDIRECT',
            ]),
          ),
        }),
      ),
    }),
  }),
);
