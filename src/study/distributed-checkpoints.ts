/**
 * Checkpoints that travel with a distributed study. Trials always write their checkpoint files
 * into a folder (checkpoint-file.ts); the worker process's main thread then either uploads the
 * file into storage after the run and downloads it before a continued run on any host (a local
 * temporary folder), or leaves it where it is, in a folder every host shares (`--checkpoints DIR`);
 * storage records which epochs exist either way.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CheckpointUpload, StudyCoordination } from '../storage/coordination.js';
import type { CopySource } from '../core/types.js';
import { checkpointFile, copyCheckpoint, deleteCheckpoints, listCheckpoints } from '../trial/checkpoint-file.js';

export interface CheckpointTransport {
  /** The folder trials write their checkpoint files into. */
  readonly dir: string;
  /** Makes the checkpoint after `epoch` epochs available in {@link dir}; false when there is none. */
  fetch(trial: number, epoch: number): Promise<boolean>;
  /**
   * Makes the trial's checkpoint after `source.epoch` epochs the copy of `source.trial`'s that
   * its claim recorded (a member of a population copying another's weights).
   */
  adopt(trial: number, source: CopySource): Promise<void>;
  /** What to send with the leased write that records a run's checkpoint. */
  upload(trial: number, epoch: number): Promise<CheckpointUpload | null>;
  /** Deletes a trial's files, all of them or all but the one after `keep` epochs (after storage did). */
  discard(trial: number, keep: number | null): Promise<void>;
  /** Removes what only this process used. */
  close(): Promise<void>;
}

/** Checkpoints kept in storage, passing through a temporary folder of this process. */
export function storedCheckpoints(coordination: StudyCoordination, studyId: number): CheckpointTransport {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `hpsearch-checkpoints-${studyId}-`));
  return {
    dir,
    async fetch(trial, epoch) {
      if (listCheckpoints(dir, trial).includes(epoch)) return true;
      const data = await coordination.getCheckpoint(studyId, trial, epoch);
      if (data === null) return false;
      const file = checkpointFile(dir, trial, epoch);
      await fs.promises.writeFile(`${file}.download`, data);
      await fs.promises.rename(`${file}.download`, file);
      return true;
    },
    // The claim copied the bytes in storage: a file of the trial's own at that epoch is stale.
    adopt: (trial, source) => fs.promises.rm(checkpointFile(dir, trial, source.epoch), { force: true }),
    async upload(trial, epoch) {
      try {
        return { epoch, data: await fs.promises.readFile(checkpointFile(dir, trial, epoch)) };
      } catch {
        return null;
      }
    },
    discard: (trial, keep) => deleteCheckpoints(dir, trial, keep),
    close: () => fs.promises.rm(dir, { recursive: true, force: true }),
  };
}

/** Checkpoints in a folder every host sees at the same path: storage only records their epochs. */
export function sharedCheckpoints(dir: string): CheckpointTransport {
  fs.mkdirSync(dir, { recursive: true });
  return {
    dir,
    fetch: async (trial, epoch) => listCheckpoints(dir, trial).includes(epoch),
    adopt: async (trial, source) => void copyCheckpoint(dir, source, trial),
    upload: async (trial, epoch) => (listCheckpoints(dir, trial).includes(epoch) ? { epoch, data: null } : null),
    discard: (trial, keep) => deleteCheckpoints(dir, trial, keep),
    close: async () => undefined,
  };
}
