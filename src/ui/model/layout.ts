/**
 * Where each panel goes in a terminal of a given size. At 80×24 everything fits in one screen;
 * a taller terminal gives the charts and events more lines, a wider one more columns. Once the
 * study has ended, parameter importance takes the running panel's place, a row per parameter up
 * to a quarter of the lines.
 */

export type BottomPanel = 'rungs' | 'population' | 'curves' | 'events';

/** The panel under the header: the running trials, or parameter importance once the study has ended. */
export type TopPanel = 'running' | 'importance';

export interface PanelBox {
  readonly panel: BottomPanel;
  /** Lines, its title included. */
  readonly height: number;
}

export interface BottomColumn {
  readonly width: number;
  readonly panels: readonly PanelBox[];
}

export interface Layout {
  readonly width: number;
  readonly height: number;
  /** Lines of the header panel. */
  readonly header: number;
  readonly top: TopPanel;
  /** Rows of the top panel (running trials, or importance), its title not included. */
  readonly running: number;
  /** Rows of the leaderboard, its title and column header not included. */
  readonly leaderboard: number;
  /** Lines below the leaderboard. */
  readonly bottom: number;
  readonly columns: readonly BottomColumn[];
}

export interface LayoutInput {
  readonly width: number;
  /** Lines available (keep one free: ink redraws the whole screen when a frame fills it). */
  readonly height: number;
  /** Whether the header carries a notice line. */
  readonly notice: boolean;
  readonly rungRows: number;
  /** pbt: the population panel's member rows (0 for other strategies). */
  readonly populationRows?: number;
  /** pbt: the latest copies the population panel lists below its members when it has room. */
  readonly copyRows?: number;
  /** Running and waiting trials. */
  readonly runningItems: number;
  readonly workers: number | null;
  /** Trials the leaderboard will hold (the planned ones at least), so that it keeps its size as they come. */
  readonly trials: number;
  /**
   * Once the study has ended: the lines the importance panel asks for below its title (it then
   * takes the running panel's place); null or absent while the study runs.
   */
  readonly importanceRows?: number | null;
}

/** Leaderboard rows: the top 10. */
export const LEADERBOARD_TOP = 10;
/** The narrowest a bottom panel is laid out in. */
export const MIN_PANEL_WIDTH = 38;
const MIN_BOTTOM = 6;
const MIN_CHART = 5;

/**
 * `first`: the panel above the curves when they share a column (rungs, or pbt's population), and
 * the lines it asks for, in order of preference (with room for the curves left below it).
 */
function bottomColumns(width: number, height: number, panels: readonly BottomPanel[], firstLines: readonly number[]): BottomColumn[] {
  if (height <= 0) return [];
  const count = Math.max(1, Math.min(panels.length, Math.floor((width + 1) / (MIN_PANEL_WIDTH + 1))));
  const widths = Array.from(
    { length: count },
    (_, i) => Math.floor((width - (count - 1)) / count) + (i < (width - (count - 1)) % count ? 1 : 0),
  );
  if (count === panels.length) return panels.map((panel, i) => ({ width: widths[i]!, panels: [{ panel, height }] }));
  // Fewer columns than panels: the first panel and the curves share the first column, one above
  // the other, when there is room for a chart; otherwise the chart is left out.
  const last = panels.at(-1)!;
  const stacked = panels.slice(0, -1);
  const lines = firstLines.map((n) => Math.min(n, height)).find((n) => height - n >= MIN_CHART);
  const first: PanelBox[] =
    stacked.length === 1
      ? [{ panel: stacked[0]!, height }]
      : lines !== undefined
        ? [
            { panel: stacked[0]!, height: lines },
            { panel: 'curves', height: height - lines },
          ]
        : [{ panel: stacked[0]!, height }];
  if (count === 1)
    return [
      {
        width,
        panels: height >= 2 * MIN_BOTTOM ? [...first.slice(0, 1), { panel: last, height: height - first[0]!.height }] : first.slice(0, 1),
      },
    ];
  return [
    { width: widths[0]!, panels: first },
    { width: widths[1]!, panels: [{ panel: last, height }] },
  ];
}

export function computeLayout(input: LayoutInput): Layout {
  const { width, height } = input;
  const header = input.notice ? 3 : 2;
  const most = Math.floor((height - header) / 4);
  const importance = input.importanceRows ?? null;
  const top: TopPanel = importance === null ? 'running' : 'importance';
  const maxRunning = Math.max(1, Math.min((input.workers ?? Math.max(1, input.runningItems)) + (height >= 30 ? 3 : 1), most));
  // At least a row per worker, so that the panels below do not move as trials come and go.
  const running =
    importance === null
      ? Math.max(1, Math.min(Math.max(input.runningItems, input.workers ?? 1), maxRunning))
      : Math.max(1, Math.min(importance, most));
  const rest = height - header - 1 - running;
  const leaderboard = Math.max(1, Math.min(LEADERBOARD_TOP, Math.max(1, input.trials), rest - 2 - MIN_BOTTOM));
  const bottom = Math.max(0, rest - 2 - leaderboard);
  const population = input.populationRows ?? 0;
  const copies = input.copyRows ?? 0;
  let panels: BottomPanel[] = ['curves', 'events'];
  // Lines the first panel asks for: its title and column header, its rows (pbt: and, if the curves still fit, the latest copies).
  let firstLines: number[] = [];
  if (input.rungRows > 0) {
    panels = ['rungs', 'curves', 'events'];
    firstLines = [input.rungRows + 2];
  } else if (population > 0) {
    panels = ['population', 'curves', 'events'];
    firstLines = copies > 0 ? [population + 3 + copies, population + 2] : [population + 2];
  }
  return { width, height, header, top, running, leaderboard, bottom, columns: bottomColumns(width, bottom, panels, firstLines) };
}
