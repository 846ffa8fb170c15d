/**
 * Database URLs carry secrets: a password or token in the userinfo, an `authToken` or
 * `password` in the query. Every message the kit writes that can hold a URL (errors, CLI
 * output, reports) goes through `redactUrl` or `redactSecrets` first, so no code path has
 * to remember which parts of a URL are safe to show.
 */

/** Query parameters whose values are never secret: shown as they are, because they help. */
const PUBLIC_PARAMS = new Set([
  'schema',
  'durability',
  'busyTimeoutMs',
  'max',
  'connectionTimeoutMs',
  'mode',
  'cache',
  'tls',
  'sslmode',
  'application_name',
  'connect_timeout',
  'options',
]);

const MASK = '***';

/** A URL-shaped run of text: `scheme://…` up to whitespace or a quote. */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'`<>]+/gi;
/** An authority's host (bracketed IPv6, or up to the first `:`) and what follows from that `:`. */
const HOST_AND_PORT = /^(\[[^\]]*\]|[^:]*)(:.*)?$/s;
/** A port: none, or 1 to 5 digits up to 65535. Anything else after the host's `:` may be a password. */
const isPort = (text: string) => text === '' || (/^\d{1,5}$/.test(text) && Number(text) <= 65535);

/** `name=value` pairs in text outside a URL whose name says secret. */
const SECRET_NAMES = '(auth_?token|password|passwd|pwd|token|secret|api_?key)';
const SECRET_PAIR = new RegExp(`\\b${SECRET_NAMES}=([^\\s&"'\`]+)`, 'gi');

/**
 * `url` with its userinfo, and the value of every query parameter not known to be
 * harmless (`authToken`, `password`, anything unknown), replaced by `***`. Works on
 * malformed URLs too (they are where passwords leak: a parser's error quotes its input),
 * erring towards hiding more. A URL with no secret comes back unchanged.
 */
