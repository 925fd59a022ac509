/**
 * GitHub-flavoured Markdown tables, for pasting leaderboards into pull requests and notes.
 */

/**
 * Text safe inside a table cell: characters with a meaning in Markdown or HTML are
 * backslash-escaped (`_` only at a word's edge, where it could start emphasis), and line breaks
 * become spaces.
 */
export function markdownCell(text: string): string {
  return text.replace(/\r\n|\r|\n/g, ' ').replace(/[\\`*[\]<>|~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, (ch) => `\\${ch}`);
}

/** A table with a header row and an alignment row; `right` columns are right-aligned. */
export function markdownTable(
  headers: readonly string[],
  align: readonly ('left' | 'right')[],
  rows: readonly (readonly string[])[],
): string {
  const line = (cells: readonly string[]) => `| ${cells.map(markdownCell).join(' | ')} |`;
  const rule = `|${align.map((a) => (a === 'right' ? '---:' : '---')).join('|')}|`;
  return [line(headers), rule, ...rows.map(line)].join('\n');
}
