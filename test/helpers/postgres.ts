import pg from 'pg';
import { redactSecrets, redactUrl } from '../../src/contract/redact.js';

export const DEFAULT_TEST_URL = 'postgres://postgres@127.0.0.1:5432/test';

/**
 * The Postgres server the tests use (`AGENT_STORAGE_TEST_POSTGRES_URL`, default the local
 * one), or `undefined` when none answers. In CI a missing server is a failure, never a skip;
 * elsewhere it is reported loudly.
 */
export async function postgresUrl(): Promise<string | undefined> {
  const url = process.env.AGENT_STORAGE_TEST_POSTGRES_URL ?? DEFAULT_TEST_URL;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 30_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return url;
  } catch (e) {
    // The URL may carry a password: only its redacted form is ever printed.
    const why = redactSecrets(e instanceof Error ? e.message : String(e));
    const shown = redactUrl(url);
    if (process.env.CI)
      throw new Error(`Postgres at ${shown} does not answer (${why}); CI must test Postgres`);
    console.warn(
      `\n*** POSTGRES TESTS NOT RUN: no server at ${shown} (${why}). Start one or set AGENT_STORAGE_TEST_POSTGRES_URL. ***\n`,
    );
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Drops each Postgres schema named in `schemas` (filled while the tests run) when they are done. */
export async function dropSchemas(url: string | undefined, schemas: readonly string[]): Promise<void> {
  if (!url || schemas.length === 0) return;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const s of schemas) await client.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  } finally {
    await client.end();
  }
}
