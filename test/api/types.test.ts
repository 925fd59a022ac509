/**
 * The library's published types: a consumer script compiles against them with tsc, the way a
 * project depending on hpsearch would (package.json "exports", dist/index.d.ts).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../helpers/cli.js';

describe('published types', () => {
  it('type-check a consumer script, and reject a wrong option', () => {
    const dir = tempDir('hpsearch-consumer-');
    fs.mkdirSync(path.join(dir, 'node_modules'));
    fs.symlinkSync(ROOT, path.join(dir, 'node_modules', 'hpsearch'));
    fs.copyFileSync(path.join(ROOT, 'test/fixtures/consumer/consumer.ts'), path.join(dir, 'consumer.ts'));
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module' }));
    const tsconfig = {
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: [],
        typeRoots: [path.join(ROOT, 'node_modules/@types')],
      },
      files: ['consumer.ts'],
    };
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
    const tsc = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', dir], { encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
    // Without the @ts-expect-error line, the wrong strategy is an error.
    fs.writeFileSync(
      path.join(dir, 'consumer.ts'),
      fs.readFileSync(path.join(dir, 'consumer.ts'), 'utf8').replace('// @ts-expect-error: not a strategy\n', ''),
    );
    const wrong = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', dir], { encoding: 'utf8' });
    expect(wrong.status).toBe(2);
    expect(wrong.stdout).toContain(`Type '"bayes"' is not assignable to type`);
  });
});
