/**
 * @module The first API answers web put into the page it served (server/first-answers.ts), each
 * taken once, by the very path the app asks for: the screen that asks first gets the answer at once,
 * with no request; any later ask (a refresh, coming back to the screen) goes to the server as usual.
 */
import { FIRST_ANSWERS_ELEMENT_ID } from './first-page.ts';

const answers = new Map<string, unknown>();

/** Moves the page's answers, if it still has them, out of the page and into `answers`. */
function readPageAnswers(): void {
  const element = document.getElementById(FIRST_ANSWERS_ELEMENT_ID);
  if (!element) return;
  element.remove();
  try {
    const parsed = JSON.parse(element.textContent ?? '') as unknown;
    if (parsed && typeof parsed === 'object') {
      for (const [path, answer] of Object.entries(parsed)) answers.set(path, answer);
    }
  } catch {
    // Unreadable: the app asks the server, as it would without them.
  }
}

/** The page's answer for `apiPath` (`/api/catalog/products?limit=8`), once; undefined otherwise. */
export function takeFirstAnswer(apiPath: string): unknown {
  readPageAnswers();
  const answer = answers.get(apiPath);
  answers.delete(apiPath);
  return answer;
}
