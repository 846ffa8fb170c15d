import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { postgresTarget } from '../conformance/targets.js';
import { describeConformance } from '../conformance/vitest.js';
import { PostgresAgentStorage } from '../src/adapters/postgres.js';
import { dropSchemas, postgresUrl } from './helpers/postgres.js';

// In CI postgresUrl() throws when no server answers; locally the suite is skipped, loudly.
const url = await postgresUrl();

if (url) {
  // With the fault tier: writers killed, four at once, connections dropped mid-transaction.
  describeConformance(postgresTarget(url), { faults: { crashTrials: 6 } });

  describe('PostgresAgentStorage', () => {
    it('hears a connection lost in the tick the pool hands it over (terminated as it finished connecting)', async () => {
      // A backend terminated as it finishes connecting sends its error in the same packet as
      // ReadyForQuery: pg parses both in one go, so the client emits 'error' right after the
      // pool gave it out, before any promise continuation runs. Played here deterministically:
      // the pool's acquire is followed at once by the error.
      const schema = `acquire_test_${process.pid}`;
      const pool = new pg.Pool({ connectionString: url, max: 2 });
      pool.on('error', () => undefined);
      const store = new PostgresAgentStorage(pool, { schema });
      try {
        await store.migrate();
        const sessionId = await store.createSession({
          agentName: 'a',
          provider: 'p',
          model: 'm',
          userPrompt: 'u',
        });
        const internals = pool as unknown as {
          _acquireClient: (client: pg.PoolClient, ...rest: unknown[]) => unknown;
        };
        const acquire = internals._acquireClient.bind(pool);
        let cut = 0;
        internals._acquireClient = (client, ...rest) => {
          const out = acquire(client, ...rest);
          if (cut++ === 0)
            client.emit('error', new Error('terminating connection due to administrator command'));
          return out;
        };
        // Unheard, the emit throws out of the pool; heard, the batch fails as UNAVAILABLE
        // (or succeeds on a client still usable) and the store goes on.
        const outcome = await store
          .appendBatch({ messages: [{ sessionId, role: 'user', content: 'x' }] })
          .then(
            () => 'stored',
            (e: { code?: string }) => e.code,
          );
        expect(['stored', 'UNAVAILABLE']).toContain(outcome);
        internals._acquireClient = acquire;
        await store.appendBatch({ messages: [{ sessionId, role: 'user', content: 'y' }] });
        expect((await store.getMessages(sessionId)).map((m) => m.content)).toContain('y');
      } finally {
        await store.close();
        await pool.end();
        await dropSchemas(url, [schema]);
      }
    });
  });
} else {
  describe.skip('postgres conformance: NO SERVER ANSWERED, NOT RUN', () => {
    it('runs the whole suite against Postgres');
  });
}
