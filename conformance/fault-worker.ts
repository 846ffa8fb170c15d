/**
 * Entry of the fault tier's writer processes: `node fault-worker.js`, its `WorkerSpec` as JSON in
 * the environment (`WORKER_SPEC`: the arguments of a process are anyone's to read).
 * Opens the store the spec names, writes as `runWriter` does until its spec's end or a
 * SIGTERM (it then finishes the write in progress and closes), and reports each write as a
 * JSON line on fd 1 with a blocking `writeSync`: the line is in the pipe before the next
 * write begins, so a writer killed right after an acknowledgement still reported it.
 * (`process.stdout` would buffer in memory once the pipe is full, and a SIGKILL loses the buffer.)
 */
import { writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { AgentStorage } from '../src/contract/storage.js';
import { runWriter, WORKER_SPEC, type WorkerEvent, type WorkerSpec } from './fault-workload.js';

const spec = JSON.parse(process.env[WORKER_SPEC] as string) as WorkerSpec;
const pause = new Int32Array(new SharedArrayBuffer(4));
const emit = (event: WorkerEvent) => {
  const line = Buffer.from(`${JSON.stringify(event)}\n`);
  // fd 1 may be non-blocking (a loader touched process.stdout): a full pipe says EAGAIN.
  // Wait for the parent to read rather than buffer: the line must be out before we go on.
  for (let at = 0; at < line.length; ) {
    try {
      at += writeSync(1, line, at);
    } catch (e) {
      if ((e as { code?: unknown }).code !== 'EAGAIN') throw e;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
};
const url = spec.store.module.startsWith('file:') ? spec.store.module : pathToFileURL(spec.store.module).href;
const mod = (await import(url)) as Record<string, unknown>;
const open = mod[spec.store.export ?? 'open'];
if (typeof open !== 'function')
  throw new Error(`${spec.store.module} exports no function ${spec.store.export ?? 'open'}`);
const store = (await open(spec.store.options)) as AgentStorage;
const stop = new AbortController();
process.on('SIGTERM', () => stop.abort());
emit({ t: 'ready' });
await runWriter(store, spec, emit, stop.signal);
await store.close();
emit({ t: 'done' });
