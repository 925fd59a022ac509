/**
 * Reading a study's leaderboard from storage: the best `top` by the objective straight from a
 * ranked query (storage's `bestTrials`, the same rule), anything else from every trial.
 */
import type { Storage, StudyRecord } from '../storage/storage.js';
import { type Board, studyBoard } from './board.js';
import { knownMetrics, resolveRanking } from './ranking.js';

/**
 * The board of `hpsearch leaderboard`: the best `top` trials (all when undefined) ranked by the
 * objective, or by `metric`. Ranked by the objective, the best `top` are read alone (a large study
 * is not read whole for ten rows); the rows are those the full ranking gives.
 * @throws {UsageError} for a `metric` no trial reported (see {@link resolveRanking}).
 */
export async function readBoard(storage: Storage, study: StudyRecord, top?: number, metric?: string): Promise<Board> {
  const { objective } = study.spec;
  if (top !== undefined && (metric === undefined || metric === objective.metric)) {
    const best = await storage.bestTrials(study.id, objective.direction, top);
    return studyBoard(study.spec, best, resolveRanking(objective, [], metric), top);
  }
  const trials = await storage.getTrials(study.id);
  return studyBoard(study.spec, trials, resolveRanking(objective, knownMetrics(trials), metric), top);
}
