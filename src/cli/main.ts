#!/usr/bin/env node
import { processIo } from './process-io.js';
import { runCli } from './program.js';

// The bin: the process's streams, signals and exit code around `runCli`.
const io = processIo();
runCli(process.argv.slice(2), io).then(async (code) => {
  await io.close();
  process.exitCode = code;
});
