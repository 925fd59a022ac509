#!/usr/bin/env node
// Writes space.schema.json at the repository root from the built CLI (`npm run build` first):
// the file is `hpsearch schema`'s output, and test/space/schema.test.ts checks it byte for byte.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const text = execFileSync(process.execPath, [path.join(root, 'bin/hpsearch.js'), 'schema'], { encoding: 'utf8' });
fs.writeFileSync(path.join(root, 'space.schema.json'), text);
console.log(`wrote space.schema.json (${text.length} bytes)`);
