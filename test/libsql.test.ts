import { libsqlTarget } from '../conformance/targets.js';
import { describeConformance } from '../conformance/vitest.js';

describeConformance(libsqlTarget());
