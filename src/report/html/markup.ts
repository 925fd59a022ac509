/**
 * Safe HTML and SVG text: every interpolated value is escaped unless it is already
 * {@link Markup} built by this module, so user strings (study names, parameter names and values,
 * error text) can never become markup.
 */

/** A fragment of trusted markup: built only by {@link html} and {@link raw}. */
export class Markup {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** What may be interpolated: text and numbers are escaped, markup is kept, lists are joined. */
export type Interpolation = Markup | string | number | boolean | null | undefined | readonly Interpolation[];

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for an HTML or SVG text node or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ENTITIES[ch]!);
}

/** Markup that is trusted as it is: only for constant strings written in this code. */
export function raw(text: string): Markup {
  return new Markup(text);
}

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Markup) return value.text;
  if (Array.isArray(value)) return (value as readonly Interpolation[]).map(render).join('');
  return escapeHtml(String(value));
}

/** A tagged template: `html\`<td>${userText}</td>\`` escapes `userText`. */
export function html(strings: TemplateStringsArray, ...values: readonly Interpolation[]): Markup {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!;
  return new Markup(out);
}

/** Attributes from an object, escaped; null, undefined and false leave an attribute out. */
export function attrs(values: Readonly<Record<string, string | number | boolean | null | undefined>>): Markup {
  let out = '';
  for (const [name, value] of Object.entries(values)) {
    if (value === null || value === undefined || value === false) continue;
    out += value === true ? ` ${name}` : ` ${name}="${escapeHtml(typeof value === 'number' ? num(value) : value)}"`;
  }
  return new Markup(out);
}

/** A coordinate for SVG: at most two decimals, no exponent. */
export function num(value: number): string {
  return String(Math.round(value * 100) / 100);
}
