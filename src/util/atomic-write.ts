/**
 * Writing a file for a user so that it is never left half-written: the data goes to a temporary
 * file in the same folder, is flushed to disk, and is then renamed into place. On any error the
 * temporary file is removed and whatever was at the destination before is kept.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** The destination exists and `replace` was not given. */
export class DestinationExists extends Error {
  constructor(readonly file: string) {
    super(`${file} already exists`);
  }
}

/** Errors of linking that mean the file system has no hard links: fall back to a check and a rename. */
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV']);

/**
 * Writes `data` to `file` atomically, creating its folder. Without `replace`, a file that exists
 * (or appears meanwhile) is never overwritten: {@link DestinationExists} is thrown.
 * @throws the file system's error (ENOSPC, EROFS, EACCES...) otherwise, with nothing changed.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array, options: { readonly replace: boolean }): void {
  const folder = path.dirname(path.resolve(file));
  fs.mkdirSync(folder, { recursive: true });
  const temporary = path.join(folder, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fd = fs.openSync(temporary, 'wx');
    try {
      fs.writeFileSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    if (options.replace) {
      fs.renameSync(temporary, file);
      return;
    }
    try {
      // A hard link never replaces an existing file: the check and the write are one step.
      fs.linkSync(temporary, file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (code === 'EEXIST') throw new DestinationExists(file);
      if (!NO_LINKS.has(code)) throw error;
      if (fs.existsSync(file)) throw new DestinationExists(file);
      fs.renameSync(temporary, file);
    }
  } finally {
    fs.rmSync(temporary, { force: true });
  }
}
