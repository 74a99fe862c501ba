/*
 * The chat probe through the instrumentation: a normal GenAI span with cost, marked
 * llm_relay.probe=chat; the model-list probe leaves no span at all (not even an HTTP one).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { context, trace } from '@opentelemetry/api';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { startRelaySimulator, type RelaySimulator } from '../../examples/relay-simulator/server.ts';
import { resolveProbeConfig } from '../../src/probe/probe-config';
import { RelayProbe } from '../../src/probe/relay-probe';
import { metricTotal, setupOtel } from '../support/otel-harness';
import { CapturingDiag, metricsHarness, onePoint } from '../unit/probe/probe-test-kit';

const KEY = 'sk-chat-probe-key-9f8e7d6c5b4a';
const otel = setupOtel();
// An HTTP instrumentation as apps often have one: it must not see the model-list probe.
const undici = new UndiciInstrumentation();
undici.setTracerProvider(otel.tracerProvider);

let sim: RelaySimulator;
beforeAll(async () => {
  sim = await startRelaySimulator({ requireKey: KEY });
});
afterAll(async () => {
  undici.disable();
  await sim.close();
});

function chatProbe() {
  const config = resolveProbeConfig(
    { baseUrl: `${sim.url}/v1`, apiKeyEnv: 'RELAY_KEY', chatModel: 'gpt-4.1-nano' },
    { RELAY_KEY: KEY },
    () => undefined,
  )!;
  const metrics = metricsHarness();
  const diag = new CapturingDiag();
  const probe = new RelayProbe(config, metrics.meterProvider.getMeter('otel-llm-relay'), diag, {
    env: { RELAY_KEY: KEY },
  });
  return { probe, metrics, diag };
}

const undiciSpans = () =>
  otel.spanExporter.getFinishedSpans().filter(s => s.instrumentationScope.name.includes('undici'));

describe('chat probe', () => {
  it('becomes a GenAI span marked llm_relay.probe=chat, with its one output token and its cost', async () => {
    otel.reset();
    const { probe, metrics } = chatProbe();
    const result = await probe.runOnce('chat');
    expect(result).toMatchObject({ kind: 'chat', up: true, status: 200 });

    const [span] = await otel.waitForRelaySpans(1);
    expect(span!.name).toBe('chat gpt-4.1-nano');
    expect(span!.attributes).toMatchObject({
      'llm_relay.probe': 'chat',
      'gen_ai.request.model': 'gpt-4.1-nano',
      'gen_ai.request.max_tokens': 1,
      'gen_ai.usage.output_tokens': 1,
      'server.address': '127.0.0.1',
      'server.port': sim.port,
    });
    expect(span!.attributes['llm_relay.cost.usd']).toBeGreaterThan(0);
    // Started from the root context: its only parent is the HTTP span of instrumentation-undici, in a trace of its own.
    const http = undiciSpans().find(s => s.attributes['url.full'] === `${sim.url}/v1/chat/completions`);
    expect(http?.parentSpanContext).toBeUndefined();
    expect(span!.parentSpanContext?.spanId).toBe(http?.spanContext().spanId);

    const genAi = await otel.metrics();
    expect(metricTotal(genAi, 'gen_ai.client.operation.duration', { 'llm_relay.probe': 'chat' }, 'count')).toBe(1);
    expect(metricTotal(genAi, 'llm_relay.cost.usd', { 'llm_relay.probe': 'chat' })).toBeCloseTo(
      span!.attributes['llm_relay.cost.usd'] as number,
      12,
    );

    const m = await metrics.collect();
    const labels = { 'server.address': '127.0.0.1', 'server.port': sim.port, 'llm_relay.probe.kind': 'chat' };
    expect(onePoint(m, 'llm_relay.probe.up', labels).value).toBe(1);
  });

  it('starts from the root context, not inside whatever app span is active', async () => {
    otel.reset();
    const { probe } = chatProbe();
    const appSpan = otel.tracerProvider.getTracer('app').startSpan('app work');
    expect(trace.isSpanContextValid(appSpan.spanContext())).toBe(true);
    await context.with(trace.setSpan(context.active(), appSpan), () => probe.runOnce('chat'));
    appSpan.end();
    const [span] = await otel.waitForRelaySpans(1);
    expect(span!.spanContext().traceId).not.toBe(appSpan.spanContext().traceId);
  });

  it('never puts the API key on a span', async () => {
    otel.reset();
    const { probe } = chatProbe();
    await probe.runOnce('chat');
    await otel.waitForRelaySpans(1);
    const all = otel.spanExporter
      .getFinishedSpans()
      .map(s => ({ name: s.name, attributes: s.attributes, events: s.events }));
    expect(all.length).toBeGreaterThanOrEqual(2); // the GenAI span and the HTTP span of instrumentation-undici
    expect(JSON.stringify(all)).not.toContain(KEY);
  });
});

describe('model-list probe', () => {
  it("leaves no span, neither ours nor an HTTP instrumentation's", async () => {
    otel.reset();
    const { probe } = chatProbe();
    expect((await probe.runOnce('models')).up).toBe(true);
    // An app request right after: once its HTTP span is there, a probe span would be too.
    await fetch(`${sim.url}/v1/models`, { headers: { authorization: `Bearer ${KEY}`, 'user-agent': 'the-app' } }).then(
      r => r.arrayBuffer(),
    );
    const deadline = Date.now() + 2000;
    while (undiciSpans().length === 0 && Date.now() < deadline) await new Promise(r => setTimeout(r, 5));
    expect(undiciSpans().map(s => s.attributes['user_agent.original'])).toEqual(['the-app']);
    expect(otel.relaySpans()).toHaveLength(0);
    expect(sim.requests.filter(r => r.method === 'GET')).toHaveLength(2);
  });
});
