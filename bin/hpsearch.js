#!/usr/bin/env node
import { runCli } from '../dist/cli/main.js';
import { exitWhenFlushed } from '../dist/util/exit.js';

// Ends once the output has reached its reader (a pipe is written asynchronously), and then
// explicitly: a stray handle (a worker that is slow to end) must not keep a finished command alive.
await exitWhenFlushed(await runCli(process.argv.slice(2)));
