/**
 * Colour for the terminal text: the severity tags of incidents and findings, the flag letters of the
 * connection table, and what went wrong in the HTTP lines. It is added to the finished text after
 * `printableText` has escaped every control character of it, so the only escape sequences that reach
 * the terminal are these; a capture string cannot bring its own. The patterns are anchored to the
 * shape of those lines (a numbered finding, a table row), so capture text elsewhere is never painted.
 */
import pc from 'picocolors';

type Colors = ReturnType<typeof pc.createColors>;

const set = (value: string | undefined): boolean => value !== undefined && value !== '';

/**
 * Whether to colour, decided once per run (README "Colour"): NO_COLOR with any non-empty value never
 * (no-color.org; it wins over FORCE_COLOR, as in picocolors); FORCE_COLOR forces it, except `0` and
 * `false`, which turn it off (Node's and supports-color's reading); else only on a terminal that is
 * not TERM=dumb.
 */
export function colourWanted(env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  if (set(env.NO_COLOR)) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force !== 'false';
  return isTTY && env.TERM !== 'dumb';
}

const FLAG_COLOUR: Record<string, (c: Colors, s: string) => string> = {
  R: (c, s) => c.red(c.bold(s)), Z: (c, s) => c.yellow(s), P: (c, s) => c.magenta(s), T: (c, s) => c.cyan(s), K: (c, s) => c.blue(s),
};

const SEVERITY_COLOUR: Record<string, (c: Colors, s: string) => string> = {
  CRITICAL: (c, s) => c.red(c.bold(s)), WARNING: (c, s) => c.yellow(c.bold(s)), info: (c, s) => c.cyan(s),
};

/** ` 3. [WARNING] …`: the tag right after a finding's or incident's number. */
const SEVERITY_TAG = /^( *\d+\. )\[(CRITICAL|WARNING|info)\]/;
/** A connection-table row: the id first, the final states `X/Y`, then the flag letters last. */
const TABLE_ROW = /^( *\d+  .*[A-Z_0-9?]+\/[A-Z_0-9?]+ +)([RZPTK?]+)$/;
/** An HTTP line's verdict (report/http-text.ts): `went wrong: …` up to the next `;`. */
const HTTP_WRONG = /^( {2}conn \d+ .*?)(went wrong: [^;]*)/;

function colourLine(line: string, c: Colors): string {
  const tag = SEVERITY_TAG.exec(line);
  if (tag !== null) return tag[1] + SEVERITY_COLOUR[tag[2]!]!(c, `[${tag[2]}]`) + line.slice(tag[0].length);
  const row = TABLE_ROW.exec(line);
  if (row !== null) return row[1] + [...row[2]!].map((f) => FLAG_COLOUR[f]?.(c, f) ?? f).join('');
  const http = HTTP_WRONG.exec(line);
  if (http !== null) return http[1] + c.red(http[2]!) + line.slice(http[0].length);
  return line;
}

/** `text` as it is when `enabled` is false (a pipe, a file, NO_COLOR). */
export function colourText(text: string, enabled: boolean): string {
  if (!enabled) return text;
  const c = pc.createColors(true);
  return text.split('\n').map((line) => colourLine(line, c)).join('\n');
}
