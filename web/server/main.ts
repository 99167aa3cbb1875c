/** @module The web function's process entry (bundled to web/dist/server/main.mjs). */
import { runFunction } from '@stockflow/kit';
import { web } from './app.ts';

await runFunction(() => web.create());
