/**
 * @module Vitest global setup: one real Firestore emulator for the run (or the one named by
 * FIRESTORE_EMULATOR_HOST). Test files isolate themselves with a database of their own.
 */
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { startFirestoreEmulator } from '../../packages/kit/src/emulator.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    firestoreEmulatorHost: string;
  }
}

export default async function setup(project: TestProject) {
  const emulator = await startFirestoreEmulator();
  // Workers are forked after global setup, so they inherit this; provide() serves inject().
  process.env.FIRESTORE_EMULATOR_HOST = emulator.host;
  project.provide('firestoreEmulatorHost', emulator.host);
  return async () => {
    await emulator.stop();
  };
}
