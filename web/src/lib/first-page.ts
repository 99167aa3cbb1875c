/**
 * @module What web's server and the app share about a shop page's first load: how many products the
 * front page asks for first (its first screen and a row or two beyond: two rows of four wide, four
 * rows of two on a phone, so the page paints after a small answer and few cards; the rest come as
 * the shopper scrolls), which web's server puts into the page (server/first-answers.ts), and where.
 */
export const CATALOG_FIRST_PAGE = 8;

/**
 * The element of web's page that carries the first API answers the page asks for (a JSON data
 * block, server/first-answers.ts), which lib/first-answers.ts reads instead of asking again.
 */
export const FIRST_ANSWERS_ELEMENT_ID = 'first-answers';
