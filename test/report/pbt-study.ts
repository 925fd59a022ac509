/**
 * A real population based training study for the report's tests, run through the library API
 * (`runStudy`, worker threads, a temporary SQLite file) over the `pbt-member` objective: 6
 * members, intervals of 2 epochs up to 8. With seed 5 the best member's weights come from a
 * chain of copies (it copied a member that had copied another...), so its lineage differs from
 * its own intervals.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadStudyData } from '../../src/cli/study-data.js';
import { choice, defineSpace, loguniform, runStudy, uniform } from '../../src/index.js';
import type { StudyData } from '../../src/report/study-view.js';
import { openStorage } from '../../src/storage/open.js';
import { tempDir } from '../helpers/cli.js';

const OBJECTIVE = fileURLToPath(new URL('../fixtures/objectives/pbt-member.mjs', import.meta.url));

export const PBT_POPULATION = 6;

export async function pbtStudy(): Promise<StudyData> {
  const db = path.join(tempDir('hpsearch-pbt-report-'), 'pbt.db');
  await runStudy({
    name: 'pbt-report',
    objective: OBJECTIVE,
    metric: 'value',
    direction: 'maximize',
    strategy: 'pbt',
    population: PBT_POPULATION,
    perturbationInterval: 2,
    maxEpochs: 8,
    seed: 5,
    workers: 2,
    storage: `sqlite:${db}`,
    space: defineSpace({ learning_rate: loguniform(1e-4, 1), batch_size: choice([16, 32, 64]), momentum: uniform(0.5, 0.99) }),
  });
  const storage = await openStorage(`sqlite:${db}`);
  try {
    return await loadStudyData(storage, (await storage.getStudy('pbt-report'))!);
  } finally {
    await storage.close();
  }
}
