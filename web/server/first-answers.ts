/**
 * @module A shop page's first API answers, in the page itself: web asks the functions for them as it
 * serves the page (the same public reads the app would make first: preloads.ts lists them) and puts
 * them into the page as a JSON data block, which the app reads instead of asking (lib/first-answers.ts).
 * On a phone's network each answer is otherwise a request of its own beside the app's code, sharing
 * the few connections and the bandwidth before the page's largest paint; in the page, they ride in
 * the page's own first round trip. Only answers that come quickly and well go in: any other is left
 * to the app to ask for, as before (with its `<link rel=preload>`).
 *
 * The data is as fresh as the page, which is never cached without revalidation (static.ts): its
 * ETag covers the answers, so a changed product makes a new page.
 */
import { FIRST_ANSWERS_ELEMENT_ID } from '../src/lib/first-page.ts';

/** The wait for one answer: a function slower than this (a cold start) is left to the app. */
export const FIRST_ANSWER_TIMEOUT_MS = 250;

/** Fetches the answer to a public `GET /api/<function>/…` from the function, or undefined. */
export type FetchAnswer = (apiPath: string) => Promise<unknown>;

/**
 * Answers straight from the functions (`upstreams`: base URL by function name), without any of the
 * shopper's cookies or headers: these are the public reads any anonymous browser would make.
 */
export function answersFromFunctions(
  upstreams: Partial<Record<string, string>>,
  timeoutMs = FIRST_ANSWER_TIMEOUT_MS,
): FetchAnswer {
  return async function fetchFirstAnswer(apiPath) {
    const match = /^\/api\/([a-z][a-z0-9-]*)(\/[^?#]*)(\?.*)?$/.exec(apiPath);
    const base = match && upstreams[match[1]!];
    if (!match || !base) return undefined;
    try {
      const res = await fetch(`${base.replace(/\/$/, '')}${match[2]}${match[3] ?? ''}`, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!res.ok || !/^application\/json\b/.test(res.headers.get('content-type') ?? '')) return undefined;
      return await res.json();
    } catch {
      return undefined;
    }
  };
}

/** The answers that came, by the API path the app asks for (all asked at once). */
export async function firstAnswers(paths: readonly string[], fetchAnswer: FetchAnswer) {
  const answers = await Promise.all(paths.map(fetchAnswer));
  return Object.fromEntries(
    paths.flatMap((path, i) => (answers[i] === undefined ? [] : [[path, answers[i]] as const])),
  );
}

/**
 * The answers as a JSON data block: never run (so outside the CSP's `script-src`), and escaped so
 * that no text in them (a product named `</script>`) can end the element or start markup.
 */
export function answersTag(answers: Record<string, unknown>): string {
  if (!Object.keys(answers).length) return '';
  const json = JSON.stringify(answers)
    .replaceAll('<', '\\u003c')
    .replaceAll('>', '\\u003e')
    .replaceAll('&', '\\u0026')
    .replaceAll('\u2028', '\\u2028')
    .replaceAll('\u2029', '\\u2029');
  return `<script type="application/json" id="${FIRST_ANSWERS_ELEMENT_ID}">${json}</script>`;
}
