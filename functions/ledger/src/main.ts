/** @module The ledger's process entry. */
import { runFunction } from '@stockflow/kit';
import { ledger } from './app.ts';

await runFunction(() => ledger.create(), { warmFirestore: true });
