/**
 * @module jose, loaded on first use. Token checks are not on a cold start's path: the kit starts the
 * load in the background at start (with the issuer's keys), and the first delivery or staff request
 * awaits it, so the bundle a cold start reads stays small (`npm run bench -- bundle`).
 */
export type Jose = typeof import('jose');

let loading: Promise<Jose> | undefined;

/** The jose module, imported once. */
export function loadJose(): Promise<Jose> {
  loading ??= import('jose');
  return loading;
}
