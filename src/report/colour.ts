/**
 * Colour for the terminal text, added to the finished (already printable) text: severities and the
 * flag letters of the connection table. Whether to colour at all is the caller's decision
 * (`colourWanted`): a TTY, never with NO_COLOR, always with FORCE_COLOR.
 */
import pc from 'picocolors';

type Colors = ReturnType<typeof pc.createColors>;

/** NO_COLOR (any non-empty value, no-color.org) wins; FORCE_COLOR (not 0/false) forces; else only a terminal. */
export function colourWanted(env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  if ((env.NO_COLOR ?? '') !== '') return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force !== 'false';
  return isTTY && env.TERM !== 'dumb';
}

const FLAG_COLOUR: Record<string, (c: Colors, s: string) => string> = {
  R: (c, s) => c.red(c.bold(s)), Z: (c, s) => c.yellow(s), P: (c, s) => c.magenta(s), T: (c, s) => c.cyan(s), K: (c, s) => c.blue(s),
};

export function colourText(text: string, enabled: boolean): string {
  if (!enabled) return text;
  const c = pc.createColors(true);
  return text.split('\n').map((line) => {
    let out = line
      .replace(/\[CRITICAL\]/g, (s) => c.red(c.bold(s)))
      .replace(/\[WARNING\]/g, (s) => c.yellow(c.bold(s)))
      .replace(/\[info\]/g, (s) => c.cyan(s));
    // A connection-table row: id first, flag letters last.
    if (/^ *\d+  /.test(out)) out = out.replace(/(?<=\/[A-Z_0-9?]+ +)[RZPTK?]+$/, (flags) => [...flags].map((f) => FLAG_COLOUR[f]?.(c, f) ?? f).join(''));
    return out;
  }).join('\n');
}
