/*
 * `otel-llm-relay probe` end to end, from the compiled dist/cli.js (`npm test` builds it first):
 * it serves /metrics with the probe's results, keeps the key to itself, and stops on SIGTERM.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelaySimulator, type RelaySimulator } from '../../examples/relay-simulator/server.ts';
import { KIT, onPath, readYaml } from '../kit/kit-files.ts';
import { closedPort } from '../unit/probe/probe-test-kit';

const root = path.resolve(__dirname, '../..');
const cli = path.join(root, 'dist/cli.js');
const built = existsSync(cli);
if (!built) console.warn(`probe-cli tests skipped: ${cli} is missing; build it with: npx tsc -p tsconfig.build.json`);

const KEY = 'sk-cli-probe-key-do-not-print-31337';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  await new Promise(r => server.close(r));
  return typeof address === 'object' && address ? address.port : 0;
}

interface RunningCli {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

function startCli(args: string[], env: Record<string, string> = {}): RunningCli {
  const child = spawn(process.execPath, [cli, ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', chunk => (output += chunk));
  child.stderr!.on('data', chunk => (output += chunk));
  const exited = new Promise<number | null>(resolve => child.on('close', code => resolve(code)));
  return { child, output: () => output, exited };
}

/** Scrapes until every pattern shows up (the first probes run within a second of start). */
async function scrapeUntil(port: number, patterns: RegExp[], timeoutMs = 8000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      last = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      if (patterns.every(p => p.test(last))) return last;
    } catch {
      // not listening yet
    }
    await new Promise(r => setTimeout(r, 100));
  }
  throw new Error(`/metrics never matched ${patterns.join(' and ')}:\n${last}`);
}

/** `localhost` may be ::1 rather than 127.0.0.1 on some machines. */
async function scrapeLocalhost(port: number): Promise<string> {
  return (await fetch(`http://localhost:${port}/metrics`)).text();
}

