/**
 * "Did you mean" suggestions for misspelled keys and names.
 */

/** Levenshtein edit distance between two strings. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The known word closest to `word`, when it is close enough to be a likely typo. */
export function closest(word: string, known: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  if (lower.length >= 3) {
    // An abbreviation (val_acc for val_accuracy) is a likelier intent than a short edit.
    const extended = known.filter((k) => k.toLowerCase().startsWith(lower)).sort((a, b) => a.length - b.length)[0];
    if (extended !== undefined) return extended;
  }
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // Short words: every candidate is a few edits away, so only a near-identical one counts.
  const allowed = Math.min(word.length - 1, Math.max(2, Math.floor(word.length / 3)));
  return bestDistance <= allowed ? best : undefined;
}

/** `; did you mean "x"?` or a list of the known words, for the end of an error message. */
export function suggestion(word: string, known: readonly string[]): string {
  const near = closest(word, known);
  if (near !== undefined) return `; did you mean "${near}"?`;
  return known.length > 0 ? ` (known: ${known.join(', ')})` : '';
}
