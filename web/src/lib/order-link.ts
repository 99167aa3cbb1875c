/**
 * @module The link a shopper keeps to an order: `/orders/<id>#token=<token>`. The token sits in the
 * fragment, which browsers never send to a server (nor put in a Referer), so no proxy or load
 * balancer logs it; the order page exchanges it for the order's cookie. Links from before carried
 * `?token=`: they still open the order, once, and the page then rewrites its address.
 */

/** The fragment (without `#`) that carries an order's token. */
export const orderLinkFragment = (token: string) => `token=${encodeURIComponent(token)}`;

/** The link to keep for an order. */
export const orderLink = (origin: string, id: string, token: string) =>
  `${origin}/orders/${encodeURIComponent(id)}#${orderLinkFragment(token)}`;

/** Where a page's token came from: the fragment, an old link's query string, or nowhere. */
export interface LinkToken {
  token?: string;
  /** True for an old `?token=` link, whose address the page rewrites. */
  fromQuery: boolean;
}

/** The token a page's address carries (`location.hash` and `location.search`, as given). */
export function tokenOfLink(hash: string, search: string): LinkToken {
  const fromHash = new URLSearchParams(hash.replace(/^#/, '')).get('token');
  if (fromHash) return { token: fromHash, fromQuery: false };
  const fromQuery = new URLSearchParams(search).get('token');
  return fromQuery ? { token: fromQuery, fromQuery: true } : { fromQuery: false };
}
