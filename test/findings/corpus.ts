/** Corpus captures for the finding tests (see test/helpers/corpus.ts for where the corpus lives). */
import { capturePath } from '../helpers/corpus.js';

/** The path of a corpus capture; throws (a loud failure) when the corpus is there but the file is not. */
export function corpusCapture(name: string): string {
  const path = capturePath(name);
  if (path === null) throw new Error(`corpus capture ${name} is missing`);
  return path;
}
