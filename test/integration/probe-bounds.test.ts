/*
 * Duration settings past what Node's timers hold (2^31-1 ms, ~24.8 days: a longer delay fires after
 * 1 ms) must not turn the probe into a flood of paid requests or report a healthy relay as down.
 * Real timers against the simulated relay.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRelaySimulator, type RelaySimulator } from '../../examples/relay-simulator/server.ts';
import { MAX_PROBE_INTERVAL_SECONDS, MAX_PROBE_TIMEOUT_MS, resolveProbeConfig } from '../../src/probe/probe-config';
import type { RelayProbeOptions } from '../../src/probe/probe-config';
import { createRelayProbe, RelayProbe } from '../../src/probe/relay-probe';
import { CapturingDiag, metricsHarness } from '../unit/probe/probe-test-kit';

let sim: RelaySimulator;
const probes: RelayProbe[] = [];

beforeAll(async () => {
  sim = await startRelaySimulator();
});
afterAll(async () => {
  await sim.close();
});
afterEach(() => {
  for (const probe of probes.splice(0)) probe.stop();
  sim.reset();
});

function probeFor(options: Partial<RelayProbeOptions>, env: Record<string, string> = {}) {
  const diag = new CapturingDiag();
  const probe = createRelayProbe(
    Object.keys(options).length > 0 ? { baseUrl: sim.url, ...options } : undefined,
    { OTEL_LLM_RELAY_PROBE_URL: sim.url, ...env },
    metricsHarness().meterProvider.getMeter('otel-llm-relay'),
    diag,
  );
  if (!probe) throw new Error('probe is off');
  probes.push(probe);
  return { probe, diag };
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

describe('a probe interval longer than a timer can hold', () => {
  it.each([
    ['the intervalSeconds option', { intervalSeconds: 3e9, chatModel: 'gpt-4.1-nano' }, {}],
    [
      'OTEL_LLM_RELAY_PROBE_INTERVAL',
      {},
      { OTEL_LLM_RELAY_PROBE_INTERVAL: '3e9', OTEL_LLM_RELAY_PROBE_CHAT_MODEL: 'gpt-4.1-nano' },
    ],
  ])('from %s sends one probe of each kind, not one every millisecond', async (_from, options, env) => {
    const { probe, diag } = probeFor(options, env);
    probe.start();
    await sleep(1500); // the first probes go within a second of start()
    expect(sim.requests.filter(r => r.path === '/v1/models')).toHaveLength(1);
    expect(sim.requests.filter(r => r.path === '/v1/chat/completions')).toHaveLength(1);
    const warnings = diag.lines.filter(l => l.level === 'warn' && l.text.includes('interval'));
    expect(warnings.map(l => l.text)).toEqual([
      `probe interval: 3000000000 s is above the maximum, using ${MAX_PROBE_INTERVAL_SECONDS} s`,
    ]);
  });
});

describe('a probe timeout longer than a timer can hold', () => {
  it('finds a healthy relay up, and says the timeout was lowered', async () => {
    const { probe, diag } = probeFor({ timeoutMs: 3e9 });
    const result = await probe.runOnce('models');
    expect(result).toMatchObject({ up: true, status: 200 });
    expect(diag.lines.filter(l => l.level === 'warn').map(l => l.text)).toEqual([
      `probe timeout: 3000000000 ms is above the maximum, using ${MAX_PROBE_TIMEOUT_MS} ms`,
    ]);
  });

  it('from OTEL_LLM_RELAY_PROBE_TIMEOUT_MS too', async () => {
    const { probe } = probeFor({}, { OTEL_LLM_RELAY_PROBE_TIMEOUT_MS: '3e9' });
    expect(await probe.runOnce('models')).toMatchObject({ up: true, status: 200 });
  });
});

describe('resolveProbeConfig', () => {
  it('keeps every delay the probe can wait within what a timer holds, jitter and backoff included', () => {
    const config = resolveProbeConfig(
      { baseUrl: sim.url, intervalSeconds: Number.MAX_SAFE_INTEGER, timeoutMs: Number.MAX_SAFE_INTEGER },
      {},
      () => undefined,
    )!;
    expect(config.intervalMs * 1.1 * 1.1).toBeLessThan(2 ** 31 - 1);
    expect(config.timeoutMs).toBeLessThan(2 ** 31 - 1);
  });
});
