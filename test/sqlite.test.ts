import { sqliteTarget } from '../conformance/targets.js';
import { describeConformance } from '../conformance/vitest.js';

describeConformance(sqliteTarget());
