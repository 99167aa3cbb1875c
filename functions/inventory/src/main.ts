/** @module The inventory function's process entry. */
import { runFunction } from '@stockflow/kit';
import { inventory } from './app.ts';

await runFunction(() => inventory.create(), { warmFirestore: true });
