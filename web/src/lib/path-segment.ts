/**
 * @module A route's `:id` as the API knows it. The router hands a path segment over as it is in the
 * URL (a link encodes the id: `/orders/o%3A1`), so a page decodes it once and api.ts encodes it once;
 * used as is, an id with a reserved character would be encoded twice and never found.
 */

/** A path segment decoded, or as it is when it is not valid percent-encoding. */
export function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
