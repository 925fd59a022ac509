/**
 * File system errors in words a user acts on: what went wrong, then the code to search for.
 */

const REASONS: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is used up',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'it is a folder',
  ENOTDIR: 'a part of the path is not a folder',
  EIO: 'input/output error',
  EFBIG: 'the file is too large',
};

/** `no space left on the device (ENOSPC)`, or the error's own message for a code not listed. */
export function fileSystemReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined && code in REASONS) return `${REASONS[code]} (${code})`;
  return error instanceof Error ? error.message.split('\n', 1)[0]! : String(error);
}
