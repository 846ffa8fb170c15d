/**
 * Fills a store with realistic agent runs (src/cli/sample-runs.ts), for demos and for trying
 * `agent-storage copy` at scale:
 *
 *   npm run generate -- --url sqlite:./demo.db --sessions 10000 [--seed 1]
 */
import { parseArgs } from 'node:util';
import { recordSampleRuns } from '../src/cli/sample-runs.js';
import { redactUrl } from '../src/contract/redact.js';
import { createStorage } from '../src/create-storage.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'sqlite:./demo.db' },
    sessions: { type: 'string', default: '20' },
    seed: { type: 'string', default: '1' },
  },
});
const count = Number(values.sessions);
const seed = Number(values.seed);
if (!Number.isSafeInteger(count) || count < 1 || !Number.isSafeInteger(seed)) {
  process.stderr.write('usage: generate-store.ts [--url URL] [--sessions N] [--seed N]\n');
  process.exit(2);
}
const store = await createStorage(values.url);
try {
  const started = performance.now();
  await recordSampleRuns(store, {
    count,
    seed,
    onSession: (done) => {
      if (done % 1000 === 0) process.stderr.write(`\r${done} sessions`);
    },
  });
  process.stderr.write(
    `\r${count} sessions recorded into ${redactUrl(values.url)} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
} finally {
  await store.close();
}
