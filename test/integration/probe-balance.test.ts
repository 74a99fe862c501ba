/*
 * The probe's opt-in balance check against relays over real HTTP: the simulator's one-api style
 * billing routes (gauges with the relay's numbers, following what the calls spend), a relay without
 * them (404), one that answers its web page instead (200 HTML); and its slower schedule.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRelaySimulator, type RelaySimulator } from '../../examples/relay-simulator/server.ts';
import { BALANCE_INTERVAL_MS, resolveProbeConfig } from '../../src/probe/probe-config';
import type { RelayProbeOptions, ResolvedProbeConfig } from '../../src/probe/probe-config';
import { RelayProbe } from '../../src/probe/relay-probe';
import type { RelayProbeDeps } from '../../src/probe/relay-probe';
import { CapturingDiag, ManualTimers, metricsHarness, onePoint } from '../unit/probe/probe-test-kit';
import type { MetricsHarness } from '../unit/probe/probe-test-kit';
import type { DataPoint } from '@opentelemetry/sdk-metrics';

const KEY = 'sk-balance-test-0123456789abcdef';
/** 1 USD per token: each call visibly spends. */
const PRICE = 1_000_000;
let billed: RelaySimulator;
let unbilled: RelaySimulator;

beforeAll(async () => {
  billed = await startRelaySimulator({
    requireKey: KEY,
    billing: { limitUsd: 500, spentUsd: 20, usdPerMillionTokens: PRICE },
  });
  unbilled = await startRelaySimulator({ requireKey: KEY, billing: false });
});
afterAll(async () => {
  await billed.close();
  await unbilled.close();
});

const probes: RelayProbe[] = [];
afterEach(() => {
  for (const probe of probes.splice(0)) probe.stop();
  billed.reset();
  unbilled.reset();
});

function makeProbe(baseUrl: string, options: Partial<RelayProbeOptions> = {}, deps: RelayProbeDeps = {}) {
  const config: ResolvedProbeConfig | undefined = resolveProbeConfig(
    { baseUrl, apiKeyEnv: 'RELAY_KEY', balance: true, ...options },
    { RELAY_KEY: KEY },
    () => undefined,
  );
  if (!config) throw new Error('probe config did not resolve');
  const metrics = metricsHarness();
  const diag = new CapturingDiag();
  const probe = new RelayProbe(config, metrics.meterProvider.getMeter('otel-llm-relay'), diag, {
    env: { RELAY_KEY: KEY },
    ...deps,
  });
  probes.push(probe);
  return { probe, metrics, diag };
}

async function balancePoints(metrics: MetricsHarness) {
  return (await metrics.collect())
    .filter(m => m.descriptor.name.startsWith('llm_relay.balance.'))
    .flatMap(m => m.dataPoints as DataPoint<unknown>[]);
}

