/**
 * One study, one writer: the process that runs a study holds its lock in storage and renews a
 * heartbeat; another process asking for it is refused while the holder lives, and takes it
 * over once the holder is gone (a dead process on this host, or a silent one elsewhere).
 */
import os from 'node:os';
import { UsageError } from '../errors.js';
import type { LockOwner, Storage, StudyLock, StudyRecord } from '../storage/storage.js';

/** How often the holder renews its heartbeat. */
const HEARTBEAT_MS = 5_000;
/** A holder on another host silent for this long is taken to be gone. */
export const STALE_AFTER_MS = 30_000;

export function currentOwner(): LockOwner {
  return { pid: process.pid, host: os.hostname() };
}

/** Whether a process of this host is alive (signal 0 checks without signalling). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether a lock's holder is gone: dead here, or silent elsewhere. */
export function holderGone(holder: StudyLock, owner: LockOwner, now: number): boolean {
  if (holder.host === owner.host) return !processAlive(holder.pid);
  return now - holder.heartbeatAt > STALE_AFTER_MS;
}

export interface LockHandle {
  /** Stops the heartbeat and gives the lock up. */
  release(): Promise<void>;
}

/**
 * Takes the study's lock and keeps it alive until released.
 * @throws {UsageError} naming the process that runs the study.
 */
export async function lockStudy(storage: Storage, study: StudyRecord, owner: LockOwner = currentOwner()): Promise<LockHandle> {
  const holder = await storage.acquireStudyLock(study.id, owner, (h) => holderGone(h, owner, Date.now()));
  if (holder !== null) {
    const since = new Date(holder.acquiredAt)
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, ' UTC');
    throw new UsageError(
      `study "${study.name}" is being run by process ${holder.pid} on ${holder.host} (since ${since})`,
      'only one process runs a study at a time; watch it with hpsearch dashboard, or stop that process first',
    );
  }
  const timer = setInterval(() => {
    void storage.renewStudyLock(study.id, owner).catch(() => undefined);
  }, HEARTBEAT_MS);
  timer.unref();
  return {
    async release() {
      clearInterval(timer);
      await storage.releaseStudyLock(study.id, owner);
    },
  };
}
