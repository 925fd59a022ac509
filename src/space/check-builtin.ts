/**
 * Checks a space's parameters against what the built-in trainer understands: names (with the
 * closest known name for a typo) and domains (a batch size must be a positive integer, an
 * optimizer one of sgd/momentum/adam, schedule options with their own parameters).
 */
import {
  type Domain,
  SCHEDULE_COMMON_PARAMS,
  SCHEDULE_PARAMS,
  type ScheduleName,
  TRAINER_PARAMS,
  type TrainerParamInfo,
} from '../trial/trainer-params.js';
import { isPiecewise } from '../core/piecewise.js';
import { suggestion } from '../util/suggest.js';
import { type IssueList, type KeyPath, type NumberRule, describe, describeRule, fitsRule } from './issues.js';
import type { Distribution, ParamSpec } from './types.js';

/** Reports every parameter the built-in trainer would not understand or could not use. */
export function checkBuiltinParams(params: readonly ParamSpec[], issues: IssueList): void {
  const names = params.map((p) => p.name);
  for (const spec of params) {
    const path: KeyPath = ['params', spec.name];
    const info = TRAINER_PARAMS[spec.name];
    if (info === undefined) {
      issues.add(path, `not a parameter of the built-in trainer${suggestion(spec.name, Object.keys(TRAINER_PARAMS))}`);
      continue;
    }
    checkDomain(spec, info, path, issues);
    checkMutable(spec, info, path, issues);
  }
  if (names.includes('hidden') && (names.includes('hidden_layers') || names.includes('hidden_units'))) {
    issues.add(['params', 'hidden'], 'cannot be combined with hidden_layers or hidden_units; declare one or the other');
  }
}

/** A fixed parameter of the trainer cannot be declared mutable, nor change piecewise. */
function checkMutable(spec: ParamSpec, info: TrainerParamInfo, path: KeyPath, issues: IssueList): void {
  if (info.mutable) return;
  const why = 'the built-in trainer builds its model and optimizer from it, so it cannot change during training';
  if (spec.mutable === true) issues.add([...path, 'mutable'], `cannot be true: ${why}`);
  if (spec.dist.kind === 'constant' && isPiecewise(spec.dist.value)) issues.add([...path, 'piecewise'], `does not apply: ${why}`);
}

function numberRule(domain: Domain): NumberRule {
  if (domain.type === 'number') {
    return { min: domain.min, max: domain.max, minOpen: domain.minOpen, maxOpen: domain.maxOpen };
  }
  if (domain.type === 'int') return { min: domain.min, max: domain.max, integer: true };
  return {};
}

function checkDomain(spec: ParamSpec, info: TrainerParamInfo, path: KeyPath, issues: IssueList): void {
  const { domain } = info;
  const dist = spec.dist;
  switch (domain.type) {
    case 'number':
    case 'int':
      checkNumeric(dist, domain, path, issues);
      return;
    case 'enum':
      checkEnum(spec, domain.values, path, issues);
      return;
    case 'int-list': {
      const value = dist.kind === 'constant' ? dist.value : undefined;
      if (isPiecewise(value)) return;
      const ok = Array.isArray(value) && value.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 1);
      if (!ok) {
        issues.add(
          path,
          `must be a fixed list of layer sizes such as [128, 64], got ${dist.kind === 'constant' ? describe(dist.value) : `a ${dist.kind} distribution`}; to search the architecture use hidden_layers and hidden_units`,
        );
      }
    }
  }
}

function checkNumeric(dist: Distribution, domain: Domain, path: KeyPath, issues: IssueList): void {
  const rule = numberRule(domain);
  const wants = describeRule(rule);
  switch (dist.kind) {
    case 'float':
      if (rule.integer) {
        issues.add(path, `must be an integer parameter (int, or a choice of integers), got a ${dist.log ? 'loguniform' : 'uniform'} range`);
      } else if (!fitsRule(dist.low, { ...rule, max: undefined }) || !fitsRule(dist.high, { ...rule, min: undefined })) {
        issues.add([...path, dist.log ? 'loguniform' : 'uniform'], `values must be ${wants}, got [${dist.low}, ${dist.high}]`);
      }
      return;
    case 'int':
      if (!fitsRule(dist.low, rule) || !fitsRule(dist.high, rule)) {
        issues.add([...path, 'int'], `values must be ${wants}, got [${dist.low}, ${dist.high}]`);
      }
      return;
    case 'categorical':
      dist.choices.forEach((choice, i) => {
        if (typeof choice !== 'number' || !fitsRule(choice, rule)) {
          issues.add([...path, 'choice', i], `must be ${wants}, got ${describe(choice)}`);
        }
      });
      return;
    case 'constant':
      if (isPiecewise(dist.value)) {
        dist.value.piecewise.forEach(([, value], i) => {
          if (typeof value !== 'number' || !fitsRule(value, rule))
            issues.add([...path, 'piecewise', i, 1], `must be ${wants}, got ${describe(value)}`);
        });
      } else if (typeof dist.value !== 'number' || !fitsRule(dist.value, rule)) {
        issues.add(path, `must be ${wants}, got ${describe(dist.value)}`);
      }
      return;
    case 'conditional':
      issues.add(path, `must be ${wants}; options with their own parameters apply to schedule only`);
  }
}

function checkEnum(spec: ParamSpec, values: readonly string[], path: KeyPath, issues: IssueList): void {
  const dist = spec.dist;
  const bad = (value: unknown, at: KeyPath) =>
    issues.add(
      at,
      `must be one of ${values.join(', ')}, got ${describe(value)}${typeof value === 'string' ? suggestion(value, values).replace(/ \(known:.*\)$/, '') : ''}`,
    );
  switch (dist.kind) {
    case 'constant':
      // A piecewise value is refused by checkMutable: every enum of the trainer is fixed.
      if (isPiecewise(dist.value)) return;
      if (typeof dist.value !== 'string' || !values.includes(dist.value)) bad(dist.value, path);
      return;
    case 'categorical':
      dist.choices.forEach((choice, i) => {
        if (typeof choice !== 'string' || !values.includes(choice)) bad(choice, [...path, 'choice', i]);
      });
      return;
    case 'conditional':
      for (const option of dist.options) {
        const at = [...path, 'choice', option.name];
        if (!values.includes(option.name)) {
          bad(option.name, at);
        } else if (spec.name === 'schedule') {
          checkScheduleChildren(option.name as ScheduleName, option.params, at, issues);
        } else if (option.params.length > 0) {
          issues.add(at, `options of ${spec.name} take no parameters`);
        }
      }
      return;
    default:
      issues.add(path, `must be one of ${values.join(', ')} (a choice), got a ${dist.kind} range`);
  }
}

function checkScheduleChildren(schedule: ScheduleName, children: readonly ParamSpec[], path: KeyPath, issues: IssueList): void {
  const known = { ...SCHEDULE_PARAMS[schedule], ...SCHEDULE_COMMON_PARAMS };
  for (const child of children) {
    const short = child.name.slice('schedule.'.length);
    const info = known[short];
    const at = [...path, short];
    if (info === undefined) {
      issues.add(at, `not a parameter of the ${schedule} schedule${suggestion(short, Object.keys(known))}`);
    } else {
      checkDomain(child, info, at, issues);
    }
  }
}
