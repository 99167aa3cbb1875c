/** @module The catalog process: serves the function as Knative runs it. */
import { runFunction } from '@stockflow/kit';
import { catalog } from './app.ts';

await runFunction(() => catalog.create(), { warmFirestore: true });
