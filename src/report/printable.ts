/**
 * Capture strings (HTTP targets and headers, pcapng comments, interface and file names) as text that
 * is safe to print: C0 and C1 control characters and DEL become `\xNN`, so a captured `ESC [2J`
 * cannot clear a terminal or recolour it, and a CR cannot overwrite the line before it.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f-\x9f]/g;

export function printable(s: string): string {
  return s.replace(CONTROL, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** A whole rendered text: every control character but the line feed shown as `\xNN`. */
export function printableText(text: string): string {
  return text.split('\n').map(printable).join('\n');
}
