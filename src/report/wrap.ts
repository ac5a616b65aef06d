/**
 * Prose fitted to the terminal: wrapped at word boundaries (wrap-ansi measures the display width of
 * "…", "µ" and wide characters) with a hanging indent, so a finding's sentence stays readable in an
 * 80-column window. Words longer than the line (a Wireshark filter, a long address list) are kept
 * whole: a broken filter can no longer be pasted.
 */
import wrapAnsi from 'wrap-ansi';

/** No wrapping: output to a pipe stays one line per fact, for grep. */
export const NO_WRAP = 0;
/** Narrower than this and the text would be mostly indent: wrapping stops helping. */
const MIN_WIDTH = 40;

/** `first` + text, continued lines indented by `indent`, each at most `width` columns (0: one line). */
export function wrapProse(first: string, text: string, width: number, indent = ' '.repeat(first.length)): string {
  if (width === NO_WRAP || width < MIN_WIDTH) return first + text;
  const body = wrapAnsi(text, Math.max(MIN_WIDTH - indent.length, width - indent.length), { hard: false, trim: true });
  const lines = body.split('\n');
  return [first + lines[0], ...lines.slice(1).map((l) => indent + l)].join('\n');
}
