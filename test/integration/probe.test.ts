/*
 * The relay probe against the simulated relay: up, down, slow, 401, 429 with Retry-After, recovery;
 * its metrics as a MeterProvider sees them, its diag lines, its schedule (hand-driven timers).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Histogram } from '@opentelemetry/sdk-metrics';
import { startRelaySimulator, type RelaySimulator } from '../../examples/relay-simulator/server.ts';
import { resolveProbeConfig } from '../../src/probe/probe-config';
import type { RelayProbeOptions, ResolvedProbeConfig } from '../../src/probe/probe-config';
import { createRelayProbe, RelayProbe } from '../../src/probe/relay-probe';
import type { RelayProbeDeps } from '../../src/probe/relay-probe';
import { CapturingDiag, closedPort, ManualTimers, metricsHarness, onePoint } from '../unit/probe/probe-test-kit';

const KEY = 'sk-probe-test-0123456789abcdef';
let sim: RelaySimulator;
/** Fault the next probe requests ask the simulator for (header `x-sim-fault`), with extra knobs. */
let knobs: Record<string, string> = {};

const knobFetch: typeof fetch = (input, init) =>
  fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...knobs } });

beforeAll(async () => {
  sim = await startRelaySimulator({ requireKey: KEY, rateLimits: { requests: 120, tokens: 90_000 } });
});
afterAll(async () => {
  await sim.close();
});

const probes: RelayProbe[] = [];
afterEach(() => {
  for (const probe of probes.splice(0)) probe.stop();
  knobs = {};
  sim.reset();
});

function config(
  options: Partial<RelayProbeOptions> = {},
  overrides: Partial<ResolvedProbeConfig> = {},
): ResolvedProbeConfig {
  const resolved = resolveProbeConfig(
    { baseUrl: sim.url, apiKeyEnv: 'RELAY_KEY', ...options },
    { RELAY_KEY: KEY },
    () => undefined,
  );
  if (!resolved) throw new Error('probe config did not resolve');
  return { ...resolved, ...overrides };
}

function makeProbe(cfg: ResolvedProbeConfig, deps: RelayProbeDeps = {}) {
  const metrics = metricsHarness();
  const diag = new CapturingDiag();
  const probe = new RelayProbe(cfg, metrics.meterProvider.getMeter('otel-llm-relay'), diag, {
    fetch: knobFetch,
    env: { RELAY_KEY: KEY },
    ...deps,
  });
  probes.push(probe);
  return { probe, metrics, diag };
}

const modelsLabels = () => ({
  'server.address': '127.0.0.1',
  'server.port': sim.port,
  'llm_relay.probe.kind': 'models',
});

