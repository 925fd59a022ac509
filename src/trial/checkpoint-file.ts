/**
 * Checkpoints as files: the state a trial saves is serialized with v8's structured clone
 * (typed arrays kept as they are) and written atomically (temporary file, then rename), so a
 * crash mid-write leaves the previous checkpoint intact.
 */
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import type { CheckpointStore } from './objective.js';

export interface FileCheckpointStore extends CheckpointStore {
  /** Whether `save` was called during this run. */
  readonly saved: boolean;
}

/** A checkpoint store on one file; with a null path, loads find nothing and saves are dropped. */
export function fileCheckpointStore(file: string | null): FileCheckpointStore {
  let saved = false;
  return {
    get saved() {
      return saved;
    },
    async load(): Promise<unknown | null> {
      if (file === null) return null;
      let bytes: Buffer;
      try {
        bytes = await fs.promises.readFile(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
      return v8.deserialize(bytes);
    },
    async save(state: unknown): Promise<void> {
      if (file === null) return;
      await fs.promises.mkdir(path.dirname(file), { recursive: true });
      const temporary = `${file}.${process.pid}.tmp`;
      await fs.promises.writeFile(temporary, v8.serialize(state));
      await fs.promises.rename(temporary, file);
      saved = true;
    },
  };
}
