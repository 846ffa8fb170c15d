import { describe, it } from 'vitest';
import { postgresTarget } from '../conformance/targets.js';
import { describeConformance } from '../conformance/vitest.js';
import { postgresUrl } from './helpers/postgres.js';

// In CI postgresUrl() throws when no server answers; locally the suite is skipped, loudly.
const url = await postgresUrl();

if (url) {
  describeConformance(postgresTarget(url));
} else {
  describe.skip('postgres conformance: NO SERVER ANSWERED, NOT RUN', () => {
    it('runs the whole suite against Postgres');
  });
}