describe('relay up', () => {
  it('records up=1, the latency and the last success time, and asks for the model list as the probe', async () => {
    const { probe, metrics } = makeProbe(config());
    const before = Date.now() / 1000;
    const result = await probe.runOnce('models');
    const after = Date.now() / 1000;
    expect(result).toMatchObject({ kind: 'models', up: true, status: 200, throttled: false, aborted: false });

    const m = await metrics.collect();
    expect(onePoint(m, 'llm_relay.probe.up', modelsLabels()).value).toBe(1);
    const duration = onePoint(m, 'llm_relay.probe.duration', modelsLabels());
    expect(duration.attributes).not.toHaveProperty('error.type');
    expect((duration.value as Histogram).count).toBe(1);
    expect((duration.value as Histogram).sum).toBeCloseTo(result.durationSeconds, 6);
    const lastSuccess = onePoint(m, 'llm_relay.probe.last_success', modelsLabels()).value as number;
    expect(lastSuccess).toBeGreaterThanOrEqual(before);
    expect(lastSuccess).toBeLessThanOrEqual(after);

    expect(sim.requests).toHaveLength(1);
    const request = sim.requests[0]!;
    expect(request.method).toBe('GET');
    expect(request.path).toBe('/v1/models');
    expect(request.headers['user-agent']).toMatch(/^otel-llm-relay-probe\//);
    expect(request.headers.authorization).toBe('REDACTED'); // sent (the simulator hides it), and accepted: 200
  });

  it('refreshes the rate-limit gauges from the model list answer, marked as probe data', async () => {
    const { probe, metrics } = makeProbe(config());
    await probe.runOnce('models');
    const m = await metrics.collect();
    const labels = {
      'server.address': '127.0.0.1',
      'server.port': sim.port,
      'llm_relay.probe': 'models',
      'llm_relay.rate_limit.kind': 'requests',
    };
    expect(onePoint(m, 'llm_relay.rate_limit.limit', labels).value).toBe(120);
    expect(onePoint(m, 'llm_relay.rate_limit.remaining', labels).value).toBe(120);
    expect(onePoint(m, 'llm_relay.rate_limit.limit', { ...labels, 'llm_relay.rate_limit.kind': 'tokens' }).value).toBe(
      90_000,
    );
  });

  it('measures how long the relay takes to answer', async () => {
    knobs = { 'x-sim-latency-ms': '150' };
    const { probe, metrics } = makeProbe(config());
    const result = await probe.runOnce('models');
    expect(result.up).toBe(true);
    expect(result.durationSeconds).toBeGreaterThanOrEqual(0.14);
    expect(result.durationSeconds).toBeLessThan(2);
    const duration = onePoint(await metrics.collect(), 'llm_relay.probe.duration', modelsLabels()).value as Histogram;
    expect(duration.sum).toBeGreaterThanOrEqual(0.14);
  });

  it('sends one request for concurrent probes of one kind', async () => {
    knobs = { 'x-sim-latency-ms': '100' };
    const { probe } = makeProbe(config());
    const [a, b] = await Promise.all([probe.runOnce('models'), probe.runOnce('models')]);
    expect(a).toBe(b);
    expect(sim.requests).toHaveLength(1);
    await probe.runOnce('models');
    expect(sim.requests).toHaveLength(2);
  });
});

describe('relay down', () => {
  it('records up=0 with error.type ECONNREFUSED when nothing listens, and warns once', async () => {
    const port = await closedPort();
    const { probe, metrics, diag } = makeProbe(config({ baseUrl: `http://127.0.0.1:${port}/v1` }));
    const first = await probe.runOnce('models');
    await probe.runOnce('models');
    expect(first).toMatchObject({ up: false, errorType: 'ECONNREFUSED', throttled: false });
    const m = await metrics.collect();
    const labels = { 'server.address': '127.0.0.1', 'server.port': port, 'llm_relay.probe.kind': 'models' };
    expect(onePoint(m, 'llm_relay.probe.up', labels).value).toBe(0);
    expect(
      (onePoint(m, 'llm_relay.probe.duration', { ...labels, 'error.type': 'ECONNREFUSED' }).value as Histogram).count,
    ).toBe(2);
    expect(m.some(x => x.descriptor.name === 'llm_relay.probe.last_success' && x.dataPoints.length > 0)).toBe(false);
    expect(diag.lines.filter(l => l.level === 'warn')).toEqual([
      { level: 'warn', text: `relay probe: the models probe of http://127.0.0.1:${port}/v1 fails: ECONNREFUSED` },
    ]);
  });

  it('gives up on a relay that does not answer within the timeout: error.type timeout', async () => {
    knobs = { 'x-sim-fault': 'hang' };
    const { probe, metrics } = makeProbe(config({}, { timeoutMs: 300 }));
    const started = performance.now();
    const result = await probe.runOnce('models');
    const took = performance.now() - started;
    expect(result).toMatchObject({ up: false, errorType: 'timeout', aborted: false });
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(3000);
    const m = await metrics.collect();
    expect(onePoint(m, 'llm_relay.probe.up', modelsLabels()).value).toBe(0);
    expect(
      (onePoint(m, 'llm_relay.probe.duration', { ...modelsLabels(), 'error.type': 'timeout' }).value as Histogram)
        .count,
    ).toBe(1);
  });

  it('times out on a relay that answers too slowly', async () => {
    knobs = { 'x-sim-fault': 'slow', 'x-sim-slow-ms': '2000' };
    const { probe } = makeProbe(config({}, { timeoutMs: 250 }));
    expect(await probe.runOnce('models')).toMatchObject({ up: false, errorType: 'timeout' });
  });

  it('counts a server error as down, with its status as error.type', async () => {
    knobs = { 'x-sim-fault': '503', 'x-sim-retry-after': '7' };
    const { probe, metrics } = makeProbe(config());
    const result = await probe.runOnce('models');
    expect(result).toMatchObject({ up: false, status: 503, errorType: '503', retryAfterMs: 7000, throttled: true });
    expect(onePoint(await metrics.collect(), 'llm_relay.probe.up', modelsLabels()).value).toBe(0);
  });
});

describe('a bad key (401)', () => {
  it('is down with error.type 401, and the key appears in no metric, diag line or result', async () => {
    const wrongKey = 'sk-wrong-key-must-never-show-up-42';
    const { probe, metrics, diag } = makeProbe(config(), { env: { RELAY_KEY: wrongKey } });
    const result = await probe.runOnce('models');
    expect(result).toMatchObject({ up: false, status: 401, errorType: '401' });

    const m = await metrics.collect();
    expect(onePoint(m, 'llm_relay.probe.up', modelsLabels()).value).toBe(0);
    expect(onePoint(m, 'llm_relay.probe.duration', { ...modelsLabels(), 'error.type': '401' })).toBeDefined();
    expect(diag.text()).toContain('fails: 401 (check the key in RELAY_KEY)');

    const everything = JSON.stringify(m) + diag.text() + JSON.stringify(result) + JSON.stringify(config());
    expect(everything).not.toContain(wrongKey);
    expect(everything).not.toContain(KEY);
    expect(everything).not.toContain('Bearer');
  });

  it('reads the key at each request: a fixed key brings the probe back up', async () => {
    const env: Record<string, string> = { RELAY_KEY: 'sk-stale' };
    const { probe, diag } = makeProbe(config(), { env });
    expect((await probe.runOnce('models')).up).toBe(false);
    env.RELAY_KEY = KEY;
    expect((await probe.runOnce('models')).up).toBe(true);
    expect(diag.text()).toMatch(/succeeds again/);
  });

  it('names no variable that looks like a key in its 401 hint', async () => {
    const keyLike = 'Sk0LiveSecret0123456789abcdefGHIJ';
    const { probe, diag } = makeProbe(config({ apiKeyEnv: keyLike }), { env: {} });
    expect((await probe.runOnce('models')).errorType).toBe('401');
    expect(diag.text()).toContain('fails: 401 (check the key in the variable named by apiKeyEnv)');
    expect(diag.text()).not.toContain(keyLike);
  });

  it('says so when no key was named at all', async () => {
    const { probe, diag } = makeProbe(config({ apiKeyEnv: undefined }), { env: {} });
    expect((await probe.runOnce('models')).errorType).toBe('401');
    expect(diag.text()).toContain('(no API key: name the variable that holds it with apiKeyEnv)');
  });
});

describe('schedule', () => {
  it('first probes within a second of start(), then every interval ±10%', async () => {
    const timers = new ManualTimers();
    const { probe } = makeProbe(config({}, { intervalMs: 20_000 }), { timers });
    probe.start();
    probe.start(); // idempotent
    expect(timers.pending).toHaveLength(1);
    expect(timers.pending[0]!.ms).toBeLessThan(1000);
    for (let i = 0; i < 3; i++) {
      const next = await timers.fireAndWaitForNext();
      expect(next).toBeGreaterThanOrEqual(18_000);
      expect(next).toBeLessThanOrEqual(22_000);
    }
    expect(sim.requests).toHaveLength(3);
    expect(timers.pending).toHaveLength(1);
  });

  it('backs off on 429 with Retry-After, doubles on the next 429, and returns to the interval on recovery', async () => {
    const timers = new ManualTimers();
    const { probe, metrics, diag } = makeProbe(config({}, { intervalMs: 20_000 }), { timers });
    probe.start();
    knobs = { 'x-sim-fault': '429', 'x-sim-retry-after': '45' };
    const first = await timers.fireAndWaitForNext();
    expect(first).toBeGreaterThanOrEqual(45_000);
    expect(first).toBeLessThanOrEqual(45_000 * 1.1);
    const second = await timers.fireAndWaitForNext();
    expect(second).toBeGreaterThanOrEqual(90_000);
    expect(second).toBeLessThanOrEqual(90_000 * 1.1);
    const m = await metrics.collect();
    expect(onePoint(m, 'llm_relay.probe.up', modelsLabels()).value).toBe(0);
    expect(
      (onePoint(m, 'llm_relay.probe.duration', { ...modelsLabels(), 'error.type': '429' }).value as Histogram).count,
    ).toBe(2);
    // The 429 said no request is left: the gauge says so too.
    expect(onePoint(m, 'llm_relay.rate_limit.remaining', { 'llm_relay.rate_limit.kind': 'requests' }).value).toBe(0);

    knobs = {};
    const recovered = await timers.fireAndWaitForNext();
    expect(recovered).toBeGreaterThanOrEqual(18_000);
    expect(recovered).toBeLessThanOrEqual(22_000);
    expect(onePoint(await metrics.collect(), 'llm_relay.probe.up', modelsLabels()).value).toBe(1);
    expect(diag.lines.map(l => `${l.level}: ${l.text}`)).toEqual([
      `warn: relay probe: the models probe of ${sim.url} fails: 429`,
      expect.stringMatching(
        new RegExp(`^info: relay probe: the models probe of ${sim.url} succeeds again \\(\\d+ ms\\)$`),
      ),
    ]);
  });

  it('backs off on a 429 without Retry-After too', async () => {
    const timers = new ManualTimers();
    // Without the header the simulator still sends retry-after: 0 asks for no wait of its own.
    knobs = { 'x-sim-fault': '429', 'x-sim-retry-after': '0' };
    const { probe } = makeProbe(config({}, { intervalMs: 20_000 }), { timers });
    probe.start();
    const delays = [
      await timers.fireAndWaitForNext(),
      await timers.fireAndWaitForNext(),
      await timers.fireAndWaitForNext(),
    ];
    expect(delays[0]).toBeGreaterThanOrEqual(20_000);
    expect(delays[1]).toBeGreaterThanOrEqual(40_000);
    expect(delays[2]).toBeGreaterThanOrEqual(80_000);
  });

  it('probes the chat path on its own schedule when a chat model is set', async () => {
    const timers = new ManualTimers();
    const { probe } = makeProbe(config({ chatModel: 'gpt-4.1-nano' }), { timers });
    expect(probe.kinds).toEqual(['models', 'chat']);
    probe.start();
    expect(timers.pending).toHaveLength(2);
    await timers.fireAndWaitForNext();
    await timers.fireAndWaitForNext();
    const paths = sim.requests.map(r => `${r.method} ${r.path}`).sort();
    expect(paths).toEqual(['GET /v1/models', 'POST /v1/chat/completions']);
    const chat = JSON.parse(sim.requests.find(r => r.method === 'POST')!.body);
    expect(chat).toEqual({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'ping' }], max_tokens: 1 });
  });

  it('stop() cancels the timers and aborts a probe in flight, which records nothing', async () => {
    const timers = new ManualTimers();
    knobs = { 'x-sim-fault': 'hang' };
    const { probe, metrics } = makeProbe(config(), { timers });
    probe.start();
    const timer = timers.pending.shift()!;
    timer.callback(); // the probe is now in flight against a relay that never answers
    const inFlight = probe.runOnce('models');
    await new Promise(r => setTimeout(r, 100));
    const started = performance.now();
    probe.stop();
    const result = await inFlight;
    expect(performance.now() - started).toBeLessThan(3000); // far below the 10 s timeout it would otherwise wait
    expect(result.aborted).toBe(true);
    expect(timers.pending).toHaveLength(0);
    await new Promise(r => setTimeout(r, 50));
    expect(timers.pending).toHaveLength(0); // the aborted probe scheduled nothing
    const m = await metrics.collect();
    expect(m.filter(x => x.dataPoints.length > 0).map(x => x.descriptor.name)).toEqual([]);
    expect(probe.running).toBe(false);
  });
});

