/**
 * The `params` part of the space files' JSON Schema (see schema.ts): one builder for a
 * parameter's forms (a plain value, piecewise, loguniform, uniform, int, choice), used for any
 * parameter of an objective module and, with each one's domain, for the built-in trainer's.
 */
import { MODIFIERS } from './parse-params.js';
import {
  type Domain,
  SCHEDULE_COMMON_PARAMS,
  SCHEDULE_PARAMS,
  SCHEDULES,
  TRAINER_PARAMS,
  type TrainerParamInfo,
} from '../trial/trainer-params.js';

/** A JSON Schema (draft-07) node. */
export type Schema = { readonly [key: string]: unknown } | boolean;

/**
 * A `properties` object in the order of one of the parser's key lists, so that the schema names
 * exactly the keys the parser accepts; a key without a schema is a programming error.
 */
export function keyed<K extends string>(keys: readonly K[], schemas: Readonly<Partial<Record<string, Schema>>>): Record<string, Schema> {
  return Object.fromEntries(
    keys.map((key) => {
      const schema = schemas[key];
      if (schema === undefined) throw new Error(`the space schema describes no key ${key}`);
      return [key, schema];
    }),
  );
}

export const integer = (minimum: number, maximum: number, description?: string): Schema => ({
  type: 'integer',
  minimum,
  maximum,
  ...(description === undefined ? {} : { description }),
});

export const MAX_SAFE = Number.MAX_SAFE_INTEGER;
/** Epochs of a piecewise change point: below the largest max_epochs. */
const MAX_CHANGE_EPOCH = 99_999;
/** Parameter names, as parse-params.ts checks them. */
export const PARAM_NAME = '^[A-Za-z_][A-Za-z0-9_-]*$';
const SCALAR: Schema = { type: ['number', 'string', 'boolean'] };

type RangeKind = 'loguniform' | 'uniform' | 'int';
const RANGES: readonly RangeKind[] = ['loguniform', 'uniform', 'int'];
const RANGE_TEXT: Readonly<Record<RangeKind, string>> = {
  loguniform: 'a float uniform in log space: [low, high], low > 0 (learning rates, weight decay)',
  uniform: 'a float uniform in [low, high); log: true makes it log-uniform',
  int: 'an integer in [low, high], both ends included; log: true for log-spaced draws (low ≥ 1)',
};
const RANGE_BOUND: Readonly<Record<RangeKind, Schema>> = {
  loguniform: { type: 'number', exclusiveMinimum: 0 },
  uniform: { type: 'number' },
  int: integer(-MAX_SAFE, MAX_SAFE),
};

/** `{ piecewise: [[0, a], [epochs, b], ...] }`: the first pair at 0 epochs. */
export function piecewiseSchema(value: Schema): Schema {
  const pair = (epochs: Schema): Schema => ({ type: 'array', items: [epochs, value], minItems: 2, additionalItems: false });
  return {
    type: 'object',
    description: 'a constant that changes during training: each [epochs, value] pair holds from that many epochs trained on',
    properties: {
      piecewise: {
        type: 'array',
        description: '[epochs, value] pairs, the first at 0, epochs ascending and below max_epochs, values of one type',
        items: [pair({ const: 0 })],
        minItems: 1,
        additionalItems: pair(integer(0, MAX_CHANGE_EPOCH)),
      },
    },
    required: ['piecewise'],
    additionalProperties: false,
  };
}

function modifiers(kind: RangeKind): Record<(typeof MODIFIERS)[number], Schema> {
  return {
    log:
      kind === 'loguniform'
        ? { const: true, description: 'always true for loguniform' }
        : { type: 'boolean', description: 'log-spaced draws (low must be > 0)' },
    grid: {
      type: 'array',
      description: 'the values grid search visits, within [low, high]',
      items: { type: kind === 'int' ? 'integer' : 'number' },
      minItems: 1,
      uniqueItems: true,
    },
    steps: { type: 'integer', minimum: 2, description: 'grid search: this many evenly spaced values (geometrically when log)' },
  };
}

const MUTABLE: Schema = { type: 'boolean', description: 'false: population based training never changes it (default true)' };

function rangeSchema(kind: RangeKind): Schema {
  return {
    type: 'object',
    description: RANGE_TEXT[kind],
    properties: keyed([kind, ...MODIFIERS, 'mutable'], {
      [kind]: { type: 'array', description: '[low, high]', items: RANGE_BOUND[kind], minItems: 2, maxItems: 2 },
      ...modifiers(kind),
      mutable: MUTABLE,
    }),
    required: [kind],
    additionalProperties: false,
    not: { required: ['grid', 'steps'] },
    ...(kind === 'loguniform'
      ? {}
      : {
          if: { properties: { log: { const: true } }, required: ['log'] },
          then: { properties: { [kind]: { items: { exclusiveMinimum: 0 } } } },
        }),
  };
}

/**
 * Any parameter (of an objective module): a plain value, piecewise, a range or a choice; a
 * conditional choice's options hold parameters of their own.
 */
