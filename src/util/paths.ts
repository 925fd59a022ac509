/**
 * Locations of the package's own files.
 */
import { fileURLToPath } from 'node:url';

/**
 * The compiled `dist/` file for a module path relative to `src/`. Worker threads and child
 * processes run plain Node, which cannot load the TypeScript sources the tests import, so they
 * are always started from the build.
 */
export function compiledFile(relative: string): string {
  return fileURLToPath(new URL(`../../dist/${relative}`, import.meta.url));
}
