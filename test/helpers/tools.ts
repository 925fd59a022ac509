/**
 * Tests that need a program from outside npm (see test/setup/tool-list.mjs): they run where it is
 * installed and are skipped, naming what is missing and how to install it, where it is not;
 * under HPSEARCH_REQUIRE_TOOLS=1 (.ci/run) a missing program is a failure instead.
 */
// @ts-expect-error: a plain ES module shared with the pretest script, without types.
import { TOOLS, toolAvailable } from '../setup/tool-list.mjs';

interface Tool {
  readonly name: string;
  readonly package: string;
  readonly forTests: string;
}

/**
 * Whether `name` is available, and the note a skipped test's title carries: `` (empty) when it is.
 * @throws when it is missing and HPSEARCH_REQUIRE_TOOLS=1.
 */
export function tool(name: string): { readonly available: boolean; readonly skipped: string } {
  const found = (TOOLS as readonly Tool[]).find((t) => t.name === name);
  if (found === undefined) throw new Error(`unknown tool ${name}`);
  if ((toolAvailable as (t: Tool) => boolean)(found)) return { available: true, skipped: '' };
  if (process.env.HPSEARCH_REQUIRE_TOOLS === '1') {
    throw new Error(`${name} is missing and HPSEARCH_REQUIRE_TOOLS=1: install it with apt-get install -y ${found.package}`);
  }
  return { available: false, skipped: ` (skipped: ${name} is missing; install it with apt-get install -y ${found.package})` };
}
