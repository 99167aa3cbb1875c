/** @module The orders process: serves the function as Knative runs it. */
import { runFunction } from '@stockflow/kit';
import { orders } from './app.ts';

await runFunction(() => orders.create(), { warmFirestore: true });
