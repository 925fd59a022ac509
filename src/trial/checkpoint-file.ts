/**
 * Checkpoints as files, one per trial and epoch: `trial-<n>-epoch-<e>.ckpt`. The state a trial
 * saves is serialized with v8's structured clone (typed arrays kept as they are) and written
 * atomically (a temporary file, then a rename), so a crash mid-write leaves only whole
 * checkpoints. Naming them by epoch lets a resumed study pick exactly the one that matches what
 * storage recorded, whatever moment a crash came at.
 */
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import { TrialFailedError, firstLine } from '../errors.js';
import type { CheckpointStore } from './objective.js';
import type { Budget } from '../core/types.js';
import { checkpointEpochProblem } from './report-rules.js';

const NAME = /^trial-(\d+)-epoch-(\d+)\.ckpt$/;

/** The checkpoint file of trial `trial` after `epoch` epochs. */
export function checkpointFile(dir: string, trial: number, epoch: number): string {
  return path.join(dir, `trial-${trial}-epoch-${epoch}.ckpt`);
}

/** Epochs of the whole checkpoints a trial has in `dir`, ascending. */
export function listCheckpoints(dir: string, trial: number): number[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .map((name) => NAME.exec(name))
    .filter((match): match is RegExpExecArray => match !== null && Number(match[1]) === trial)
    .map((match) => Number(match[2]))
    .sort((a, b) => a - b);
}

/** Deletes a trial's checkpoints, all of them or all but the one after `keep` epochs. */
export async function deleteCheckpoints(dir: string, trial: number, keep: number | null = null): Promise<void> {
  await Promise.all(
    listCheckpoints(dir, trial)
      .filter((epoch) => epoch !== keep)
      .map((epoch) => fs.promises.rm(checkpointFile(dir, trial, epoch), { force: true })),
  );
}

/**
 * Makes trial `trial`'s checkpoint after `source.epoch` epochs a copy of trial `source.trial`'s
 * (a member of a population copying another's weights), atomically. Synchronous, so that it is
 * done before anything else happens in the process. Returns false when the source has none.
 */
export function copyCheckpoint(dir: string, source: { readonly trial: number; readonly epoch: number }, trial: number): boolean {
  const from = checkpointFile(dir, source.trial, source.epoch);
  const to = checkpointFile(dir, trial, source.epoch);
  const temporary = `${to}.${process.pid}.copy`;
  try {
    fs.copyFileSync(from, temporary);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      // Without the source's, the trial's own checkpoint at that epoch must not be mistaken for it.
      fs.rmSync(to, { force: true });
      return false;
    }
    throw error;
  }
  fs.renameSync(temporary, to);
  return true;
}

export interface FileCheckpointStore extends CheckpointStore {
  /** Epochs of the checkpoint saved during this run, or null when none was. */
  readonly savedEpochs: number | null;
  /** Whether `load` has found a checkpoint to continue from. */
  readonly loaded: boolean;
}

/**
 * The checkpoint store of one run of trial `trial` over `budget`: `load` reads the checkpoint
 * after `budget.from` epochs; `save` writes one labelled with the epoch it is given, or after
 * the last epoch reported (`currentEpoch()`). With a null folder, loads find nothing and saves
 * are dropped.
 */
export function fileCheckpointStore(dir: string | null, trial: number, budget: Budget, currentEpoch: () => number): FileCheckpointStore {
  const { from } = budget;
  let savedEpochs: number | null = null;
  let loaded = false;
  return {
    get savedEpochs() {
      return savedEpochs;
    },
    get loaded() {
      return loaded;
    },
    async load(): Promise<unknown | null> {
      if (dir === null || from === 0) return null;
      let bytes: Buffer;
      try {
        bytes = await fs.promises.readFile(checkpointFile(dir, trial, from));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
      const state: unknown = v8.deserialize(bytes);
      loaded = true;
      return state;
    },
    async save(state: unknown, options?: { readonly epoch?: number }): Promise<void> {
      const explicit = options?.epoch;
      if (explicit !== undefined) {
        const problem = checkpointEpochProblem(explicit, budget);
        if (problem !== null) throw new TrialFailedError(problem);
      }
      const epoch = explicit ?? currentEpoch();
      // Nothing trained yet: there is nothing to continue from.
      if (dir === null || epoch === 0) return;
      const file = checkpointFile(dir, trial, epoch);
      const temporary = `${file}.${process.pid}.tmp`;
      try {
        await fs.promises.mkdir(dir, { recursive: true });
        await fs.promises.writeFile(temporary, v8.serialize(state));
        await fs.promises.rename(temporary, file);
      } catch (error) {
        await fs.promises.rm(temporary, { force: true }).catch(() => undefined);
        throw new TrialFailedError(`could not save the checkpoint of epoch ${epoch} to ${file}: ${firstLine(error)}`, error);
      }
      savedEpochs = epoch;
    },
  };
}
