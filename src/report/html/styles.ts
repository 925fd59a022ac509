/**
 * The report's one stylesheet: readable from a phone to a desktop, and on paper.
 */
export const STYLES = `
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --soft: #f6f8fa; --accent: #0072b2; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: #fff; }
main { max-width: 1200px; margin: 0 auto; padding: 16px clamp(12px, 3vw, 32px) 48px; }
h1 { font-size: 1.6rem; margin: 8px 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 1.2rem; margin: 32px 0 12px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 1rem; margin: 0 0 8px; }
.meta { color: var(--muted); margin: 0; overflow-wrap: anywhere; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; margin-top: 16px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; background: var(--soft); }
.card .label { color: var(--muted); font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; }
.card .value { font-size: 1.3rem; font-weight: 600; overflow-wrap: anywhere; }
.card .sub { color: var(--muted); font-size: .85rem; overflow-wrap: anywhere; }
dl.params { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
dl.params dt { color: var(--muted); }
dl.params dd { margin: 0; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
h3.schedule-title { margin-top: 20px; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 480px), 1fr)); gap: 16px; }
figure { margin: 0; border: 1px solid var(--line); border-radius: 8px; padding: 12px; min-width: 0; }
figure.wide { grid-column: 1 / -1; }
figure .scroll { overflow-x: auto; }
figcaption { color: var(--muted); font-size: .85rem; margin-top: 6px; }
svg.chart { display: block; width: 100%; height: auto; font-family: inherit; }
figure.wide svg.chart { min-width: 560px; }
svg.chart .tick { font-size: 12px; fill: var(--muted); paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
svg.chart .axis-title { font-size: 13px; fill: var(--fg); font-weight: 600; }
svg.chart .grid { stroke: #eaeef2; stroke-width: 1; }
svg.chart .domain, svg.chart .band { stroke: #8c959f; stroke-width: 1; }
svg.chart .band { stroke-dasharray: 4 3; }
svg.chart .box { fill: rgba(0, 114, 178, .08); stroke: #57606a; }
svg.chart .whisker, svg.chart .median { stroke: #57606a; stroke-width: 1.5; fill: none; }
svg.chart .median { stroke-width: 2.5; }
svg.chart .pc-line { stroke-width: 1.6; stroke-opacity: .8; }
svg.chart .pc-line.muted { stroke-width: 1; stroke-opacity: .45; }
svg.chart .planned { fill: none; stroke: #8c959f; stroke-dasharray: 3 2; }
svg.chart .member { stroke-width: 1.6; stroke-opacity: .6; stroke-linejoin: round; }
svg.chart .halo { stroke: #fff; stroke-width: 7; stroke-linejoin: round; }
svg.chart path.lineage { stroke-width: 3.4; stroke-linejoin: round; }
svg.chart .lineage-label { font-size: 12px; font-weight: 600; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
svg.chart .segment.on-lineage { stroke-width: 2.5; }
svg.chart .copy path:first-child { stroke-width: 1.3; stroke-opacity: .75; }
svg.chart .copy.on-lineage path:first-child { stroke-width: 2.6; stroke-opacity: 1; }
svg.chart .bar-name, svg.chart .key-label { fill: var(--fg); }
svg.chart .run-label { font-size: 11px; fill: var(--fg); paint-order: stroke; stroke: #fff; stroke-width: 2.5px; stroke-linejoin: round; }
ul.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 14px; padding: 0; margin: 8px 0 0; font-size: .85rem; }
ul.legend li { display: flex; align-items: center; gap: 5px; overflow-wrap: anywhere; }
.notes { color: var(--muted); font-size: .9rem; }
.table-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: 8px; }
table { border-collapse: collapse; width: 100%; font-size: .875rem; font-variant-numeric: tabular-nums; }
th, td { padding: 5px 10px; border-bottom: 1px solid var(--line); white-space: nowrap; text-align: left; }
th.num, td.num { text-align: right; }
thead th { position: sticky; top: 0; background: var(--soft); }
th button { font: inherit; font-weight: 600; color: inherit; background: none; border: 0; padding: 0; cursor: pointer; }
th button::after { content: " \\2195"; color: #8c959f; font-weight: 400; }
th[aria-sort="ascending"] button::after { content: " \\2191"; color: var(--accent); }
th[aria-sort="descending"] button::after { content: " \\2193"; color: var(--accent); }
tbody tr:nth-child(even) { background: #fafbfc; }
td.error { max-width: 28em; overflow: hidden; text-overflow: ellipsis; }
.status { display: inline-block; padding: 0 6px; border-radius: 10px; font-size: .8rem; background: #eaeef2; }
.status.completed { background: #dafbe1; color: #116329; }
.status.diverged { background: #fff1e5; color: #953800; }
.status.failed { background: #ffebe9; color: #a40e26; }
.status.running, .status.queued { background: #ddf4ff; color: #0550ae; }
pre { overflow-x: auto; font-size: .85rem; }
pre.error { white-space: pre-wrap; overflow-wrap: anywhere; background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; font-size: .85rem; }
footer { color: var(--muted); font-size: .8rem; margin-top: 40px; }
@media (max-width: 600px) {
  body { font-size: 14px; }
  svg.chart .tick { font-size: 19px; }
  svg.chart .axis-title { font-size: 20px; }
  figure.wide svg.chart { min-width: 900px; }
  figure.wide svg.chart .tick { font-size: 12px; }
  figure.wide svg.chart .axis-title { font-size: 13px; }
}
@media print {
  @page { margin: 14mm; }
  body { font-size: 10pt; }
  main { max-width: none; padding: 0; }
  .charts { grid-template-columns: 1fr 1fr; }
  figure, .card, tr { break-inside: avoid; }
  h2 { break-after: avoid; }
  .table-wrap { overflow: visible; border: 0; }
  figure .scroll { overflow: visible; }
  figure.wide svg.chart { min-width: 0; }
  table { font-size: 7pt; }
  th, td { white-space: normal; padding: 1px 3px; }
  th { overflow-wrap: anywhere; }
  .status { font-size: inherit; padding: 0; background: none; }
  pre { white-space: pre-wrap; overflow: visible; }
  th button::after, th[aria-sort] button::after { content: none; }
  thead th { position: static; }
}
`;
