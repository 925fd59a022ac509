// The programs from outside npm that tests need, and how to tell whether one is there.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

export const TOOLS = [
  {
    name: 'chromium',
    package: 'chromium',
    path: '/usr/bin/chromium',
    forTests: "the HTML report's browser test (test/report/html.browser.test.ts)",
  },
  {
    name: 'tmux',
    package: 'tmux',
    command: ['tmux', '-V'],
    forTests: "the dashboard's end-to-end tests in a terminal (test/cli/dashboard.e2e.test.ts)",
  },
];

export function toolAvailable(tool) {
  if (tool.path !== undefined) return fs.existsSync(tool.path);
  return spawnSync(tool.command[0], tool.command.slice(1), { stdio: 'ignore' }).status === 0;
}
