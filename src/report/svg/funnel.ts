/**
 * The rung funnel of a multi-fidelity study: for each bracket, one bar per rung showing how
 * many configurations the plan sends there and how many have reached it.
 */
import { type Markup, html, num } from '../html/markup.js';
import { chartSvg, frame } from './axes.js';
import { categoryColor } from './palette.js';

export interface FunnelRung {
  readonly epochs: number;
  readonly planned: number;
  readonly reached: number;
  /** Text after the bar, such as the best value at this rung. */
  readonly note: string;
}

export interface FunnelBracket {
  readonly name: string;
  readonly rungs: readonly FunnelRung[];
}

const ROW = 26;
const HEADER = 24;

/** Bars scaled to the largest planned count: the outline is the plan, the fill what was reached. */
export function rungFunnel(brackets: readonly FunnelBracket[], label: string): Markup {
  const rows = brackets.reduce((n, b) => n + b.rungs.length, 0);
  const height = rows * ROW + brackets.length * HEADER + 16;
  const f = frame(640, height, { left: 130, right: 150, top: 8, bottom: 8 });
  const most = Math.max(1, ...brackets.flatMap((b) => b.rungs.map((r) => Math.max(r.planned, r.reached))));
  const width = (n: number) => ((f.right - f.left) * n) / most;
  let y = f.top;
  const parts: Markup[] = [];
  brackets.forEach((bracket, b) => {
    parts.push(html`<text class="axis-title" x="0" y="${num(y + 16)}">${bracket.name}</text>`);
    y += HEADER;
    for (const [k, rung] of bracket.rungs.entries()) {
      const tip = `${bracket.name}, rung ${k} (${rung.epochs} epochs): ${rung.reached} of ${rung.planned} planned configurations reached it`;
      const [planned, reached] = [width(rung.planned), width(rung.reached)];
      parts.push(html`<g class="rung"><title>${tip}</title>
<text class="tick" x="${num(f.left - 8)}" y="${num(y + ROW / 2)}" dy="0.32em" text-anchor="end">rung ${k} · ${rung.epochs} ep</text>
<rect class="planned" x="${num(f.left)}" y="${num(y + 4)}" width="${num(Math.max(1, planned))}" height="${ROW - 8}"/>
<rect x="${num(f.left)}" y="${num(y + 4)}" width="${num(reached)}" height="${ROW - 8}" fill="${categoryColor(b)}"/>
<text class="tick" x="${num(f.left + Math.max(planned, reached) + 6)}" y="${num(y + ROW / 2)}" dy="0.32em">${rung.reached}/${rung.planned}${rung.note === '' ? '' : `  ${rung.note}`}</text></g>`);
      y += ROW;
    }
  });
  return chartSvg(f, label, parts);
}
