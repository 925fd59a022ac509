#!/usr/bin/env node
// Programs from outside npm that some tests need: Chromium for the HTML report's browser test and
// tmux for the dashboard's end-to-end tests. Run before `npm test` (its pretest): a missing one is
// installed with apt-get where that can be done (as root, with apt-get present), saying so;
// otherwise this says which tests will be skipped and how to install it. It never fails the run:
// the tests themselves skip (or, under HPSEARCH_REQUIRE_TOOLS=1 as .ci/run sets it, fail).
import { spawnSync } from 'node:child_process';
import { TOOLS, toolAvailable } from './tool-list.mjs';

const missing = TOOLS.filter((tool) => !toolAvailable(tool));
if (missing.length > 0) {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const apt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  let updated = false;
  for (const tool of missing) {
    if (root && apt) {
      process.stderr.write(`npm test: installing ${tool.package} with apt-get, for ${tool.forTests}…\n`);
      if (!updated) updated = spawnSync('apt-get', ['update'], { stdio: ['ignore', 'ignore', 'inherit'] }).status === 0;
      spawnSync('apt-get', ['install', '-y', tool.package], {
        stdio: ['ignore', 'ignore', 'inherit'],
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
    }
    if (!toolAvailable(tool)) {
      process.stderr.write(
        `npm test: ${tool.name} is missing: ${tool.forTests} will be skipped (install it with: apt-get install -y ${tool.package})\n`,
      );
    }
  }
}
