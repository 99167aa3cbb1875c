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

/** A lazily created client for one (named) database. */
export function lazyFirestore({ projectId, databaseId }: FirestoreOptions) {
  let client: Promise<Firestore> | undefined;
  return {
    get(): Promise<Firestore> {
      client ??= firestoreModule().then(
        ({ Firestore }) =>
          new Firestore({
            projectId,
            databaseId,
            ignoreUndefinedProperties: true,
            // Named explicitly, so the client never probes the GCE metadata server to learn it
            // (a second of delay and off-machine traffic wherever there is no metadata server).
            universeDomain: 'googleapis.com',
          }),
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
