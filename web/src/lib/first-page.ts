/**
 * @module How many products the shop's front page asks for first: its first screen and a row or two
 * beyond (two rows of four wide, four rows of two on a phone), so the page paints after a small
 * answer and few cards; the rest come as the shopper scrolls. web's server preloads this very page
 * (server/preloads.ts), so both read it here.
 */
export const CATALOG_FIRST_PAGE = 8;