describe('recovery after the relay was down', () => {
  it('goes 1 → 0 → 1 as the relay stops and comes back on its port, one diag line per change', async () => {
    const relay = await startRelaySimulator();
    const port = relay.port;
    const { probe, metrics, diag } = makeProbe(config({ baseUrl: relay.url }));
    const up = () => metrics.collect().then(m => onePoint(m, 'llm_relay.probe.up', { 'server.port': port }).value);
    try {
      await probe.runOnce('models');
      expect(await up()).toBe(1);
      await relay.close();
      await probe.runOnce('models');
      await probe.runOnce('models');
      expect(await up()).toBe(0);
      const back = await startRelaySimulator({ port });
      try {
        await probe.runOnce('models');
        expect(await up()).toBe(1);
      } finally {
        await back.close();
      }
    } finally {
      await relay.close();
    }
    expect(diag.lines.map(l => l.level)).toEqual(['info', 'warn', 'info']);
    expect(diag.lines[1]!.text).toMatch(/fails: (ECONNREFUSED|ECONNRESET|UND_ERR_SOCKET)$/);
    expect(diag.lines[2]!.text).toMatch(/succeeds again/);
  });
});

describe('never holds the process', () => {
  it("leaves no ref'd timer behind after start()", () => {
    const { probe } = makeProbe(config());
    const timeouts = () => process.getActiveResourcesInfo().filter(r => r === 'Timeout').length;
    const before = timeouts();
    probe.start();
    expect(timeouts()).toBe(before);
    probe.stop();
  });
});

describe('createRelayProbe', () => {
  it('is undefined while the probe is off, and probes what the environment names otherwise', async () => {
    const metrics = metricsHarness();
    const diag = new CapturingDiag();
    const meter = metrics.meterProvider.getMeter('otel-llm-relay');
    expect(createRelayProbe(undefined, {}, meter, diag)).toBeUndefined();
    expect(createRelayProbe(false, { OTEL_LLM_RELAY_PROBE_URL: sim.url }, meter, diag)).toBeUndefined();
    const probe = createRelayProbe(
      undefined,
      { OTEL_LLM_RELAY_PROBE_URL: sim.url, OTEL_LLM_RELAY_PROBE_INTERVAL: '5' },
      meter,
      diag,
    )!;
    expect(probe.kinds).toEqual(['models']);
    expect(diag.text()).toContain('warn: probe interval: 5 s is below the minimum, using 15 s');
    // No key named: the simulator (which wants one) says 401, recorded on the meter given.
    expect((await probe.runOnce('models')).errorType).toBe('401');
    expect(onePoint(await metrics.collect(), 'llm_relay.probe.up', modelsLabels()).value).toBe(0);
  });
});
