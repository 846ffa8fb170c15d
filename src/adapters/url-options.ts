import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { AgentStorageError } from '../contract/errors.js';
import { decodeLeniently, redactUrl } from '../contract/redact.js';
import type { Durability } from '../dialects/sqlite.js';

/**
 * What every adapter module uses to read its own URLs and options: the query parameters and
 * option keys it knows, each checked, anything else refused by name rather than ignored.
 */

export function badUrl(adapter: string, url: string, problem: string): AgentStorageError {
  return new AgentStorageError('INVALID_INPUT', `url ${JSON.stringify(redactUrl(url))} ${problem}`, {
    adapter,
    field: 'url',
  });
}

/**
 * A local file or folder URL written with an authority (`file://HOST/path`) may name no host
 * but `localhost`: credentials there (`file://user:pass@/a.db`) would become part of the path,
 * and so of every message that shows it.
 */
export function checkLocalAuthority(adapter: string, url: string, afterScheme: string): void {
  if (!afterScheme.startsWith('//')) return;
  const authority = afterScheme.slice(2).split('/')[0] as string;
  if (authority !== '' && authority !== 'localhost')
    throw badUrl(adapter, url, 'names a host or credentials; it names a local file or folder');
}

/** `url` parsed as a WHATWG URL; INVALID_INPUT when it is not one (the parser's own error quotes the password). */
export function parseUrl(adapter: string, url: string): URL {
  try {
    return new URL(url);
  } catch {
    throw badUrl(adapter, url, 'is not a valid URL');
  }
}

/** A query parameter's parser: its value, or a problem to report. */
export type ParamParser = (value: string) => unknown;

export const durabilityParam: ParamParser = (v) => {
  if (v !== 'normal' && v !== 'full') return new Error('a value other than normal or full');
  return v as Durability;
};

/**
 * The longest wait a timeout may ask for: SQLite's busy timeout and Node's timers hold a
 * signed 32-bit count, and a larger one wrapped round to no wait at all (2^31 ms waited 1 ms).
 */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export const millisecondsParam: ParamParser = (v) =>
  /^[0-9]{1,10}$/.test(v) && Number(v) <= MAX_TIMEOUT_MS
    ? Number(v)
    : new Error(`a value that is not a whole number of milliseconds from 0 to ${MAX_TIMEOUT_MS}`);

export const countParam: ParamParser = (v) =>
  /^[1-9][0-9]{0,8}$/.test(v) ? Number(v) : new Error('a value that is not a whole number, 1 or more');

export const nameParam: ParamParser = (v) => (v === '' ? new Error('an empty value') : v);

/** Edit distance of two short strings (insertions, deletions, substitutions). */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++)
      next[j] = Math.min(
        (row[j] as number) + 1,
        (next[j - 1] as number) + 1,
        (row[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    row = next;
  }
  return row[b.length] as number;
}

/**
 * Whether `key` reads as a misspelling of one of `names` (another case, or an edit or two
 * away): for a driver that takes parameters the kit does not list, the kit's own mistyped
 * (`?shcema=`, `?Schema=`) must still be refused rather than passed on and ignored.
 */
export function looksLike(key: string, names: readonly string[]): boolean {
  const k = key.toLowerCase();
  return names.some((name) => distance(k, name.toLowerCase()) <= (name.length <= 4 ? 1 : 2));
}

/**
 * Splits the kit's own query parameters (`parsers`) off `url`; parameters `keep` names belong
 * to the driver and stay in the URL; any other is refused by name, and so is one given twice
 * (which would leave the choice of value to whoever reads it) or a malformed percent escape.
 * A `keep` function accepts parameters the kit does not list (pg takes libpq's and
 * providers'), and those go on exactly as written: pg repairs a stray `%` itself.
 */
export function splitUrlOptions(
  adapter: string,
  url: string,
  parsers: Readonly<Record<string, ParamParser>>,
  keep: readonly string[] | ((key: string) => boolean) = [],
): { rest: string; options: Record<string, unknown> } {
  const isKept = typeof keep === 'function' ? keep : (key: string) => keep.includes(key);
  const q = url.indexOf('?');
  if (q === -1) return { rest: url, options: {} };
  const options: Record<string, unknown> = {};
  const kept: string[] = [];
  const seen = new Set<string>();
  const decode = (text: string) => {
    try {
      return decodeURIComponent(text);
    } catch {
      throw badUrl(adapter, url, 'has a malformed percent escape (%XX) in its query');
    }
  };
  for (const pair of url.slice(q + 1).split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    // A key that does not decode is kept as written: it can be no parser's name (those have no `%`).
    const key = decodeLeniently(eq === -1 ? pair : pair.slice(0, eq));
    if (seen.has(key)) throw badUrl(adapter, url, `has the query parameter ${JSON.stringify(key)} twice`);
    seen.add(key);
    const parse = Object.hasOwn(parsers, key) ? parsers[key] : undefined;
    if (parse !== undefined) {
      const parsed = parse(decode(eq === -1 ? '' : pair.slice(eq + 1)));
      if (parsed instanceof Error) throw badUrl(adapter, url, `has ${key} with ${parsed.message}`);
      options[key] = parsed;
    } else if (isKept(key)) {
      if (typeof keep !== 'function') decode(pair);
      kept.push(pair);
    } else {
      throw badUrl(
        adapter,
        url,
        `has the query parameter ${JSON.stringify(key)}, which ${adapter} does not know`,
      );
    }
  }
  return { rest: `${url.slice(0, q)}${kept.length > 0 ? `?${kept.join('&')}` : ''}`, options };
}

/**
 * The options an adapter opens with: those from its URL's query and those passed beside it.
 * A name given both ways must say the same thing: two values for one setting (the URL's
 * `?schema=a`, the options' `{ schema: 'b' }`) are INVALID_INPUT naming it, not a silent pick.
 */
export function mergeOptions<T extends object>(
  adapter: string,
  fromUrl: Readonly<Record<string, unknown>>,
  given: T,
): T {
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined || !Object.hasOwn(fromUrl, key) || fromUrl[key] === value) continue;
    throw new AgentStorageError(
      'INVALID_INPUT',
      `${key} is given twice, ${JSON.stringify(fromUrl[key])} in the URL and ${JSON.stringify(value)} in the options`,
      { adapter, field: key },
    );
  }
  return { ...fromUrl, ...given };
}

