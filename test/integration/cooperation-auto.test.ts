/*
 * `node --import @opentelemetry/auto-instrumentations-node/register --import otel-llm-relay/register app`
 * (and the reverse order): two register hooks, so two NodeSDKs in one process. The first to start
 * owns the global providers; the second one's registrations fail (the API refuses duplicates) and
 * its instrumentations fall back to the globals. The app must not notice, and every relay call
 * must still give one GenAI span, one traceparent at the relay and one set of GenAI metric points.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { startRelaySimulator } from '../../examples/relay-simulator/server.ts';
import type { RecordedRequest, RelaySimulator } from '../../examples/relay-simulator/server.ts';
import { startOtlpReceiver } from '../support/otlp-receiver';
import type { ReceivedMetric, ReceivedSpan } from '../support/otlp-receiver';

const root = resolve(__dirname, '../..');
const APP = 'examples/zero-code/chat-app.mjs';
const AUTO = '@opentelemetry/auto-instrumentations-node/register';
const OURS = 'otel-llm-relay/register';
const UNDICI_SCOPE = '@opentelemetry/instrumentation-undici';
/** chat-app.mjs makes these two calls, in this order. */
const APP_CALLS = ['chat gpt-4.1', 'chat deepseek-v3.2'];
const W3C_TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  requests: RecordedRequest[];
  spans: ReceivedSpan[];
  metrics: ReceivedMetric[];
}

function spawnNode(args: string[], env: Record<string, string>): Promise<Pick<Run, 'code' | 'stdout' | 'stderr'>> {
  return new Promise(done => {
    const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env, FORCE_COLOR: '0' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', d => (stdout += d));
    child.stderr.on('data', d => (stderr += d));
    child.on('close', code => done({ code, stdout, stderr }));
  });
}

/** Runs the app under `hooks` against a fresh relay and OTLP receiver. */
async function runApp(hooks: string[]): Promise<Run> {
  const relay: RelaySimulator = await startRelaySimulator();
  const otlp = await startOtlpReceiver();
  try {
    const result = await spawnNode([...hooks.flatMap(h => ['--import', h]), APP], {
      RELAY_URL: relay.url,
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
      OTEL_SERVICE_NAME: 'cooperation-auto',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      // The default detectors include cloud metadata lookups that take seconds to time out here.
      OTEL_NODE_RESOURCE_DETECTORS: 'env,host,os,process',
      // The instrumentations that see an HTTP client app. With all ~40 enabled, their module hooks
      // make loading otel-llm-relay/register after them take ~5 s of CPU on a small machine.
      OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'undici,http,net,dns,runtime-node',
    });
    return { ...result, requests: [...relay.requests], spans: [...otlp.spans], metrics: [...otlp.metrics] };
  } finally {
    await relay.close();
    await otlp.close();
  }
}

/** Sum of the `count` (histograms) of a metric's points whose attributes include `match`. */
function pointCount(metrics: ReceivedMetric[], name: string, match: Record<string, unknown> = {}): number {
  return metrics
    .filter(m => m.name === name)
    .flatMap(m => m.points)
    .filter(p => Object.entries(match).every(([k, v]) => p.attributes[k] === v))
    .reduce((sum, p) => sum + (p.count ?? 0), 0);
}

function pointSum(metrics: ReceivedMetric[], name: string): number {
  return metrics
    .filter(m => m.name === name)
    .flatMap(m => m.points)
    .reduce((sum, p) => sum + p.value, 0);
}

let plainStdout = '';
beforeAll(async () => {
  if (!existsSync(resolve(root, 'dist/register.js'))) {
    throw new Error('dist/register.js is missing: build first with `npx tsc -p tsconfig.build.json` (npm test does)');
  }
  plainStdout = (await runApp([])).stdout;
  expect(plainStdout).toContain('chat:');
});

describe.each([
  ['auto-instrumentations first', [AUTO, OURS]],
  ['otel-llm-relay first', [OURS, AUTO]],
] as const)('--import %s', (order, hooks) => {
  let run: Run;
  beforeAll(async () => {
    run = await runApp([...hooks]);
  });

  it('leaves the app alone: exit code 0, same output', () => {
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(plainStdout);
  });

  it('one GenAI span per relay call, one W3C traceparent per request at the relay', () => {
    expect(run.requests).toHaveLength(APP_CALLS.length);
    const genAi = run.spans.filter(s => Object.keys(s.attributes).some(k => k.startsWith('gen_ai.')));
    expect(genAi.map(s => s.name)).toEqual(APP_CALLS);
    for (const span of genAi) {
      expect(span.scope).toBe('otel-llm-relay');
      expect(span.kind).toBe(3); // CLIENT
    }
    for (const request of run.requests) expect(request.headers['traceparent']).toMatch(W3C_TRACEPARENT);
    // The auto-instrumentations' undici instrumentation records the HTTP side of each call.
    expect(run.spans.filter(s => s.scope === UNDICI_SCOPE && s.name === 'POST')).toHaveLength(APP_CALLS.length);
  });

  it('GenAI metrics arrive exactly once per call (not doubled by the second SDK)', () => {
    expect(pointCount(run.metrics, 'gen_ai.client.operation.duration')).toBe(APP_CALLS.length);
    for (const model of ['gpt-4.1', 'deepseek-v3.2']) {
      expect(pointCount(run.metrics, 'gen_ai.client.operation.duration', { 'gen_ai.request.model': model })).toBe(1);
      for (const type of ['input', 'output']) {
        expect(
          pointCount(run.metrics, 'gen_ai.client.token.usage', {
            'gen_ai.request.model': model,
            'gen_ai.token.type': type,
          }),
        ).toBe(1);
      }
    }
    expect(pointCount(run.metrics, 'gen_ai.client.operation.time_to_first_chunk')).toBe(1);
    // The cost counter adds up to the spans' costs once, not twice.
    const spanCost = run.spans.reduce((sum, s) => sum + Number(s.attributes['llm_relay.cost.usd'] ?? 0), 0);
    expect(spanCost).toBeGreaterThan(0);
    expect(pointSum(run.metrics, 'llm_relay.cost.usd')).toBeCloseTo(spanCost, 12);
  });

  // The relay continues the trace named by the traceparent it received (the undici HTTP span's):
  // the GenAI span must be in that trace for the relay's spans and ours to meet.
  it('the GenAI span is in the trace the relay received, under the HTTP span', () => {
    // Whichever subscribed first, our span starts once the HTTP instrumentation's traceparent is in
    // the request's headers, and nests under that HTTP span.
    const genAi = run.spans.filter(s => s.scope === 'otel-llm-relay');
    run.requests.forEach((request, i) => {
      const [, traceId, spanId] = W3C_TRACEPARENT.exec(request.headers['traceparent'] ?? '') ?? [];
      expect(genAi[i]!.traceId).toBe(traceId);
      expect(genAi[i]!.parentSpanId).toBe(spanId);
    });
  });

  // When auto-instrumentations started its SDK first, our register hook joins it instead of starting
  // a second one. In the other order the second NodeSDK is auto-instrumentations' own: its
  // `setGlobal…` calls fail and it reports five "Attempted duplicate registration of API" errors
  // through the diag logger we installed (harmless for the data, see above). The README recommends
  // putting auto-instrumentations' hook first.
  const quiet = order === 'otel-llm-relay first' ? it.fails : it;
  quiet('starts without error output', () => {
    expect(run.stderr).not.toMatch(/duplicate registration/);
  });
});
