/**
 * @module The Firestore client, loaded on first use: a function answers its first request (health,
 * public reads of cached data) without paying for the gRPC client's load time.
 */
import type { Firestore } from '@google-cloud/firestore';

export interface FirestoreOptions {
  projectId: string;
  databaseId: string;
}

export type FirestoreModule = typeof import('@google-cloud/firestore');

let loading: Promise<FirestoreModule> | undefined;

/** The `@google-cloud/firestore` module, imported once. */
export function firestoreModule(): Promise<FirestoreModule> {
  loading ??= import('@google-cloud/firestore');
  return loading;
}

/**
 * Settings for every Firestore client of ours (functions, tests, benches). The universe domain is
 * named so the client never probes the GCE metadata server to learn it (a second of delay, off-machine
 * traffic and a MetadataLookupWarning wherever there is no metadata server).
 */
export const FIRESTORE_SETTINGS = {
  ignoreUndefinedProperties: true,
  universeDomain: 'googleapis.com',
} as const;

/** A lazily created client for one (named) database. */
export function lazyFirestore({ projectId, databaseId }: FirestoreOptions) {
  let client: Promise<Firestore> | undefined;
  return {
    get(): Promise<Firestore> {
      client ??= firestoreModule().then(
        ({ Firestore }) => new Firestore({ projectId, databaseId, ...FIRESTORE_SETTINGS }),
      );
      return client;
    },
    get loaded(): boolean {
      return client !== undefined;
    },
    async close(): Promise<void> {
      if (client) await (await client).terminate();
    },
  };
}