const wholeMs = (v: unknown) =>
  Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= MAX_TIMEOUT_MS
    ? null
    : `a whole number of milliseconds from 0 to ${MAX_TIMEOUT_MS}`;

/**
 * What each option's value must be, by name (one name means one thing in every adapter):
 * the same rules as the URL's query parameters, so `{ busyTimeoutMs: 'abc' }` is refused as
 * `?busyTimeoutMs=abc` is, and `{ max: -5 }` never reaches the driver (pg's pool took it and
 * never settled).
 */
const OPTION_VALUES: Readonly<Record<string, (value: unknown) => string | null>> = {
  clock: (v) => (typeof v === 'function' ? null : 'a function returning Unix seconds'),
  busyTimeoutMs: wholeMs,
  connectionTimeoutMs: wholeMs,
  durability: (v) => (v === 'normal' || v === 'full' ? null : '"normal" or "full"'),
  max: (v) => (Number.isSafeInteger(v) && (v as number) >= 1 ? null : 'a whole number, 1 or more'),
  schema: (v) => (typeof v === 'string' ? null : 'a string'),
  authToken: (v) => (typeof v === 'string' ? null : 'a string'),
};

/**
 * The options `createStorage` passed, checked against the names the adapter takes: a typo
 * (`busyTimeout`) is INVALID_INPUT naming it, not silently a default, and so is a value of
 * the wrong kind. Returns a copy.
 */
export function checkOptions<T extends object>(
  adapter: string,
  options: Readonly<Record<string, unknown>>,
  known: readonly string[],
): T {
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (key !== 'clock' && !known.includes(key))
      throw new AgentStorageError(
        'INVALID_INPUT',
        `${key} is not an option of ${adapter} (it takes ${['clock', ...known].join(', ')})`,
        { adapter, field: key },
      );
    const problem = OPTION_VALUES[key]?.(value);
    if (problem)
      throw new AgentStorageError(
        'INVALID_INPUT',
        `${key} must be ${problem}, got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`,
        { adapter, field: key },
      );
  }
  return { ...options } as T;
}

/**
 * For a store opened read-only: `NOT_FOUND` when `path` (the database, or a file every
 * database has, such as PGlite's `PG_VERSION`) does not exist, so that nothing is created.
 */
export function mustExist(adapter: string, database: string, path = database): void {
  if (!existsSync(path))
    throw new AgentStorageError(
      'NOT_FOUND',
      `there is no database at ${database} (opened read-only, so none was created)`,
      { adapter },
    );
}

/** nocodo creates the database's folder too; SQLite drivers fail on a missing one. */
export function ensureFolder(path: string): void {
  if (path !== '' && path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
}

/** Options both SQLite adapters read from their URL's query (`sqlite:./a.db?durability=full`). */
export const SQLITE_PARAMS = { durability: durabilityParam, busyTimeoutMs: millisecondsParam };
export const SQLITE_OPTIONS = ['durability', 'busyTimeoutMs'] as const;

/**
 * `load` once: each `import()` runs the module loader's resolve step again, even for a module
 * already loaded (a round trip to the hooks thread under a loader such as tsx: 1–2 ms an
 * open). A failed load is not kept, so installing a missing driver needs no restart.
 */
export function loadOnce<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => {
    loaded ??= load().catch((e: unknown) => {
      loaded = undefined;
      throw e;
    });
    return loaded;
  };
}

/**
 * Loads an adapter's driver module with `load` (a `loadOnce`); a driver package that is not
 * installed (they are optional peer dependencies) becomes UNAVAILABLE with the command that
 * installs it.
 */
export async function loadDriver<T>(adapter: string, pkg: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (e) {
    const { code, message } = (e ?? {}) as { code?: unknown; message?: unknown };
    if (code !== 'ERR_MODULE_NOT_FOUND' || !String(message).includes(`'${pkg}'`)) throw e;
    throw new AgentStorageError(
      'UNAVAILABLE',
      `the ${adapter} adapter needs ${pkg}, which is not installed: npm install ${pkg}`,
      {
        adapter,
        cause: e,
      },
    );
  }
}

/** The error `loadDriver` raises: a driver package that is not installed (what `verify` reports as such). */
export function isDriverMissing(e: unknown): boolean {
  return (
    e instanceof AgentStorageError &&
    e.code === 'UNAVAILABLE' &&
    (e.cause as { code?: unknown } | undefined)?.code === 'ERR_MODULE_NOT_FOUND'
  );
}
