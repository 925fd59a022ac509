/**
 * `hpsearch replay`: a space file whose single configuration trains one trial's schedule again
 * from scratch. For a member of a population (pbt) the schedule is the one that trained its final
 * weights (see lineage.ts): the hyperparameters that changed along it become piecewise values,
 * and `trial_seed` follows the members that trained each stretch, so that the replay runs the
 * same computation as the study did. For any other trial it is its configuration and seed.
 */
import { Document, isSeq, visit } from 'yaml';
import type { DataSpec, Params, ParamValue } from '../core/types.js';
import { constantParams } from '../space/sample.js';
import type { TrialRecord } from '../storage/storage.js';
import { formatNumber } from './format.js';
import { type Segment, changePointsOf, lineageOf, seedPoints, studySegments } from './lineage.js';
import type { StudyData } from './study-view.js';

/** The schedule a replay of `trial` trains: its lineage under pbt, its own configuration otherwise. */
export function replaySchedule(data: StudyData, trial: TrialRecord): Segment[] {
  const { spec } = data.study;
  if (spec.strategy === 'pbt') return lineageOf(trial.number, studySegments(data));
  return [{ interval: 0, from: 0, to: spec.maxEpochs, params: trial.params, source: null, trainedBy: trial.number, seed: trial.seed }];
}

/** A dataset as a space file declares it. */
export function dataDeclaration(data: DataSpec, seed: number): Record<string, unknown> {
  const common = { validation_split: data.validationSplit, seed };
  switch (data.dataset) {
    case 'digits':
      return { dataset: 'digits', ...common };
    case 'spirals':
      return { dataset: 'spirals', samples: data.samples, classes: data.classes, noise: data.noise, ...common };
    case 'blobs':
      return { dataset: 'blobs', samples: data.samples, classes: data.classes, features: data.features, spread: data.spread, ...common };
    case 'linear':
      return { dataset: 'linear', samples: data.samples, features: data.features, noise: data.noise, ...common };
    case 'csv':
      return {
        dataset: 'csv',
        path: data.path,
        target: data.target,
        task: data.task,
        ...(data.validationPath === null ? {} : { validation: data.validationPath }),
        ...common,
      };
  }
}

/** A value along a schedule: plain when it never changes, `{ piecewise: [[epochs, value], ...] }` otherwise. */
function scheduled(schedule: readonly Segment[], name: string): ParamValue {
  const points = changePointsOf(schedule, name);
  return points.length === 1 ? points[0]![1] : ({ piecewise: points } as unknown as ParamValue);
}

/** The replay's declaration, key by key as a space file has them. */
export function replayDeclaration(data: StudyData, trial: TrialRecord): Record<string, unknown> {
  const { spec } = data.study;
  const schedule = replaySchedule(data, trial);
  const names = [...new Set(schedule.flatMap((s) => Object.keys(s.params)))];
  const params: Record<string, ParamValue> = { ...constantParams(spec.params) };
  for (const name of names) params[name] = scheduled(schedule, name);
  const seeds = seedPoints(schedule);
  return {
    name: `${spec.name}-replay-${trial.number}`,
    description: `trial ${trial.number} of study "${spec.name}" (${spec.strategy}) trained again from scratch`,
    ...(spec.task.kind === 'builtin' ? { data: dataDeclaration(spec.task.data, spec.task.dataSeed) } : {}),
    objective: {
      ...(spec.task.kind === 'module' ? { module: spec.task.module } : {}),
      metric: spec.objective.metric,
      direction: spec.objective.direction,
    },
    strategy: 'random',
    trials: 1,
    max_epochs: spec.maxEpochs,
    seed: spec.seed,
    trial_seed: seeds.length === 1 ? seeds[0]![1] : { piecewise: seeds },
    ...(data.study.backend === null ? {} : { backend: data.study.backend }),
    params: params satisfies Params,
  };
}

/** The replay as a YAML space file, with a comment that says what it is. */
export function replayYaml(data: StudyData, trial: TrialRecord): string {
  const { spec } = data.study;
  const schedule = replaySchedule(data, trial);
  const members = [...new Set(schedule.map((s) => s.trainedBy))];
  const document = new Document(replayDeclaration(data, trial));
  const value = trial.value === null ? 'no value' : `${spec.objective.metric} ${formatNumber(trial.value)}`;
  // Lists on one line: `hidden: [64, 64]`, `piecewise: [[0, 0.01], [4, 0.012]]`.
  visit(document, {
    Seq: (_key, node) => {
      if (isSeq(node)) node.flow = true;
    },
  });
  document.commentBefore = [
    ` Replay of trial ${trial.number} of study "${spec.name}" (${spec.strategy}, ${trial.status} with ${value} after ${trial.epochs} epochs).`,
    members.length > 1
      ? ` Its final weights were trained by trials ${members.join(' → ')}: the values that changed along the way are piecewise,`
      : ' One configuration and seed, trained from scratch.',
    ...(members.length > 1 ? [' and trial_seed follows the trials that trained each stretch.'] : []),
    ` Run it with: hpsearch start <this file>`,
  ].join('\n');
  return document.toString({ lineWidth: 0, flowCollectionPadding: false });
}
