import { libsqlTarget } from '../conformance/targets.js';
import { describeConformance } from '../conformance/vitest.js';

// With the fault tier: writers killed, out of file space, four at once, locked out.
describeConformance(libsqlTarget(), { faults: { crashTrials: 6 } });
