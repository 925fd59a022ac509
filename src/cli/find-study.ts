/**
 * Looking a study up by name, with the known names when it is not there.
 */
import { UsageError } from '../errors.js';
import type { Storage, StudyRecord } from '../storage/storage.js';
import { closest } from '../util/suggest.js';

const LISTED = 20;

/** @throws {UsageError} naming the storage and the studies it holds. */
export async function findStudy(storage: Storage, name: string): Promise<StudyRecord> {
  const study = await storage.getStudy(name);
  if (study !== null) return study;
  const names = (await storage.listStudies()).map((s) => s.name);
  if (names.length === 0) throw new UsageError(`no study named "${name}": ${storage.location} holds no studies`);
  const near = closest(name, names);
  const listed = names.length > LISTED ? `${names.slice(0, LISTED).join(', ')} and ${names.length - LISTED} more` : names.join(', ');
  throw new UsageError(
    `no study named "${name}" in ${storage.location}${near === undefined ? '' : `; did you mean "${near}"?`}`,
    `known studies: ${listed}`,
  );
}
