/** @module The payments process: serves the function as Knative runs it. */
import { runFunction } from '@stockflow/kit';
import { payments } from './app.ts';

await runFunction(() => payments.create(), { warmFirestore: true });
