/**
 * The cells of a grid search: the cartesian product of every searched parameter's values, with
 * a conditional parameter's children expanded only under their own option.
 */
import type { ParamSpec } from './types.js';
import type { ParamValue } from '../core/types.js';

type Cell = Readonly<Record<string, ParamValue>>;

/**
 * Every configuration of the grid, in a fixed order: the first parameter varies slowest, as in
 * a nested loop written in declaration order. Parameters must have finite grids (checked when
 * the space is parsed for grid search).
 */
export function gridCells(params: readonly ParamSpec[]): Cell[] {
  let cells: Cell[] = [{}];
  for (const spec of params) {
    const values = expand(spec);
    if (values === null) continue;
    cells = cells.flatMap((cell) => values.map((value) => ({ ...cell, ...value })));
  }
  return cells;
}

/** Number of grid cells, without building them. */
export function gridSize(params: readonly ParamSpec[]): number {
  return params.reduce((size, spec) => size * (countValues(spec) ?? 1), 1);
}

function leafValues(spec: ParamSpec): readonly ParamValue[] | null {
  const dist = spec.dist;
  switch (dist.kind) {
    case 'constant':
      return null;
    case 'categorical':
      return dist.choices;
    case 'float':
      if (dist.grid === null) throw new Error(`parameter ${spec.name} has no grid`);
      return dist.grid;
    case 'int':
      return dist.grid ?? Array.from({ length: dist.high - dist.low + 1 }, (_, i) => dist.low + i);
    case 'conditional':
      return null;
  }
}

function expand(spec: ParamSpec): Cell[] | null {
  if (spec.dist.kind === 'conditional') {
    return spec.dist.options.flatMap((option) => gridCells(option.params).map((children) => ({ [spec.name]: option.name, ...children })));
  }
  return leafValues(spec)?.map((value) => ({ [spec.name]: value })) ?? null;
}

function countValues(spec: ParamSpec): number | null {
  if (spec.dist.kind === 'conditional') {
    return spec.dist.options.reduce((sum, option) => sum + gridSize(option.params), 0);
  }
  return leafValues(spec)?.length ?? null;
}
