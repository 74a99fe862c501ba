/*
 * `otel-llm-relay probe --balance` end to end, from the compiled dist/cli.js: the balance gauges
 * under the Prometheus names the kit's rules and dashboard read, and nothing for a relay without
 * the billing routes, which stays up.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelaySimulator, type RelaySimulator } from '../../examples/relay-simulator/server.ts';

const root = path.resolve(__dirname, '../..');
const cli = path.join(root, 'dist/cli.js');
const built = existsSync(cli);
const KEY = 'sk-cli-balance-key-do-not-print-4242';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  await new Promise(r => server.close(r));
  return typeof address === 'object' && address ? address.port : 0;
}

/** Runs the probe CLI against `relay` until `patterns` show up on /metrics (and `said` in its output); returns both. */
async function scrapeProbe(
  relay: RelaySimulator,
  patterns: RegExp[],
  said = /./,
): Promise<{ text: string; output: string }> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [
      cli,
      'probe',
      '--base-url',
      `${relay.url}/v1`,
      '--api-key-env',
      'RELAY_KEY',
      '--balance',
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
    ],
    { cwd: root, env: { PATH: process.env.PATH ?? '', RELAY_KEY: KEY }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', chunk => (output += chunk));
  child.stderr!.on('data', chunk => (output += chunk));
  const exited = new Promise(resolve => child.on('close', resolve));
  try {
    const deadline = Date.now() + 10_000;
    let text = '';
    while (Date.now() < deadline) {
      try {
        text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        if (patterns.every(p => p.test(text)) && said.test(output)) return { text, output };
      } catch {
        // not listening yet
      }
      await new Promise(r => setTimeout(r, 100));
    }
    throw new Error(`/metrics never matched ${patterns.join(' and ')}:\n${text}\n${output}`);
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

let billed: RelaySimulator;
let unbilled: RelaySimulator;
beforeAll(async () => {
  billed = await startRelaySimulator({ requireKey: KEY, billing: { limitUsd: 42, spentUsd: 2.5 } });
  unbilled = await startRelaySimulator({ requireKey: KEY, billing: false });
});
afterAll(async () => {
  await billed.close();
  await unbilled.close();
});

describe.skipIf(!built)('otel-llm-relay probe --balance (dist/cli.js)', () => {
  it('serves llm_relay_balance_remaining_usd and llm_relay_balance_limit_usd with the relay labels', async () => {
    const labels = `server_address="127.0.0.1",server_port="${billed.port}"`;
    const { text, output } = await scrapeProbe(billed, [
      /llm_relay_balance_remaining_usd\{/,
      /llm_relay_balance_limit_usd\{/,
    ]);
    expect(text).toMatch(new RegExp(`^llm_relay_balance_remaining_usd\\{${labels}[^}]*\\} 39\\.5$`, 'm'));
    expect(text).toMatch(new RegExp(`^llm_relay_balance_limit_usd\\{${labels}[^}]*\\} 42$`, 'm'));
    expect(text).toMatch(/# TYPE llm_relay_balance_remaining_usd gauge/);
    expect(output).toContain('balance every 300 s');
    expect(`${text}${output}`).not.toContain(KEY);
  }, 20_000);

  it('says once that a relay without the billing routes has no balance, serves no balance gauge, and keeps it up', async () => {
    // The balance check runs within a second of start, like the models probe.
    const { text, output } = await scrapeProbe(
      unbilled,
      [/llm_relay_probe_up\{[^}]*"models"[^}]*\} 1/],
      /cannot be read/,
    );
    expect(text).not.toMatch(/^llm_relay_balance_/m);
    expect(output.match(/the balance of .* cannot be read \(404\)/g) ?? []).toHaveLength(1);
    expect(output).not.toContain(KEY);
  }, 20_000);
});
