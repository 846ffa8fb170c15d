import { sqliteTarget } from '../conformance/targets.js';
import { describeConformance } from '../conformance/vitest.js';

// With the fault tier: writers killed, out of file space, four at once, locked out.
describeConformance(sqliteTarget(), { faults: { crashTrials: 6 } });