export function redactUrl(url: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  // A URL with an authority: let the WHATWG parser find userinfo and query. Without one
  // (`postgres:u:p@h`, `sqlite:./a.db`), the text is all path to it: use the fallback.
  if (parsed !== undefined && parsed.host !== '') {
    if (parsed.username === '' && parsed.password === '' && parsed.search === '' && parsed.hash === '')
      return url;
    if (parsed.username !== '' || parsed.password !== '') {
      parsed.username = MASK;
      parsed.password = '';
    }
    for (const key of [...new Set(parsed.searchParams.keys())]) {
      if (!PUBLIC_PARAMS.has(key)) parsed.searchParams.set(key, MASK);
    }
    if (parsed.hash !== '') parsed.hash = MASK;
    return parsed.toString().replaceAll('%2A%2A%2A', MASK);
  }
  return /[@?#]/.test(url) || /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*:/i.test(url) ? redactMalformed(url) : url;
}

/**
 * `url` as an identity of the data it names, without what authenticates: no password, no
 * query value whose name says secret (`authToken`, `sslpassword`, …); host, port, path and
 * every other parameter kept, so two databases never share it. For names derived from a URL
 * (a copy's journal): a hash of a password would let anyone who sees it test guesses offline.
 * A fragment is kept where there is no host (SQLite takes `#` in `sqlite:///a#1.db` as part
 * of the file name) and dropped where there is one. Without `//` the whole text is a path
 * (`sqlite:./alice@x.db`), kept, except a `user:password@` at its start (`postgres:u:p@h`).
 */
export function withoutSecrets(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*@)?([^?#]*)(\?[^#]*)?(#.*)?$/is.exec(url);
  if (m === null) {
    const q = url.indexOf('?');
    const path = (q === -1 ? url : url.slice(0, q)).replace(/^([a-z][a-z0-9+.-]*:[^/:@]+):[^@/]*@/i, '$1@');
    return `${path}${q === -1 ? '' : withoutSecretParams(url.slice(q))}`;
  }
  let [, scheme, userinfo, path, query, fragment] = m as unknown as [
    string,
    string,
    string | undefined,
    string,
    string | undefined,
    string | undefined,
  ];
  // Only the user name of the userinfo: the last `@` ends it, the first `:` starts the password.
  const user = userinfo === undefined ? '' : `${userinfo.slice(0, -1).split(':')[0]}@`;
  let host = path.split('/')[0] as string;
  // No `@`, and after the host's `:` no port: a user and password with the host left out.
  const [, name, port] = HOST_AND_PORT.exec(host) ?? [];
  if (userinfo === undefined && port !== undefined && !isPort(port.slice(1))) {
    path = `${name}${path.slice(host.length)}`;
    host = name as string;
  }
  return `${scheme}${user}${path}${withoutSecretParams(query ?? '')}${host === '' ? (fragment ?? '') : ''}`;
}

/** A query (`?a=1&authToken=x`) without the parameters whose names say secret. */
function withoutSecretParams(query: string): string {
  const kept = query
    .slice(1)
    .split('&')
    .filter((pair) => pair !== '' && !SECRET_PARAM.test(decodeLeniently(pair.split('=')[0] as string)));
  return kept.length > 0 ? `?${kept.join('&')}` : '';
}

/** A query parameter name that says secret, wherever the word is in it (`sslpassword`, `x_api_key`). */
const SECRET_PARAM = /pass(word|wd)?|pwd|token|secret|api_?key/i;

/** `decodeURIComponent(text)`, or `text` as it is when it holds a malformed escape. */
export function decodeLeniently(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Best effort for what `new URL` refuses: everything before the last `@` of the authority, and
 * query values. An authority with no `@` whose `:` is followed by no port
 * (`postgres://app:pw/db`: a user and password with the host left out) keeps only its first part.
 */
function redactMalformed(url: string): string {
  let out = url;
  const start = out.indexOf('://');
  const authorityFrom = start === -1 ? out.indexOf(':') + 1 : start + 3;
  const at = out.lastIndexOf('@');
  if (at >= authorityFrom) out = `${out.slice(0, authorityFrom)}${MASK}${out.slice(at)}`;
  else if (start !== -1) {
    const authority = /^[^/?#]*/.exec(out.slice(authorityFrom))?.[0] ?? '';
    const [, host, port] = HOST_AND_PORT.exec(authority) ?? [];
    if (port !== undefined && !isPort(port.slice(1)))
      out = `${out.slice(0, authorityFrom + (host as string).length + 1)}${MASK}${out.slice(authorityFrom + authority.length)}`;
  }
  const q = out.indexOf('?');
  const hash = out.indexOf('#');
  if (hash !== -1) out = `${out.slice(0, hash)}#${MASK}`;
  if (q !== -1 && (hash === -1 || q < hash)) {
    const query = out
      .slice(q + 1)
      .split('&')
      .map((pair) => {
        const eq = pair.indexOf('=');
        const key = eq === -1 ? pair : pair.slice(0, eq);
        return eq === -1 || PUBLIC_PARAMS.has(key) ? pair : `${key}=${MASK}`;
      })
      .join('&');
    out = `${out.slice(0, q + 1)}${query}`;
  }
  return out;
}

/** `text` with every URL in it redacted (`redactUrl`) and every `token=…`-like pair masked. */
export function redactSecrets(text: string): string {
  return text
    .replace(URL_IN_TEXT, (url) => redactUrl(url))
    .replace(SECRET_PAIR, (_pair, name: string) => `${name}=${MASK}`);
}

/**
 * Scrubs an error a driver raised (and its causes) in place: its message and stack may
 * quote the URL it was given. Used on every driver error the kit keeps as a `cause`.
 */
export function redactError(error: unknown, depth = 0): void {
  if (depth > 5 || typeof error !== 'object' || error === null) return;
  const e = error as { message?: unknown; stack?: unknown; input?: unknown; cause?: unknown };
  try {
    if (typeof e.message === 'string') e.message = redactSecrets(e.message);
    if (typeof e.stack === 'string') e.stack = redactSecrets(e.stack);
    // Node's URL errors keep the whole input (`TypeError: Invalid URL`, `input: 'postgres://u:p@…'`).
    if (typeof e.input === 'string') e.input = redactUrl(e.input);
  } catch {
    // A frozen error cannot be scrubbed; the kit's own message never quotes it.
  }
  redactError(e.cause, depth + 1);
}
