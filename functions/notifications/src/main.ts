/** @module The notifications process: serves the function as Knative runs it. */
import { runFunction } from '@stockflow/kit';
import { notifications } from './app.ts';

await runFunction(() => notifications.create(), { warmFirestore: true });
