// `npm run demo` (its Node 22+ part): the support bot runs under the register hook against the
// simulated relay, and the per-model summary read back from /metrics covers all four models.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';

const root = resolve(__dirname, '../..');

it('prints a per-model summary with calls, latency, tokens and cost for the four models', async () => {
  if (!existsSync(resolve(root, 'dist/register.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  const output = await new Promise<{ code: number | null; stdout: string }>(done => {
    const child = spawn(process.execPath, ['examples/demo/run-demo.ts', '--duration', '6'], { cwd: root });
    let stdout = '';
    child.stdout.on('data', d => (stdout += d));
    child.stderr.on('data', d => (stdout += d));
    child.on('close', code => done({ code, stdout }));
  });
  expect(output.code, output.stdout).toBe(0);
  expect(output.stdout).toContain('sales peak');
  const rows = output.stdout.split('\n').filter(line => /^(deepseek-v3\.2|gemini-2\.5-flash|gpt-4\.1|claude-sonnet-4\.5)\s/.test(line));
  expect(rows).toHaveLength(4);
  // The bot picks models at random (half of the questions go to DeepSeek): a short run may miss the rarest.
  const withCalls = rows.filter(row => Number(row.trim().split(/\s+/)[1]) > 0);
  expect(withCalls.length, rows.join('\n')).toBeGreaterThanOrEqual(2);
  for (const row of withCalls) {
    const [, , , , p50, p95] = row.trim().split(/\s+/);
    expect(p50, row).toMatch(/^\d+(\.\d+)?s$/);
    expect(p95, row).toMatch(/^\d+(\.\d+)?s$/);
  }
  // Cost is the last column: priced models cost something.
  expect(rows.some(row => Number(row.trim().split(/\s+/).at(-1)) > 0)).toBe(true);
  // The probe's balance check read the simulated relay's billing routes.
  expect(output.stdout).toMatch(/Relay balance \(the probe's balance check.*\): \d+\.\d\d USD left of 20\.00 USD/);
  // No diag noise in front of the user.
  expect(output.stdout).not.toMatch(/Accessing resource attributes|Error:/);
}, 60_000);
