/*
 * The register hook against what an app's surroundings can do to it: a key on the app's command
 * line must not be exported, and a collector that never answers must not hold up its exit.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelaySimulator } from '../../examples/relay-simulator/server.ts';
import type { RelaySimulator } from '../../examples/relay-simulator/server.ts';
import { startOtlpReceiver } from '../support/otlp-receiver';
import type { OtlpReceiver } from '../support/otlp-receiver';

const root = resolve(__dirname, '../..');
const KEY = 'sk-test-CommandLine0123456789abcdef';
/** A long-running app that makes one relay call, then says so. */
const APP = `fetch(process.env.RELAY_URL + '/v1/chat/completions', {
  method: 'POST', headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'hi' }] }),
}).then(r => r.text()).then(() => console.log('up'));
setInterval(() => {}, 1000);`;

let relay: RelaySimulator;

beforeAll(async () => {
  if (!existsSync(resolve(root, 'dist/register.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  relay = await startRelaySimulator();
});
afterAll(async () => {
  await relay?.close();
});

function start(args: string[], env: Record<string, string>): ChildProcessWithoutNullStreams {
  const child = spawn(process.execPath, ['--import', './dist/register.js', ...args], {
    cwd: root,
    env: { ...process.env, RELAY_URL: relay.url, FORCE_COLOR: '0', ...env },
  });
  child.stderr.resume();
  return child;
}

function output(child: ChildProcessWithoutNullStreams, text: string): Promise<void> {
  return new Promise(done => {
    let seen = '';
    child.stdout.on('data', chunk => {
      seen += chunk;
      if (seen.includes(text)) done();
    });
  });
}

function exit(child: ChildProcessWithoutNullStreams): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise(done => child.on('exit', (code, signal) => done({ code, signal })));
}

function randomPort(): number {
  return 20000 + Math.floor(Math.random() * 20000);
}

describe('the app command line', () => {
  it('is not in target_info on /metrics (a key passed as --api-key=… stays on the host)', async () => {
    const port = randomPort();
    const child = start(['-e', APP, '--', `--api-key=${KEY}`], { OTEL_EXPORTER_PROMETHEUS_PORT: String(port) });
    const exited = exit(child);
    await output(child, 'up');
    let text = '';
    // Generous for a loaded machine: the endpoint serves once the resource has settled.
    for (const deadline = Date.now() + 20_000; Date.now() < deadline && !text.includes('target_info');) {
      text = await fetch(`http://localhost:${port}/metrics`).then(
        r => r.text(),
        () => '',
      );
      if (!text.includes('target_info')) await new Promise(r => setTimeout(r, 100));
    }
    child.kill('SIGTERM');
    await exited;
    const targetInfo = text.split('\n').find(line => line.startsWith('target_info{')) ?? '';
    expect(targetInfo).toContain('process_pid=');
    expect(targetInfo).toContain('process_runtime_name="nodejs"');
    expect(targetInfo).not.toMatch(/process_command/);
    expect(text).not.toContain(KEY);
    expect(text).not.toContain('sk-test');
  });

  it('is not in the OTLP resource of exported spans and metrics', async () => {
    const otlp: OtlpReceiver = await startOtlpReceiver();
    try {
      const child = spawn(
        process.execPath,
        ['--import', './dist/register.js', 'examples/zero-code/chat-app.mjs', `--api-key=${KEY}`],
        {
          cwd: root,
          env: {
            ...process.env,
            RELAY_URL: relay.url,
            OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
            OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
            OTEL_METRICS_EXPORTER: 'otlp',
          },
        },
      );
      child.stdout.resume();
      child.stderr.resume();
      expect((await exit(child)).code).toBe(0);
      expect(otlp.spans.length).toBeGreaterThan(0);
      expect(otlp.metrics.length).toBeGreaterThan(0);
      expect(otlp.resources.length).toBeGreaterThan(1);
      for (const resource of otlp.resources) {
        expect(resource['process.pid']).toBe(child.pid);
        expect(Object.keys(resource).filter(k => k.startsWith('process.command'))).toEqual([]);
        expect(JSON.stringify(resource)).not.toContain('sk-test');
      }
    } finally {
      await otlp.close();
    }
  });

  it('is exported when OTEL_NODE_RESOURCE_DETECTORS names the process detector', async () => {
    const port = randomPort();
    const child = start(['-e', APP, '--', '--verbose'], {
      OTEL_EXPORTER_PROMETHEUS_PORT: String(port),
      OTEL_NODE_RESOURCE_DETECTORS: 'env,host,os,process',
    });
    const exited = exit(child);
    await output(child, 'up');
    let text = '';
    // Generous for a loaded machine: the endpoint serves once the resource has settled.
    for (const deadline = Date.now() + 20_000; Date.now() < deadline && !text.includes('target_info');) {
      text = await fetch(`http://localhost:${port}/metrics`).then(
        r => r.text(),
        () => '',
      );
      if (!text.includes('target_info')) await new Promise(r => setTimeout(r, 100));
    }
    child.kill('SIGTERM');
    await exited;
    expect(text).toMatch(/^target_info\{.*process_command_args=.*--verbose/m);
  });
});

describe('a collector that accepts connections but never answers', () => {
  let silent: Server;
  let endpoint: string;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    silent = createServer(socket => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.resume();
    });
    await new Promise<void>(done => silent.listen(0, '127.0.0.1', done));
    endpoint = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise(done => silent.close(done));
  });

  const otlpEnv = () => ({
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '60000',
    OTEL_EXPORTER_PROMETHEUS_PORT: String(randomPort()),
  });

  // The exporter's own timeout is 10 s: without a bound of ours the app lives that long after SIGTERM.
  it('does not hold up SIGTERM for more than a few seconds', async () => {
    const child = start(['-e', APP], otlpEnv());
    const exited = exit(child);
    await output(child, 'up');
    const sentAt = performance.now();
    child.kill('SIGTERM');
    const { signal } = await exited;
    const seconds = (performance.now() - sentAt) / 1000;
    expect(signal).toBe('SIGTERM'); // as the app would have ended without us
    expect(seconds).toBeLessThan(6);
  });

  it('does not hold up an app that ends by itself for more than a few seconds', async () => {
    const child = start(['-e', `${APP.replace('setInterval(() => {}, 1000);', '')}; process.exitCode = 3;`], otlpEnv());
    const exited = exit(child);
    await output(child, 'up');
    const doneAt = performance.now();
    const { code } = await exited;
    const seconds = (performance.now() - doneAt) / 1000;
    expect(code).toBe(3); // the app's own exit code
    expect(seconds).toBeLessThan(6);
  });
});

describe.skipIf(process.platform === 'win32')('a pricing file that is no regular file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'otel-llm-relay-pricing-'));
  const fifo = join(dir, 'prices.json');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // Read as a file, a FIFO nobody writes to blocks start-up for ever and /dev/zero fills the memory.
  it.each([
    ['a FIFO nobody writes to', () => fifo],
    ['/dev/zero', () => '/dev/zero'],
  ])('%s: a diag error, and the app runs at once', async (_what, file) => {
    if (file() === fifo && !existsSync(fifo)) expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const child = spawn(process.execPath, ['--import', './dist/register.js', 'examples/zero-code/chat-app.mjs'], {
      cwd: root,
      env: {
        ...process.env,
        RELAY_URL: relay.url,
        OTEL_LLM_RELAY_PRICING: file(),
        OTEL_EXPORTER_PROMETHEUS_PORT: String(randomPort()),
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', d => (stdout += d));
    child.stderr.on('data', d => (stderr += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), 8000);
    const { code, signal } = await exit(child);
    clearTimeout(killer);
    expect(signal).toBeNull();
    expect(code).toBe(0);
    expect(stdout).toContain('chat:');
    expect(stderr).toContain(`pricing file ${file()}: is not a regular file`);
  });
});
