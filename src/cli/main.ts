#!/usr/bin/env node
import { EXIT } from './io.js';
import { processIo } from './process-io.js';
import { runCli } from './program.js';

// The bin: the process's streams, signals and exit code around `runCli`.
const io = processIo();
runCli(process.argv.slice(2), io).then(async (code) => {
  await io.close();
  // Stopped because its reader went away (`| head -1`): not a failure. Any other outcome,
  // a failure included, is the command's own.
  process.exitCode = io.readerLeft && code === EXIT.interrupted ? EXIT.ok : code;
});
