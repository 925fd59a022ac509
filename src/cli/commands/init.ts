/**
 * `hpsearch init [dir]`: writes a starting point to edit: a space file and, for the module
 * templates, an objective module. Flags only, no prompts; nothing is written when anything is
 * wrong, and no file is overwritten without `--force`.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { DataSpec } from '../../core/types.js';
import { loadCsv } from '../../data/csv.js';
import { loadDataset } from '../../data/load.js';
import { ConfigError, type ConfigIssue, InternalError, UsageError } from '../../errors.js';
import { parseText } from '../../space/load.js';
import { parseStudy } from '../../space/parse.js';
import { DestinationExists, writeFileAtomic } from '../../util/atomic-write.js';
import type { CliIO } from '../io.js';
import { ioError } from '../output.js';
import { fitModule, fitSpace } from '../templates/fit.js';
import { LOOP_MODULE, loopSpace } from '../templates/loop.js';

export const TEMPLATES = ['fit', 'loop', 'builtin'] as const;
export type TemplateName = (typeof TEMPLATES)[number];

const TASKS = ['classification', 'regression'] as const;
type Task = (typeof TASKS)[number];

interface InitOptions {
  readonly template: string;
  readonly csv?: string;
  readonly target?: string;
  readonly task?: string;
  readonly force?: boolean;
}

/** A target column of integers with at most this many distinct values is read as classes. */
const MAX_INTEGER_CLASSES = 20;

export function registerInit(program: Command, io: CliIO): void {
  program
    .command('init')
    .description('write a space file (and an objective module) to start from: fit, loop or builtin')
    .argument('[dir]', 'the folder to write into, created if missing', '.')
    .option(
      '--template <name>',
      'fit: a tf.LayersModel trained with model.fit; loop: your own training loop with reports and checkpoints; builtin: the built-in trainer on a CSV file',
      'fit',
    )
    .option('--csv <file>', 'builtin: the CSV file to train on (a header row, numeric feature columns)')
    .option('--target <column>', 'builtin: the column to predict')
    .option('--task <task>', 'builtin: classification or regression (default: read from the target column)')
    .option('--force', 'overwrite space.yaml and objective.mjs if they exist')
    .addHelpText(
      'after',
      `
Examples:
  $ hpsearch init my-model                  # model.fit on the digits: my-model/space.yaml, my-model/objective.mjs
  $ hpsearch init my-model --template loop  # your own training loop, with checkpoints, under ASHA
  $ hpsearch init houses --template builtin --csv search-spaces/houses.csv --target price`,
    )
    .action((dir: string, options: InitOptions) => {
      initCommand(dir, options, io);
    });
}

/** A file to write: where, and what. */
interface Output {
  readonly file: string;
  readonly text: string;
}

export function initCommand(dir: string, options: InitOptions, io: CliIO): void {
  const template = readTemplate(options);
  const folder = path.resolve(dir);
  if (fs.existsSync(folder) && !fs.statSync(folder).isDirectory()) {
    throw new UsageError(
      `${dir} is not a folder; nothing was written`,
      'name a folder to write space.yaml into (it is created if missing)',
    );
  }
  const spaceFile = path.join(folder, 'space.yaml');
  const moduleFile = path.join(folder, 'objective.mjs');
  const targets = template === 'builtin' ? [spaceFile] : [spaceFile, moduleFile];
  // Every target is checked before anything is written.
  if (options.force !== true) {
    const existing = targets.filter((file) => fs.existsSync(file)).map(shown);
    if (existing.length > 0) {
      throw new UsageError(
        `${existing.join(' and ')} already ${existing.length === 1 ? 'exists' : 'exist'}; nothing was written`,
        'add --force to overwrite, or name another folder',
      );
    }
  }
  const name = studyName(folder);
  const header = (what: string) =>
    [
      `# yaml-language-server: $schema=${schemaPath(folder)}`,
      ...what.split('\n').map((line) => `# ${line}`),
      `# Run it with: npx hpsearch start ${shellWord(shown(spaceFile))}`,
      `# (and see what it runs first with: npx hpsearch plan ${shellWord(shown(spaceFile))}).`,
      `# Every key is described in hpsearch's README.md, section "Search space files".`,
      '',
    ].join('\n');
  let outputs: Output[];
  if (template === 'builtin') {
    const csv = builtinSpace(folder, name, options as InitOptions & { csv: string; target: string }, spaceFile);
    outputs = [{ file: spaceFile, text: header(csv.about) + csv.body }];
    io.stdout.write(`${csv.detected}\n`);
  } else if (template === 'loop') {
    outputs = [
      {
        file: spaceFile,
        text:
          header(
            'Your own model and training loop (objective.mjs) on the digits, searched by ASHA:\npromoted configurations continue from the checkpoint objective.mjs saves.',
          ) + loopSpace(yamlScalar(name)),
      },
      { file: moduleFile, text: LOOP_MODULE },
    ];
  } else {
    outputs = [
      {
        file: spaceFile,
        text:
          header(
            'Your own tf.LayersModel (objective.mjs) on the digits, trained with model.fit and searched by ASHA:\npromoted configurations continue from the checkpoint fit saves.',
          ) + fitSpace(yamlScalar(name)),
      },
      { file: moduleFile, text: fitModule() },
    ];
  }
  for (const { file, text } of outputs) {
    try {
      writeFileAtomic(file, text, { replace: options.force === true });
    } catch (error) {
      if (error instanceof DestinationExists) {
        throw new UsageError(`${shown(file)} already exists; nothing more was written`, 'add --force to overwrite');
      }
      throw ioError(`cannot write ${shown(file)}`, error);
    }
    io.stdout.write(`wrote ${shown(file)}\n`);
  }
  io.stdout.write(`next: npx hpsearch start ${shellWord(shown(spaceFile))}\n`);
}

