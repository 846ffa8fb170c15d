import { describe, it } from 'vitest';
import { postgresTarget } from '../conformance/targets.js';
import { describeConformance } from '../conformance/vitest.js';
import { postgresUrl } from './helpers/postgres.js';

// In CI postgresUrl() throws when no server answers; locally the suite is skipped, loudly.
const url = await postgresUrl();

if (url) {
  // With the fault tier: writers killed, four at once, connections dropped mid-transaction.
  describeConformance(postgresTarget(url), { faults: { crashTrials: 6 } });
} else {
  describe.skip('postgres conformance: NO SERVER ANSWERED, NOT RUN', () => {
    it('runs the whole suite against Postgres');
  });
}
