/**
 * Reading everything stored about a study, for the report commands.
 */
import type { StudyData } from '../report/study-view.js';
import type { Storage, StudyRecord } from '../storage/storage.js';

export async function loadStudyData(storage: Storage, study: StudyRecord): Promise<StudyData> {
  const [trials, epochs, promotions, runs] = await Promise.all([
    storage.getTrials(study.id),
    storage.getEpochs(study.id),
    storage.getPromotions(study.id),
    storage.getRuns(study.id),
  ]);
  return { study, trials, epochs, promotions, runs };
}
