/** @module The counter test function's process entry, as a real function's `main.ts` is. */
import { runFunction } from '../serve.ts';
import { counterFunction } from './counter-function.ts';

await runFunction(() => counterFunction.create());
