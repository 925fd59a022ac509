/**
 * The first `k` items in an order, without sorting everything: the dashboard ranks 10,000 trials
 * several times a second and shows ten of them.
 */

/** The first `k` of `items` by `compare`, in order; stable for equal items (input order). */
export function topK<T>(items: Iterable<T>, k: number, compare: (a: T, b: T) => number): T[] {
  const top: T[] = [];
  if (k <= 0) return top;
  for (const item of items) {
    if (item === undefined) continue;
    if (top.length === k && compare(item, top[k - 1]!) >= 0) continue;
    let i = top.length;
    while (i > 0 && compare(item, top[i - 1]!) < 0) i--;
    top.splice(i, 0, item);
    if (top.length > k) top.pop();
  }
  return top;
}
