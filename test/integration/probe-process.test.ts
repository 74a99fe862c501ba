/*
 * A probe never keeps its process alive: an app that is done exits while its probe runs, and a
 * probe stuck on a relay that never answers delays the exit by its timeout at most.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelaySimulator, type RelaySimulator } from '../../examples/relay-simulator/server.ts';

const root = path.resolve(__dirname, '../..');
const hook = path.join(root, 'test/unit/probe/ts-require.cjs');

let sim: RelaySimulator;
let hanging: Server;
let hangingUrl = '';
beforeAll(async () => {
  sim = await startRelaySimulator();
  hanging = createServer(() => undefined); // accepts, never answers
  await new Promise<void>(r => hanging.listen(0, '127.0.0.1', r));
  hangingUrl = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`;
});
afterAll(async () => {
  hanging.closeAllConnections();
  await new Promise(r => hanging.close(r));
  await sim.close();
});

/** An "app" that starts a probe (interval 200 ms), works for `appMs`, and then has nothing left to do. */
function childScript(baseUrl: string, appMs: number, timeoutMs: number): string {
  return `
    const { resolveProbeConfig } = require('./src/probe/probe-config');
    const { RelayProbe } = require('./src/probe/relay-probe');
    const { metrics } = require('@opentelemetry/api');
    const say = message => process.stdout.write(message + '\\n');
    const diag = { error: say, warn: say, info: say, debug() {}, verbose() {} };
    const config = { ...resolveProbeConfig({ baseUrl: ${JSON.stringify(baseUrl)} }, {}, say), intervalMs: 200, timeoutMs: ${timeoutMs} };
    const probe = new RelayProbe(config, metrics.getMeter('child'), diag);
    probe.start();
    const startedAt = Date.now();
    setTimeout(() => say('app done after ' + (Date.now() - startedAt) + ' ms'), ${appMs});
    process.on('exit', () => say('exit after ' + (Date.now() - startedAt) + ' ms'));
  `;
}

interface ChildRun {
  code: number | null;
  output: string;
  wallMs: number;
}

function runChild(script: string, killAfterMs: number): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['-r', hook, '-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', chunk => (output += chunk));
    child.stderr.on('data', chunk => (output += chunk));
    const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('error', reject);
    child.on('close', code => {
      clearTimeout(killer);
      resolve({ code, output, wallMs: performance.now() - started });
    });
  });
}

const exitAfter = (output: string) => Number(/exit after (\d+) ms/.exec(output)?.[1] ?? NaN);

describe('the probe and the process lifetime', () => {
  it('lets the process exit once the app is done, though the probe is running', async () => {
    const run = await runChild(childScript(sim.url, 700, 5000), 8000);
    expect(run.output).toMatch(/the models probe of .* succeeds/);
    expect(run.output).toContain('app done after');
    expect(run.code).toBe(0);
    // The probe reschedules itself every ~200 ms: a timer that held the process would keep it forever.
    expect(exitAfter(run.output)).toBeLessThan(700 + 4000); // a held process would run until the 8 s kill
    expect(sim.requests.length).toBeGreaterThanOrEqual(1);
  });

  it('holds an exit back by at most the timeout while a probe waits for a relay that never answers', async () => {
    const run = await runChild(childScript(hangingUrl, 50, 1000), 8000);
    expect(run.code).toBe(0);
    expect(run.output).toContain('app done after');
    expect(exitAfter(run.output)).toBeLessThan(1000 + 4000);
  });
});
