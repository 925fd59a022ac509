/**
 * Looking a study up by name, with the known names when it is not there.
 */
import { UsageError } from '../errors.js';
import type { Storage, StudyRecord } from '../storage/storage.js';
import { suggestion } from '../util/suggest.js';

/** @throws {UsageError} naming the storage and the studies it holds. */
export async function findStudy(storage: Storage, name: string): Promise<StudyRecord> {
  const study = await storage.getStudy(name);
  if (study !== null) return study;
  const names = (await storage.listStudies()).map((s) => s.name);
  if (names.length === 0) throw new UsageError(`no study named "${name}": ${storage.location} holds no studies`);
  const near = suggestion(name, names);
  throw new UsageError(`no study named "${name}" in ${storage.location}${near.startsWith(';') ? near : `; known studies: ${names.join(', ')}`}`);
}
