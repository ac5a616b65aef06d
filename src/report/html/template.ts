/**
 * HTML built from tagged templates: every interpolated value is escaped with escape-html (the
 * escaper Express uses) unless it is an already-built Html fragment. Capture strings (file names,
 * pcapng comments, HTTP targets) therefore can never become markup.
 */
import escapeHtml from 'escape-html';
import serialize from 'serialize-javascript';

export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

type Value = Html | string | number | boolean | null | undefined | readonly Value[];

function render(v: Value): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof Html) return v.text;
  if (Array.isArray(v)) return (v as readonly Value[]).map(render).join('');
  return escapeHtml(String(v));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new Html(out);
}

/** Markup this program produced itself (d3-node's SVG, whose text nodes the DOM serialiser escaped). */
export function trusted(text: string): Html {
  return new Html(text);
}

/** JSON for inside a <script> element: `<`, `>`, `/` and U+2028 escaped so nothing closes the element. */
export function safeJson(data: unknown): string {
  return serialize(data, { isJSON: true });
}

/** Data for the inline script, inside <script type="application/json">: JSON text built from safeJson() parts and numbers only. */
export function jsonScriptText(id: string, json: string): Html {
  return html`<script type="application/json" id="${id}">${trusted(json)}</script>`;
}
