// The Branin function, a classic single-fidelity test of optimizers: three global minima of
// 0.397887 at (-π, 12.275), (π, 2.275) and (9.42478, 2.475). An objective module may simply
// return the value; hpsearch stores it under the objective's metric.
export default async function branin({ x1, x2 }) {
  const a = 1;
  const b = 5.1 / (4 * Math.PI ** 2);
  const c = 5 / Math.PI;
  const r = 6;
  const s = 10;
  const t = 1 / (8 * Math.PI);
  return a * (x2 - b * x1 ** 2 + c * x1 - r) ** 2 + s * (1 - t) * Math.cos(x1) + s;
}
