/* A Node child process of the test's own Node, run to its end in the repository root. */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '../..');

export interface ChildRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node <args>` with the test's environment plus `env` (no colours); resolves when it exits. */
export function runNode(args: string[], env: Record<string, string>): Promise<ChildRun> {
  return new Promise(done => {
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: { ...process.env, ...env, FORCE_COLOR: '0' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', d => (stdout += d));
    child.stderr.on('data', d => (stderr += d));
    child.on('close', code => done({ code, stdout, stderr }));
  });
}
