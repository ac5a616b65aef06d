/** The built CLI spawned as a user runs it (`node dist/src/cli/main.js …`). */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const CLI = join(process.cwd(), 'dist', 'src', 'cli', 'main.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `env` is laid over this process's environment (undefined removes a variable). FORCE_COLOR and
 * NO_COLOR are removed unless given, so that a developer's shell cannot colour the output under test.
 */
export function runCli(args: readonly string[], input?: Uint8Array, env: Record<string, string | undefined> = {}): Promise<CliRun> {
  const { FORCE_COLOR: _force, NO_COLOR: _no, ...inherited } = process.env;
  const childEnv = Object.fromEntries(Object.entries({ ...inherited, ...env }).filter(([, v]) => v !== undefined));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], env: childEnv });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (input !== undefined) child.stdin!.end(input);
  });
}