function runSync(args: string[]) {
  const result = spawnSync(process.execPath, [cli, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 15_000,
    env: { PATH: process.env.PATH ?? '' },
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

/**
 * `promtool test rules` with the kit's LlmRelayProbeDown rule (its annotations left out, so only
 * the expression, `for` and labels count) on the series this exposition shows: down for 10 minutes
 * fires, up stays quiet.
 */
function probeDownAlert(exposition: string): { status: number | null; output: string } {
  const line = exposition.split('\n').find(l => l.startsWith('llm_relay_probe_up{'));
  if (!line) throw new Error('no llm_relay_probe_up series');
  const series = line.replace(/\} \S+$/, ',job="relay-probe",instance="probe:9464"}');
  const groups = (readYaml(KIT.alertRules) as { groups: { rules: Record<string, unknown>[] }[] }).groups;
  const rule = groups.flatMap(g => g.rules).find(r => r.alert === 'LlmRelayProbeDown');
  if (!rule) throw new Error('LlmRelayProbeDown is not in the kit');
  const dir = mkdtempSync(path.join(tmpdir(), 'probe-alert-'));
  try {
    // JSON is YAML: no serializer needed.
    writeFileSync(
      path.join(dir, 'rules.yml'),
      JSON.stringify({
        groups: [
          { name: 'probe', rules: [{ alert: rule.alert, expr: rule.expr, for: rule.for, labels: rule.labels }] },
        ],
      }),
    );
    const expected = {
      ...(rule.labels as Record<string, string>),
      server_address: '127.0.0.1',
      llm_relay_probe_kind: 'models',
    };
    const test = (values: string, alerts: object[]) => ({
      interval: '1m',
      input_series: [{ series, values }],
      alert_rule_test: [{ eval_time: '10m', alertname: 'LlmRelayProbeDown', exp_alerts: alerts }],
    });
    writeFileSync(
      path.join(dir, 'test.yml'),
      JSON.stringify({
        rule_files: ['rules.yml'],
        evaluation_interval: '1m',
        tests: [test('0x15', [{ exp_labels: expected }]), test('1x15', [])],
      }),
    );
    const result = spawnSync('promtool', ['test', 'rules', 'test.yml'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 20_000,
    });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let sim: RelaySimulator;
beforeAll(async () => {
  sim = await startRelaySimulator({ requireKey: KEY });
});
afterAll(async () => {
  await sim.close();
});

describe.skipIf(!built)('otel-llm-relay probe (dist/cli.js)', () => {
  it("serves llm_relay_probe_up 1 for both probes, with the chat probe's GenAI metrics, and stops on SIGTERM", async () => {
    const port = await freePort();
    const run = startCli(
      [
        'probe',
        '--base-url',
        `${sim.url}/v1`,
        '--api-key-env',
        'RELAY_KEY',
        '--chat-model',
        'gpt-4.1-nano',
        '--port',
        String(port),
        '--host',
        '127.0.0.1',
      ],
      { RELAY_KEY: KEY },
    );
    try {
      const labels = `server_address="127.0.0.1",server_port="${sim.port}"`;
      const text = await scrapeUntil(port, [
        /llm_relay_probe_up\{[^}]*"chat"[^}]*\} 1/,
        /llm_relay_probe_up\{[^}]*"models"[^}]*\} 1/,
      ]);
      expect(text).toMatch(new RegExp(`llm_relay_probe_up\\{${labels},llm_relay_probe_kind="models"[^}]*\\} 1\\n`));
      expect(text).toMatch(/llm_relay_probe_duration_count\{[^}]*llm_relay_probe_kind="models"[^}]*\} 1/);
      expect(text).toMatch(/llm_relay_probe_last_success\{[^}]*llm_relay_probe_kind="models"[^}]*\} \d{10}/);
      // Label order in the exposition carries no meaning: look for both labels on one series.
      expect(text).toMatch(
        /llm_relay_rate_limit_remaining\{(?=[^}]*llm_relay_rate_limit_kind="requests")(?=[^}]*llm_relay_probe="models")[^}]*\}/,
      );
      expect(text).toMatch(
        /gen_ai_client_operation_duration_count\{[^}]*gen_ai_request_model="gpt-4.1-nano"[^}]*llm_relay_probe="chat"[^}]*\} 1/,
      );
      expect(text).toMatch(/llm_relay_cost_usd_total\{[^}]*llm_relay_probe="chat"/);
      expect(run.output()).toContain(`metrics at http://127.0.0.1:${port}/metrics`);

      run.child.kill('SIGTERM');
      const code = await Promise.race([run.exited, new Promise(r => setTimeout(() => r('still running'), 5000))]);
      expect(code).toBe(0);
      expect(text + run.output()).not.toContain(KEY);
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it("reports a relay with nothing listening as down, and the kit's LlmRelayProbeDown alert fires from that data", async () => {
    const port = await freePort();
    const relayPort = await closedPort();
    const run = startCli([
      'probe',
      '--base-url',
      `http://127.0.0.1:${relayPort}`,
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
    ]);
    try {
      const text = await scrapeUntil(port, [/llm_relay_probe_up\{/]);
      expect(text).toMatch(/llm_relay_probe_up\{[^}]*llm_relay_probe_kind="models"[^}]*\} 0/);
      expect(text).toMatch(
        /llm_relay_probe_duration_count\{[^}]*llm_relay_probe_kind="models",error_type="ECONNREFUSED"/,
      );
      expect(run.output()).toMatch(/the models probe of http:\/\/127\.0\.0\.1:\d+ fails: ECONNREFUSED/);
      if (onPath('promtool')) {
        const alert = probeDownAlert(text);
        expect(alert.output).toContain('SUCCESS');
        expect(alert.status).toBe(0);
      } else {
        console.warn('promtool not on PATH (scripts/install-prometheus.sh installs it): alert check skipped');
      }
    } finally {
      run.child.kill('SIGTERM');
      await run.exited;
    }
  });

  it('prints usage with --help, and exits 2 with a clear message on bad arguments', () => {
    const help = runSync(['probe', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^Usage: otel-llm-relay probe --base-url URL/);
    expect(runSync(['--help']).code).toBe(0);
    expect(runSync(['--version']).out.trim()).toMatch(/^\d+\.\d+\.\d+/);

    const none = runSync(['probe']);
    expect(none.code).toBe(2);
    expect(none.err).toContain('--base-url is required');
    const interval = runSync(['probe', '--base-url', 'http://127.0.0.1:1', '--interval', 'soon']);
    expect(interval.code).toBe(2);
    expect(interval.err).toContain('--interval: expected a number, got "soon"');
    const unknown = runSync(['probe', '--base-url', 'http://127.0.0.1:1', '--frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('--frobnicate');
    const command = runSync(['prob']);
    expect(command.code).toBe(2);
    expect(command.err).toContain('unknown command "prob"');
    const badUrl = runSync(['probe', '--base-url', 'relay.example.com']);
    expect(badUrl.code).toBe(2);
    expect(badUrl.err).toContain('not a valid absolute URL');
  });

  it('refuses a key given where the variable name belongs, without printing it', async () => {
    const result = runSync(['probe', '--base-url', sim.url, '--api-key-env', KEY, '--port', String(await freePort())]);
    expect(result.code).toBe(2);
    expect(result.err).toContain('the value given to --api-key-env is not a valid variable name');
    expect(result.out + result.err).not.toContain(KEY);
  });

  it('listens on localhost by default, as --help says; --host 0.0.0.0 or OTEL_EXPORTER_PROMETHEUS_HOST serves every interface', async () => {
    const help = runSync(['probe', '--help']).out;
    expect(help).toMatch(/--host HOST\s+address to listen on \(default localhost; 0\.0\.0\.0 for every interface\)/);
    expect(help).not.toContain('all interfaces');
    // 127.0.0.2 is this machine too, but not "localhost": only a server on every interface answers there.
    const linux = process.platform === 'linux';
    const scrape = (host: string, port: number) =>
      fetch(`http://${host}:${port}/metrics`).then(
        r => r.text(),
        () => undefined,
      );
    const cases: Array<[string[], Record<string, string>, boolean]> = [
      [[], {}, false],
      [['--host', '0.0.0.0'], {}, true],
      [[], { OTEL_EXPORTER_PROMETHEUS_HOST: '0.0.0.0' }, true],
    ];
    for (const [args, env, everyInterface] of cases) {
      const port = await freePort();
      // A key on the command line (here in the base URL) must not reach target_info either.
      const run = startCli(['probe', '--base-url', `${sim.url}/v1?key=${KEY}`, '--port', String(port), ...args], env);
      try {
        for (let i = 0; i < 100 && !run.output().includes('metrics at'); i++) await new Promise(r => setTimeout(r, 50));
        const text = await scrapeUntil(port, [/target_info\{/]).catch(() => scrapeLocalhost(port));
        expect(text).toMatch(/^target_info\{/m);
        expect(text).not.toContain(KEY);
        expect(text).not.toMatch(/process_command/);
        if (linux) expect(typeof (await scrape('127.0.0.2', port))).toBe(everyInterface ? 'string' : 'undefined');
        expect(run.output()).toContain(
          everyInterface ? 'every interface' : `metrics at http://localhost:${port}/metrics`,
        );
      } finally {
        run.child.kill('SIGTERM');
        await run.exited;
      }
    }
  });

  it('exits 1 when the metrics port is taken', async () => {
    const taken = createServer();
    await new Promise<void>(r => taken.listen(0, '127.0.0.1', r));
    const address = taken.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const result = runSync(['probe', '--base-url', sim.url, '--port', String(port), '--host', '127.0.0.1']);
      expect(result.code).toBe(1);
      expect(result.err).toContain(`cannot serve metrics on port ${port}: EADDRINUSE`);
    } finally {
      await new Promise(r => taken.close(r));
    }
  });
});