export const PARAM: Schema = {
  anyOf: [
    { type: ['number', 'string', 'boolean', 'array'], description: 'a constant, passed to every trial' },
    piecewiseSchema(SCALAR),
    ...RANGES.map(rangeSchema),
    {
      type: 'object',
      description: 'one of a list of values, or a conditional choice: option → its own parameters',
      properties: keyed(['choice', 'mutable'], {
        choice: {
          anyOf: [
            { type: 'array', description: 'one of a list of numbers, strings or booleans', items: SCALAR, minItems: 1, uniqueItems: true },
            {
              type: 'object',
              description: "a conditional choice: each option's parameters exist only under it",
              minProperties: 1,
              additionalProperties: { anyOf: [{ type: 'null' }, { $ref: '#/definitions/params' }] },
            },
          ],
        },
        mutable: MUTABLE,
      }),
      required: ['choice'],
      additionalProperties: false,
    },
  ],
};

export const PARAMS: Schema = {
  type: ['object', 'null'],
  description: 'the parameters: name → a plain value (a constant) or a distribution',
  propertyNames: { pattern: PARAM_NAME },
  additionalProperties: { $ref: '#/definitions/param' },
};

function numberSchema(domain: Extract<Domain, { type: 'number' | 'int' }>): Schema {
  const open = domain.type === 'number' ? domain : { minOpen: false, maxOpen: false };
  return {
    type: domain.type === 'int' ? 'integer' : 'number',
    ...(Number.isFinite(domain.min) ? { [open.minOpen ? 'exclusiveMinimum' : 'minimum']: domain.min } : {}),
    ...(Number.isFinite(domain.max) ? { [open.maxOpen ? 'exclusiveMaximum' : 'maximum']: domain.max } : {}),
  };
}

/** Options of an enum parameter: the schedules take their own parameters, the others none. */
function enumOptions(name: string, values: readonly string[]): Schema {
  const none: Schema = { anyOf: [{ type: 'null' }, { type: 'object', maxProperties: 0 }] };
  if (name !== 'schedule') {
    return { type: 'object', minProperties: 1, propertyNames: { enum: values }, additionalProperties: none };
  }
  const option = (schedule: (typeof SCHEDULES)[number]): Schema => ({
    anyOf: [
      { type: 'null' },
      {
        type: 'object',
        properties: trainerParams({ ...SCHEDULE_PARAMS[schedule], ...SCHEDULE_COMMON_PARAMS }),
        additionalProperties: false,
      },
    ],
  });
  return {
    type: 'object',
    description: 'schedule options, each with its own parameters',
    minProperties: 1,
    properties: Object.fromEntries(SCHEDULES.map((schedule) => [schedule, option(schedule)])),
    additionalProperties: false,
  };
}

/**
 * One parameter of the built-in trainer: any parameter's forms (#/definitions/param), narrowed to
 * its domain: a plain value in it, the forms it may take with values in it, `mutable: false` only
 * for what the model and optimizer are built from.
 */
function trainerParam(name: string, info: TrainerParamInfo): Schema {
  const { domain, mutable, doc: description } = info;
  if (domain.type === 'int-list') {
    return { type: 'array', description: `${description} (a constant)`, items: { type: 'integer', minimum: 1 } };
  }
  const value = domain.type === 'enum' ? { enum: domain.values } : numberSchema(domain);
  const forms: Record<'piecewise' | RangeKind | 'choice', Schema> = {
    piecewise: mutable ? { items: { type: 'array', items: [true, value], minItems: 2, additionalItems: false } } : false,
    loguniform: domain.type === 'number' ? { items: value } : false,
    uniform: domain.type === 'number' ? { items: value } : false,
    int: domain.type === 'enum' ? false : { items: value },
    choice:
      domain.type === 'enum'
        ? { anyOf: [{ type: 'array', items: value }, enumOptions(name, domain.values)] }
        : { type: 'array', items: value },
  };
  const fixed = {
    const: false,
    description: 'the built-in trainer builds its model or optimizer from it: it cannot change during training',
  };
  return {
    description,
    allOf: [{ $ref: '#/definitions/param' }],
    if: { not: { type: 'object' } },
    then: value,
    properties: mutable ? forms : { ...forms, mutable: fixed },
  };
}

function trainerParams(table: Readonly<Record<string, TrainerParamInfo>>): Record<string, Schema> {
  return Object.fromEntries(Object.entries(table).map(([name, info]) => [name, trainerParam(name, info)]));
}

/** The built-in trainer's parameters, with their domains: applies when the file has `data`. */
export const TRAINER_PARAMS_SCHEMA: Schema = {
  description: 'the parameters of the built-in trainer',
  properties: trainerParams(TRAINER_PARAMS),
  additionalProperties: false,
  not: { type: 'object', anyOf: [{ required: ['hidden', 'hidden_layers'] }, { required: ['hidden', 'hidden_units'] }] },
};

/** Grid search needs the values of every continuous range, conditional children included. */
export const GRID_PARAM: Schema = {
  if: { type: 'object', anyOf: [{ required: ['loguniform'] }, { required: ['uniform'] }] },
  then: { anyOf: [{ required: ['grid'] }, { required: ['steps'] }] },
  else: {
    properties: {
      choice: { additionalProperties: { anyOf: [{ type: 'null' }, { additionalProperties: { $ref: '#/definitions/gridParam' } }] } },
    },
  },
};
