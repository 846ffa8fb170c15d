import { timingSafeEqual } from 'node:crypto';
import { isIPv4 } from 'node:net';

/**
 * Who may talk to the studio: the checks its server makes on every request before any route,
 * kept apart from the routes so each can be read (and tested) on its own.
 */

/** Where the studio listens. The port may be any free one, so this is known once it listens. */
export interface Listening {
  port: number;
  /** Bound to a loopback address: only this machine reaches it, so the Host check applies. */
  loopback: boolean;
}

/**
 * A loopback address as `server.address()` reports it (normalised): 127.0.0.0/8, `::1`, or
 * an IPv4-mapped 127.x. `localhost` and other names are resolved by then, so a `--host`
 * naming this machine counts by what it resolved to.
 */
export function isLoopbackAddress(address: string): boolean {
  const a = address.toLowerCase();
  if (isIPv4(a)) return a.startsWith('127.');
  return a === '::1' || (a.startsWith('::ffff:127.') && isIPv4(a.slice(7)));
}

/**
 * Whether a `Host` header names this machine's loopback with the studio's port. A page
 * elsewhere that rebinds its own DNS name to 127.0.0.1 sends that name as Host, so this is
 * what keeps it out: no DNS answer can turn `evil.example` into `localhost`. Browsers send
 * IPv4 literals dotted and IPv6 ones as `[::1]`, and the port whenever it is not 80.
 */
export function isLoopbackHost(host: string | undefined, port: number): boolean {
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(host ?? '');
  if (m === null) return false;
  const name = (m[1] as string).toLowerCase();
  const given = m[2];
  if (given === undefined ? port !== 80 : given !== String(port)) return false;
  return name === 'localhost' || name === '[::1]' || (isIPv4(name) && name.startsWith('127.'));
}

/** Constant-time comparison of a presented token with the studio's. */
export function sameToken(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The token of an `Authorization: Bearer …` header. */
export function bearerOf(header: string | undefined): string | undefined {
  return /^Bearer (.+)$/.exec(header ?? '')?.[1];
}

/** What a non-loopback bind prints: the transcripts can then be asked for from elsewhere. */
export function networkWarning(host: string, port: number): string {
  return (
    `agent-storage studio: WARNING: ${host}:${port} is not a loopback address: the studio is ` +
    'reachable from the network, and anyone there with the URL (its token) can read every ' +
    'transcript. Leave out --host (127.0.0.1) to keep it on this machine.'
  );
}
