/**
 * `hpsearch init --template fit`: a `model.fit` objective module through `fit` from hpsearch/tfjs,
 * and its space file. The module is the package's own example,
 * search-spaces/objectives/fit-digits.mjs (kept working by its tests), with a header for a project
 * that starts from it.
 */
import fs from 'node:fs';
import { InternalError } from '../../errors.js';
import { moduleSpace } from './module-space.js';

/** The example the module is made from, in the package (search-spaces/ ships with it). */
const EXAMPLE = new URL('../../../search-spaces/objectives/fit-digits.mjs', import.meta.url);

const HEADER = `// Your model, trained with model.fit: hpsearch calls the default export once per run of a trial,
// with the sampled parameters (space.yaml's params) and a \`trial\` object. \`fit\` from
// hpsearch/tfjs runs model.fit over the trial's budget, reports every epoch's logs (loss, acc,
// val_loss, val_acc), stops when the study says so, saves and restores checkpoints (so that a
// configuration promoted by ASHA continues where it stopped), sets the learning rate from
// params.learning_rate, and shuffles each epoch from the trial's seed.
// Edit \`data\` (your tensors) and \`buildModel\` (your layers); hpsearch's README.md, section
// "Your own training code", tells the rest.
`;

/** objective.mjs of the fit template: the example, its leading comment replaced by {@link HEADER}. */
export function fitModule(): string {
  let text: string;
  try {
    text = fs.readFileSync(EXAMPLE, 'utf8');
  } catch (error) {
    throw new InternalError(`the fit template's module is missing from the package: ${EXAMPLE.pathname}`, error);
  }
  const lines = text.split('\n');
  const first = lines.findIndex((line) => !line.startsWith('//'));
  return HEADER + lines.slice(Math.max(first, 0)).join('\n');
}

/** The space.yaml body (after the header comments) of the fit template. */
export function fitSpace(name: string): string {
  return moduleSpace(name, 'val_loss', 'minimize', [
    'learning_rate: { loguniform: [1.0e-3, 3.0e-2] }',
    'layers: { int: [1, 2] }',
    'width: { choice: [32, 64, 128] }',
    'batch_size: { choice: [32, 64] }',
  ]);
}
