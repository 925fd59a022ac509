/**
 * `node bench/summary.js`: the trainer and memory results of the last `npm run bench`
 * (results/bench/trainer.json and memory.json) as the Markdown tables README.md shows, with the
 * date and the machine. Medians of the repeats.
 */
import fs from 'node:fs';
import path from 'node:path';
import { RESULTS_DIR } from './lib.js';

function load(name) {
  const file = path.join(RESULTS_DIR, `${name}.json`);
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : null;
}

const fixed = (value, digits) => (value === undefined || value === null ? '—' : value.toFixed(digits));
const ms = (value) => fixed(value, value >= 100 ? 0 : 1);

function trainerTables(trainer) {
  const { results } = trainer;
  const median = (key) => results.epochMs[key]?.median;
  const gflops = (key) => results.gflops[key]?.median;
  const torch = (blas, batch) => results.pytorch?.[blas]?.per_batch_size?.[String(batch)]?.ms_per_epoch?.median;
  const lines = [];
  const peak = results.matMulPeakGflops.median;
  const torchPeak = results.pytorch?.openblas?.matmul_gflops?.median;
  lines.push(
    `MLP 64-128-128-10, sgd, 4,096 samples (ms per epoch; GFLOP/s on wasm, whose 1024³ matMul peak was ${fixed(peak, 1)} GFLOP/s in this run` +
      `${torchPeak === undefined ? '' : `, PyTorch + OpenBLAS's ${fixed(torchPeak, 0)}`}):`,
    '',
    '| batch | wasm | GFLOP/s | cpu | PyTorch + OpenBLAS | PyTorch + reference BLAS | wasm ÷ OpenBLAS | wasm ÷ reference |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const batch of results.setup.batchSizes) {
    const ours = median(`mlp_wasm_b${batch}`);
    const [open, reference] = [torch('openblas', batch), torch('reference', batch)];
    const ratio = (theirs) => (theirs === undefined ? '—' : `${fixed(ours / theirs, 2)}×`);
    lines.push(
      `| ${batch} | ${ms(ours)} | ${fixed(gflops(`mlp_wasm_b${batch}`), 1)} | ${ms(median(`mlp_cpu_b${batch}`))} | ${ms(open)} | ${ms(reference)} | ${ratio(open)} | ${ratio(reference)} |`,
    );
  }
  lines.push('', 'Digits, MLP 64-64-64-10, adam, validation every epoch (ms per epoch):', '');
  lines.push('| batch | wasm | GFLOP/s | cpu | tfjs `model.fit`, wasm |', '|---:|---:|---:|---:|---:|');
  for (const batch of results.setup.batchSizes) {
    lines.push(
      `| ${batch} | ${ms(median(`digits_wasm_b${batch}`))} | ${fixed(gflops(`digits_wasm_b${batch}`), 1)} | ${ms(median(`digits_cpu_b${batch}`))} | ${ms(median(`digits_layers_wasm_b${batch}`))} |`,
    );
  }
  return lines;
}

function memoryTable(memory) {
  const { results } = memory;
  const [early, late] = results.setup.trials;
  const mb = (stats) => fixed(stats.median, 0);
  return [
    `Memory per worker, ${results.setup.workers} workers, digits study (MB):`,
    '',
    `| worker | after ${early} trials | after ${late} trials | ratio |`,
    '|---|---:|---:|---:|',
    `| thread | ${mb(results.threadRssMb[`after${early}`])} | ${mb(results.threadRssMb[`after${late}`])} | ${fixed(results.threadRssMb.ratio.median, 2)} |`,
    `| child process | ${mb(results.childRssMb[`after${early}`])} | ${mb(results.childRssMb[`after${late}`])} | ${fixed(results.childRssMb.ratio.median, 2)} |`,
  ];
}

const trainer = load('trainer');
const memory = load('memory');
const first = trainer ?? memory;
if (first === null) {
  process.stderr.write(`no results in ${RESULTS_DIR}: run npm run bench first\n`);
  process.exitCode = 1;
} else {
  const { machine, versions } = first;
  const lines = [
    `${first.date.slice(0, 10)}, ${machine.cpus.model}, ${machine.cpus.count} cores, Node ${machine.node}, tfjs ${versions.tfjs}` +
      `${trainer?.results.pytorch?.openblas?.versions?.torch ? `, PyTorch ${trainer.results.pytorch.openblas.versions.torch}` : ''}` +
      `; load average ${machine.loadavg.map((l) => l.toFixed(1)).join(' ')} when the results were written; ${first.results.setup.repeats} repeats, medians.`,
    '',
  ];
  if (trainer !== null) lines.push(...trainerTables(trainer), '');
  if (memory !== null) lines.push(...memoryTable(memory), '');
  process.stdout.write(lines.join('\n'));
}
