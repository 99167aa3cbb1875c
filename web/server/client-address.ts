/**
 * @module Who sent a request, as far as trusted parties can tell, and the key its limits count
 * under. Behind proxies that append to `X-Forwarded-For`, the client is the entry the outermost
 * trusted proxy wrote: the last `hops` entries were written by our proxies, entries further left are
 * the client's own word and never trusted. An IPv6 client is keyed by its /64 (one host usually
 * holds a whole /64, and picks a new address in it at will); an IPv4-mapped IPv6 address is IPv4.
 *
 * The hops on each ingress path (docs/deploy.md, "Proxy hops"), counted from the right of what web
 * receives (web's socket peer is the queue-proxy on 127.0.0.1):
 * - Knative with Kourier: Kourier (Envoy, `use_remote_address`) appends its peer, the queue-proxy
 *   (Go's ReverseProxy) appends its peer (Kourier's pod): `<client>, <kourier pod>`: 2.
 * - GKE external Application Load Balancer in front: the load balancer writes
 *   `<client>, <load balancer IP>`, Kourier appends the Google Front End's address, the
 *   queue-proxy Kourier's pod: 4.
 * - The activator in the path adds its own entry (`…, <kourier pod>, <activator pod>`): one more.
 *   The manifests keep it out (`target-burst-capacity: "0"` with `min-scale` ≥ 1), so the count
 *   stays fixed.
 */
import { isIP } from 'node:net';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

/** The address of the client that sent this request: an IP, or `unknown` without a socket. */
export function clientAddress(c: Context, trustedProxyHops = 0): string {
  if (trustedProxyHops > 0) {
    const forwarded = (c.req.header('x-forwarded-for') ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);
    // The last `hops` entries were written by our proxies; the first of those is what the outermost saw.
    const seen =
      forwarded.length >= trustedProxyHops ? forwarded[forwarded.length - trustedProxyHops] : undefined;
    const address = seen === undefined ? undefined : plainAddress(seen);
    if (address) return address;
  }
  try {
    return plainAddress(getConnInfo(c).remote.address ?? '') ?? 'unknown';
  } catch {
    // No socket (an in-memory request in tests): one shared key.
    return 'unknown';
  }
}

/** The key a client's limits count under: its IPv4 address, or the /64 its IPv6 address lies in. */
export function clientKey(c: Context, trustedProxyHops = 0): string {
  return addressKey(clientAddress(c, trustedProxyHops));
}

/** `203.0.113.9` stays; `2001:db8:1:2:a:b:c:d` becomes `2001:db8:1:2::/64`. */
export function addressKey(address: string): string {
  if (isIP(address) !== 6) return address;
  const groups = expandIPv6(address).slice(0, 4);
  return `${groups.map((group) => group.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/**
 * An entry of `X-Forwarded-For` as a bare IP: brackets and ports removed (`[2001:db8::1]:443`,
 * `198.51.100.7:5060`), an IPv4-mapped IPv6 address as IPv4; undefined when it is no IP at all (a
 * hop that wrote garbage must not give every such request one shared, or a chosen, key).
 */
export function plainAddress(entry: string): string | undefined {
  let value = entry.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(value);
  if (bracketed) value = bracketed[1]!;
  else if (/^[\d.]+:\d+$/.test(value)) value = value.slice(0, value.lastIndexOf(':'));
  value = value.replace(/%.*$/, ''); // a zone id names an interface, not a client
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(value);
  if (mapped) value = mapped[1]!;
  return isIP(value) ? value.toLowerCase() : undefined;
}

/**
 * The eight 16-bit groups of an IPv6 address, as 4-digit hex. Hand-written: eight lines, and no
 * address library is among our dependencies (node:net checks addresses but does not expand them).
 */
function expandIPv6(address: string): string[] {
  let text = address.toLowerCase();
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((group) => group.padStart(4, '0'));
}
