#!/usr/bin/env node
import { runCli } from '../dist/cli/main.js';

// Exit explicitly: output to pipes and files is synchronous on POSIX, and a stray handle
// (a worker that is slow to end) must not keep a finished command alive.
process.exit(await runCli(process.argv.slice(2)));