/**
 * Checks the flags against the template: `--template` is one of {@link TEMPLATES}; `--csv` and
 * `--target` are required by builtin and refused by the others, as is `--task`.
 * @throws {ConfigError} listing every problem.
 */
function readTemplate(options: InitOptions): TemplateName {
  const issues: ConfigIssue[] = [];
  const template = options.template;
  if (!(TEMPLATES as readonly string[]).includes(template)) {
    throw new ConfigError([{ path: '--template', message: `must be one of ${TEMPLATES.join(', ')}, got ${JSON.stringify(template)}` }]);
  }
  const flags = [
    ['--csv', options.csv, 'the CSV file to train on'],
    ['--target', options.target, 'the column of that file to predict'],
  ] as const;
  if (template === 'builtin') {
    for (const [flag, value, what] of flags) {
      if (value === undefined) issues.push({ path: flag, message: `is required with --template builtin: ${what}` });
      else if (value.trim() === '') issues.push({ path: flag, message: `must not be empty: ${what}` });
    }
    if (options.task !== undefined && !(TASKS as readonly string[]).includes(options.task)) {
      issues.push({ path: '--task', message: `must be one of ${TASKS.join(', ')}, got ${JSON.stringify(options.task)}` });
    }
  } else {
    for (const [flag, value] of [...flags, ['--task', options.task] as const]) {
      if (value !== undefined) issues.push({ path: flag, message: `applies to --template builtin only, not ${template}` });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues, undefined, 'nothing was written');
  return template as TemplateName;
}

/**
 * The builtin template's space file: the CSV file read with hpsearch's own loader (so that what
 * it refuses, `init` refuses), its task from `--task` or the target column's values.
 */
function builtinSpace(
  folder: string,
  name: string,
  options: { readonly csv: string; readonly target: string; readonly task?: string },
  spaceFile: string,
): { about: string; body: string; detected: string } {
  const csvFile = path.resolve(options.csv);
  const target = options.target;
  let task: Task;
  let reason: string;
  if (options.task !== undefined) {
    task = options.task as Task;
    reason = 'as --task says';
  } else {
    // Read as classes first: the loader then checks the file and returns the distinct labels.
    const labels = loadCsv(options.csv, target, 'classification').train.classNames;
    if (labels.length < 2) {
      throw new ConfigError(
        [{ path: '', message: `column "${target}" has one value only (${JSON.stringify(labels[0] ?? '')}): nothing to predict` }],
        options.csv,
        'pick another --target',
      );
    }
    const numbers = labels.map((label) => (label.trim() === '' ? NaN : Number(label)));
    if (numbers.some((n) => !Number.isFinite(n))) {
      task = 'classification';
      reason = `its values are not all numbers`;
    } else if (numbers.every((n) => Number.isInteger(n)) && labels.length <= MAX_INTEGER_CLASSES) {
      task = 'classification';
      reason = `${labels.length} distinct integer values`;
    } else {
      task = 'regression';
      reason = `${labels.length} distinct numeric values`;
    }
  }
  const relative = toPosix(path.relative(folder, csvFile));
  const spec: DataSpec = { dataset: 'csv', path: csvFile, target, task, validationSplit: 0.2, validationPath: null };
  const data = loadDataset(spec, 1);
  if (data.features === 0) {
    throw new ConfigError([{ path: '', message: `has no column besides "${target}": nothing to predict it from` }], options.csv);
  }
  const classification = task === 'classification';
  const batches = [16, 32, 64].filter((b) => b <= data.trainSize);
  const batch = batches.length >= 2 ? `{ choice: [${batches.join(', ')}] }` : String(batches[0] ?? data.trainSize);
  const columns = `${data.features} feature column${data.features === 1 ? '' : 's'}`;
  const what = classification
    ? `classification of ${JSON.stringify(target)} (${data.classNames.length} classes)`
    : `regression of ${JSON.stringify(target)}`;
  const about = `The built-in trainer (an MLP) on ${path.basename(csvFile)}: ${what} from ${columns}.\nThe task was read from the target column (${reason}); change data.task if it is wrong.`;
  const body = `name: ${yamlScalar(name)}
data:
  dataset: csv
${commented(`  path: ${yamlScalar(relative)}`, 'relative to this file')}
  target: ${yamlScalar(target)}
  task: ${task}
  validation_split: 0.2       # held out, by a seeded shuffle, to score each trial
objective:
  metric: ${classification ? 'val_accuracy' : 'val_loss'}
  direction: ${classification ? 'maximize' : 'minimize'}
strategy: random
trials: 20
max_epochs: 20
seed: 42                      # fixes every sampled configuration and every trial's seed
workers: auto
params:                       # hpsearch's README.md, section "Parameters of the built-in trainer"
  learning_rate: { loguniform: [1.0e-3, 0.1] }
  batch_size: ${batch}
  optimizer: { choice: [momentum, adam] }
  hidden_layers: { int: [1, 3] }
  hidden_units: { choice: [32, 64, 128] }
  dropout: { uniform: [0.0, 0.3] }
  activation: relu
`;
  // The file is checked as start will read it: a problem here is a bug of init, not of the input.
  try {
    const { raw } = parseText(body, spaceFile);
    parseStudy(raw, { file: spaceFile, baseDir: folder, drawSeed: () => 1 });
  } catch (error) {
    throw new InternalError(`init wrote a space file that does not parse: ${(error as Error).message}`, error);
  }
  return {
    about,
    body,
    detected: `${path.basename(csvFile)}: ${data.trainSize + data.valSize} rows, ${columns}; ${what}, task ${task} (${reason})`,
  };
}

/** A YAML line with a comment, aligned with the others where it fits. */
function commented(line: string, comment: string): string {
  return `${line.length < 30 ? line.padEnd(30) : `${line}  `}# ${comment}`;
}

/** The study name: the folder's name (`my-model`), or `my-study` for a root folder. */
function studyName(folder: string): string {
  const base = path.basename(folder);
  return base === '' ? 'my-study' : base;
}

/**
 * The JSON Schema of space files, relative to the space file: in the nearest `node_modules/hpsearch`
 * above the folder, or else where `npm install hpsearch` in the working directory will put it.
 */
function schemaPath(folder: string): string {
  let base = process.cwd();
  for (let at = folder; ; at = path.dirname(at)) {
    if (fs.existsSync(path.join(at, 'node_modules', 'hpsearch'))) {
      base = at;
      break;
    }
    if (path.dirname(at) === at) break;
  }
  return toPosix(path.relative(folder, path.join(base, 'node_modules', 'hpsearch', 'space.schema.json')));
}

/** A path as the user sees it: relative to the working directory unless it lies outside it. */
function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative === '' ? '.' : relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

function toPosix(file: string): string {
  return file.split(path.sep).join('/');
}

/** A string as a YAML scalar: plain where that reads back as the same string, else double-quoted. */
function yamlScalar(text: string): string {
  const plain = /^[A-Za-z_][\w./-]*$|^\.{0,2}\/[\w./-]*$|^\.\.?\/?$/.test(text);
  const special = /^(true|false|yes|no|on|off|null|y|n)$/i.test(text);
  return plain && !special ? text : JSON.stringify(text);
}

/** A word for a POSIX shell: as it is when it is safe, else single-quoted. */
function shellWord(text: string): string {
  return /^[\w./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