async function chat(sim: RelaySimulator): Promise<number> {
  const res = await fetch(`${sim.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
    body: JSON.stringify({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'How much is left?' }] }),
  });
  const body = (await res.json()) as { usage: { total_tokens: number } };
  return body.usage.total_tokens;
}

describe('a relay that answers the billing routes (one-api / new-api shapes)', () => {
  it('exports the remaining balance and the limit in USD, labelled with the relay, and follows what calls spend', async () => {
    const { probe, metrics, diag } = makeProbe(`${billed.url}/v1`);
    expect(await probe.checkBalance()).toEqual({ kind: 'balance', limitUsd: 500, remainingUsd: 480 });
    const labels = { 'server.address': '127.0.0.1', 'server.port': billed.port };
    let m = await metrics.collect();
    expect(onePoint(m, 'llm_relay.balance.remaining.usd', labels).value).toBe(480);
    expect(onePoint(m, 'llm_relay.balance.limit.usd', labels).value).toBe(500);
    expect(Object.keys(onePoint(m, 'llm_relay.balance.remaining.usd').attributes).sort()).toEqual([
      'server.address',
      'server.port',
    ]);

    // The requests: under the base URL's /v1, with the key (the simulator requires it), the dates asked for.
    expect(billed.requests.map(r => `${r.method} ${r.path.replace(/\?.*/, '')}`)).toEqual([
      'GET /v1/dashboard/billing/subscription',
      'GET /v1/dashboard/billing/usage',
    ]);
    expect(billed.requests[1]!.path).toMatch(/\?start_date=\d{4}-\d\d-\d\d&end_date=\d{4}-\d\d-\d\d$/);
    expect(billed.requests.every(r => r.headers.authorization === 'REDACTED' && r.response?.status === 200)).toBe(true);
    expect(billed.requests[0]!.headers['user-agent']).toMatch(/^otel-llm-relay-probe\//);

    const tokens = await chat(billed);
    expect(await probe.checkBalance()).toMatchObject({ kind: 'balance', remainingUsd: 480 - tokens });
    m = await metrics.collect();
    expect(onePoint(m, 'llm_relay.balance.remaining.usd', labels).value).toBeCloseTo(480 - tokens, 6);

    // One line for the first reading, none for the next; never the key.
    expect(diag.lines).toEqual([
      {
        level: 'info',
        text: `relay probe: the balance of ${billed.url}/v1 is read from its billing routes (limit 500 USD)`,
      },
    ]);
    expect(diag.text()).not.toContain(KEY);
  });

  it('finds the routes under /v1 when the base URL has no version, like the model list', async () => {
    const { probe } = makeProbe(billed.url);
    expect((await probe.checkBalance()).kind).toBe('balance');
    expect(billed.requests[0]!.path).toBe('/v1/dashboard/billing/subscription');
  });

  it('runs on its own slower schedule: first within a second of start, then every 5 minutes', async () => {
    const timers = new ManualTimers();
    const { probe } = makeProbe(`${billed.url}/v1`, {}, { timers });
    probe.start();
    // The models probe's timer, then the balance check's.
    expect(timers.pending).toHaveLength(2);
    expect(timers.pending.every(t => t.ms < 1000)).toBe(true);
    const balanceTimer = timers.pending.splice(1, 1)[0]!;
    const asked = timers.requested.length;
    balanceTimer.callback();
    for (const deadline = Date.now() + 5000; timers.requested.length === asked && Date.now() < deadline;)
      await new Promise(r => setTimeout(r, 5));
    const next = timers.requested.at(-1)!;
    expect(next).toBeGreaterThanOrEqual(BALANCE_INTERVAL_MS * 0.9);
    expect(next).toBeLessThanOrEqual(BALANCE_INTERVAL_MS * 1.1);
    expect(billed.requests.map(r => r.path.replace(/\?.*/, ''))).toEqual([
      '/v1/dashboard/billing/subscription',
      '/v1/dashboard/billing/usage',
    ]);
    probe.stop();
    expect(timers.pending).toHaveLength(0);
  });

  it('backs off after a 429 on the billing routes, up to 10 minutes, and back to 5 after an answer', async () => {
    billed.setScenario({ pathFaults: { '/dashboard/billing/subscription': '429' } });
    const timers = new ManualTimers();
    const { probe, metrics } = makeProbe(`${billed.url}/v1`, {}, { timers });
    probe.start();
    timers.pending.splice(0, 1); // the models probe: not under test here
    const fire = async () => {
      const timer = timers.pending.shift()!;
      const asked = timers.requested.length;
      timer.callback();
      for (const deadline = Date.now() + 5000; timers.requested.length === asked && Date.now() < deadline;)
        await new Promise(r => setTimeout(r, 5));
      return timers.requested.at(-1)!;
    };
    const first = await fire();
    expect(first).toBeGreaterThanOrEqual(BALANCE_INTERVAL_MS);
    expect(first).toBeLessThanOrEqual(BALANCE_INTERVAL_MS * 1.1);
    expect(await fire()).toBe(2 * BALANCE_INTERVAL_MS);
    expect(await balancePoints(metrics)).toEqual([]);
    billed.setScenario({});
    const recovered = await fire();
    expect(recovered).toBeLessThanOrEqual(BALANCE_INTERVAL_MS * 1.1);
    expect(await balancePoints(metrics)).toHaveLength(2);
  });

  it('keeps the last reading when the usage route starts failing, and says so once', async () => {
    const { probe, metrics, diag } = makeProbe(`${billed.url}/v1`);
    await probe.checkBalance();
    billed.setScenario({ pathFaults: { '/dashboard/billing/usage': '503' } });
    expect(await probe.checkBalance()).toMatchObject({ kind: 'failed', reason: '503' });
    expect(await probe.checkBalance()).toMatchObject({ kind: 'failed', reason: '503' });
    const labels = { 'server.address': '127.0.0.1', 'server.port': billed.port };
    expect(onePoint(await metrics.collect(), 'llm_relay.balance.remaining.usd', labels).value).toBe(480);
    expect(diag.lines.map(l => l.level)).toEqual(['info', 'warn']);
    expect(diag.lines[1]!.text).toContain('cannot be read (503)');
  });

  it('is off unless asked for: no billing request', async () => {
    const timers = new ManualTimers();
    const { probe } = makeProbe(`${billed.url}/v1`, { balance: false }, { timers });
    probe.start();
    expect(timers.pending).toHaveLength(1);
    expect(await probe.checkBalance()).toMatchObject({ kind: 'failed', reason: 'not_configured' });
    expect(billed.requests).toHaveLength(0);
  });
});

describe('a relay without the billing routes', () => {
  it('answers 404: one diag line, no balance gauges, and the relay stays up', async () => {
    const { probe, metrics, diag } = makeProbe(`${unbilled.url}/v1`);
    expect(await probe.checkBalance()).toEqual({ kind: 'failed', reason: '404', throttled: false });
    expect(await probe.checkBalance()).toMatchObject({ kind: 'failed', reason: '404' });
    expect(await probe.runOnce('models')).toMatchObject({ up: true, status: 200 });

    expect(await balancePoints(metrics)).toEqual([]);
    const labels = { 'server.address': '127.0.0.1', 'server.port': unbilled.port, 'llm_relay.probe.kind': 'models' };
    expect(onePoint(await metrics.collect(), 'llm_relay.probe.up', labels).value).toBe(1);
    // The usage route is not asked for when the subscription is missing.
    expect(unbilled.requests.map(r => r.path)).toEqual([
      '/v1/dashboard/billing/subscription',
      '/v1/dashboard/billing/subscription',
      '/v1/models',
    ]);
    expect(diag.lines.filter(l => l.text.includes('balance'))).toEqual([
      {
        level: 'warn',
        text:
          `relay probe: the balance of ${unbilled.url}/v1 cannot be read (404); no balance gauges until it can. ` +
          'Relays built on one-api / new-api answer GET …/dashboard/billing/subscription and …/usage.',
      },
    ]);
  });

  describe('a relay that answers every path with its web page', () => {
    let server: Server;
    let url = '';
    beforeAll(async () => {
      // one-api's own web UI answers unknown paths with index.html and status 200.
      server = createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<!doctype html><html><body><div id="root"></div></body></html>');
      });
      await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise(r => server.close(r));
    });

    it('is unreadable, said once, with no gauges', async () => {
      const { probe, metrics, diag } = makeProbe(url);
      expect(await probe.checkBalance()).toEqual({ kind: 'unreadable', reason: 'subscription: not a JSON object' });
      await probe.checkBalance();
      expect(await balancePoints(metrics)).toEqual([]);
      expect(diag.lines.filter(l => l.level === 'warn')).toHaveLength(1);
      expect(diag.lines[0]!.text).toContain('cannot be read (subscription: not a JSON object)');
    });
  });
});
