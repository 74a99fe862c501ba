/*
 * propagateContext (the traceparent the relay receives), idleTimeoutMs (a body that makes no
 * progress ends its span with error.type `timeout`), enabled:false / enable() / disable(), and the
 * numeric options' fallbacks. The relay simulator records the headers it received.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { context, diag, DiagLogLevel, propagation, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { MetricData } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { startRelaySimulator } from '../../examples/relay-simulator/server.ts';
import type { RelaySimulator } from '../../examples/relay-simulator/server.ts';
import { LlmRelayInstrumentation } from '../../src/index';
import type { LlmRelayInstrumentationConfig } from '../../src/index';
import { callsInFlight, TestMetricReader } from '../support/otel-harness';

// --- one instrumentation per test ------------------------------------------------------------------

interface Observer {
  instrumentation: LlmRelayInstrumentation;
  tracerProvider: TracerProvider;
  relaySpans(): ReadableSpan[];
  waitForSpans(count: number, timeoutMs?: number): Promise<ReadableSpan[]>;
  metrics(): Promise<MetricData[]>;
}

const started: LlmRelayInstrumentation[] = [];

function observe(config: LlmRelayInstrumentationConfig = {}): Observer {
  const exporter = new InMemorySpanExporter();
  const reader = new TestMetricReader();
  const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const instrumentation = new LlmRelayInstrumentation(config);
  instrumentation.setTracerProvider(tracerProvider);
  instrumentation.setMeterProvider(new MeterProvider({ readers: [reader] }));
  started.push(instrumentation);
  const relaySpans = () => exporter.getFinishedSpans().filter(s => s.instrumentationScope.name === 'otel-llm-relay');
  return {
    instrumentation,
    tracerProvider,
    relaySpans,
    async waitForSpans(count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (relaySpans().length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} relay spans, got ${relaySpans().length}`);
        await new Promise(r => setTimeout(r, 5));
      }
      return relaySpans();
    },
    async metrics() {
      const { resourceMetrics } = await reader.collect();
      return resourceMetrics.scopeMetrics.flatMap(s => s.metrics);
    },
  };
}

afterEach(() => {
  for (const instrumentation of started.splice(0)) instrumentation.disable();
});

let relay: RelaySimulator;
const logged: string[] = [];

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  relay = await startRelaySimulator({ outputTokens: 4, firstChunkDelayMs: 2, chunkDelayMs: 2 });
  diag.disable();
  diag.setLogger(
    {
      error: (...a: unknown[]) => void logged.push(a.map(String).join(' ')),
      warn: (...a: unknown[]) => void logged.push(a.map(String).join(' ')),
      info: () => {},
      debug: () => {},
      verbose: () => {},
    },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
});
afterAll(async () => {
  diag.disable();
  await relay.close();
});

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

function chatBody(extra: Record<string, unknown> = {}) {
  return JSON.stringify({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'Where is order 42?' }], ...extra });
}

async function chat(headers: Record<string, string> = {}, extra: Record<string, unknown> = {}): Promise<Response> {
  const response = await fetch(`${relay.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: chatBody(extra),
  });
  await response.arrayBuffer();
  return response;
}

// --- propagateContext --------------------------------------------------------------------------------

describe('propagateContext', () => {
  it("on by default: the relay receives the relay span as parent, in the caller's trace", async () => {
    const observer = observe();
    const appTracer = observer.tracerProvider.getTracer('app');
    const parent = appTracer.startSpan('handle order');
    await context.with(trace.setSpan(context.active(), parent), () => chat());
    parent.end();
    const [span] = await observer.waitForSpans(1);
    const header = relay.requests.at(-1)!.headers['traceparent'];
    const [, traceId, spanId, flags] = TRACEPARENT.exec(header ?? '') ?? [];
    expect(traceId).toBe(parent.spanContext().traceId);
    expect(span!.spanContext().traceId).toBe(parent.spanContext().traceId);
    expect(span!.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(spanId).toBe(span!.spanContext().spanId);
    expect(flags).toBe('01');
  });

  it('without an active span: a new trace whose root is the relay span', async () => {
    const observer = observe();
    await chat();
    const [span] = await observer.waitForSpans(1);
    const header = relay.requests.at(-1)!.headers['traceparent'];
    expect(header).toBe(`00-${span!.spanContext().traceId}-${span!.spanContext().spanId}-01`);
    expect(span!.parentSpanContext).toBeUndefined();
  });

  it('false: no traceparent reaches the relay; the span is still recorded', async () => {
    const observer = observe({ propagateContext: false });
    await chat();
    await observer.waitForSpans(1);
    expect(relay.requests.at(-1)!.headers['traceparent']).toBeUndefined();
  });

  it('a traceparent the app set itself is kept as the only one, and the span nests under it', async () => {
    const observer = observe();
    const own = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await chat({ traceparent: own });
    const [span] = await observer.waitForSpans(1);
    expect(relay.requests.at(-1)!.headers['traceparent']).toBe(own);
    expect(span!.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(span!.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
  });
});

// --- idleTimeoutMs -----------------------------------------------------------------------------------

describe('idleTimeoutMs', () => {
  it('a body that makes no progress and is never read: the span ends with error.type timeout after the idle time', async () => {
    const observer = observe({ idleTimeoutMs: 200 });
    const startedAt = performance.now();
    // Headers come at once; the first chunk would come after 5 s. The caller never reads the body.
    const response = await fetch(`${relay.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-sim-first-chunk-ms': '5000' },
      body: chatBody({ stream: true }),
    });
    expect(response.status).toBe(200);
    expect(callsInFlight(observer.instrumentation)).toBe(1);
    const [span] = await observer.waitForSpans(1, 3000);
    const waited = performance.now() - startedAt;
    expect(span!.attributes['error.type']).toBe('timeout');
    expect(span!.status.code).toBe(SpanStatusCode.ERROR);
    const spanMs = span!.duration[0] * 1000 + span!.duration[1] / 1e6;
    expect(spanMs).toBeGreaterThanOrEqual(200);
    expect(waited).toBeLessThan(2000);
    expect(callsInFlight(observer.instrumentation)).toBe(0);
    const duration = (await observer.metrics()).find(m => m.descriptor.name === 'gen_ai.client.operation.duration');
    expect(duration!.dataPoints.map(p => p.attributes['error.type'])).toEqual(['timeout']);
    await response.body?.cancel();
  });

  it('a stream that keeps making progress is not cut, however long it lasts', async () => {
    const observer = observe({ idleTimeoutMs: 300 });
    // 10 chunks 50 ms apart: about 500 ms in all, longer than the idle time, each gap far under it.
    await chat({ 'x-sim-chunk-delay-ms': '50', 'x-sim-output-tokens': '10' }, { stream: true });
    const [span] = await observer.waitForSpans(1);
    expect(span!.attributes['error.type']).toBeUndefined();
    expect(span!.attributes['gen_ai.response.finish_reasons']).toEqual(['stop']);
    const spanMs = span!.duration[0] * 1000 + span!.duration[1] / 1e6;
    expect(spanMs).toBeGreaterThan(400);
  });

  it('a small answer the caller never reads still ends normally: it is read from the wire, not from the caller', async () => {
    const observer = observe({ idleTimeoutMs: 200 });
    const response = await fetch(`${relay.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: chatBody(),
    });
    const [span] = await observer.waitForSpans(1);
    expect(span!.attributes['error.type']).toBeUndefined();
    expect(span!.attributes['gen_ai.usage.output_tokens']).toBe(relay.requests.at(-1)!.response!.outputTokens);
    expect(callsInFlight(observer.instrumentation)).toBe(0);
    await response.body?.cancel();
  });

  it('an unusable value falls back to the default with a warning', async () => {
    logged.length = 0;
    const observer = observe({ idleTimeoutMs: -5 });
    await chat();
    await observer.waitForSpans(1);
    expect(logged.filter(l => l.includes('idleTimeoutMs') && l.includes('-5'))).toHaveLength(1);
  });
});

// --- enabled / enable() / disable() -----------------------------------------------------------------

describe('enabled, enable() and disable()', () => {
  it('enabled: false observes nothing until enable()', async () => {
    const observer = observe({ enabled: false });
    await chat();
    await new Promise(r => setTimeout(r, 30));
    expect(observer.relaySpans()).toEqual([]);
    expect((await observer.metrics()).flatMap(m => m.dataPoints as unknown[])).toEqual([]);
    observer.instrumentation.enable();
    await chat();
    expect(await observer.waitForSpans(1)).toHaveLength(1);
  });

  it('after disable() no new call is observed: no span, no metric point', async () => {
    const observer = observe();
    await chat();
    await observer.waitForSpans(1);
    const before = await observer.metrics();
    observer.instrumentation.disable();
    await chat();
    await chat({}, { stream: true });
    await new Promise(r => setTimeout(r, 30));
    expect(observer.relaySpans()).toHaveLength(1);
    const after = await observer.metrics();
    const count = (metrics: MetricData[]) =>
      metrics.find(m => m.descriptor.name === 'gen_ai.client.operation.duration')!.dataPoints.length;
    expect(count(after)).toBe(count(before));
    expect(relay.requests.at(-1)!.headers['traceparent']).toBeUndefined();
  });

  it('a call in flight when disable() is called still ends its span (instrumentation.ts: "their spans still close")', async () => {
    const observer = observe();
    const response = await fetch(`${relay.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-sim-chunk-delay-ms': '20' },
      body: chatBody({ stream: true, stream_options: { include_usage: true } }),
    });
    expect(callsInFlight(observer.instrumentation)).toBe(1);
    observer.instrumentation.disable();
    await response.text();
    await new Promise(r => setTimeout(r, 100));
    // Neither the span nor the call's state may be left behind.
    expect(callsInFlight(observer.instrumentation)).toBe(0);
    const [span] = observer.relaySpans();
    expect(span?.attributes['error.type']).toBeUndefined();
    expect(span?.attributes['gen_ai.usage.output_tokens']).toBe(4);
  });

  it('enable() twice does not observe a call twice', async () => {
    const observer = observe();
    observer.instrumentation.enable();
    await chat();
    await observer.waitForSpans(1);
    await new Promise(r => setTimeout(r, 30));
    expect(observer.relaySpans()).toHaveLength(1);
  });
});

// --- setConfig --------------------------------------------------------------------------------------

describe('setConfig applies the whole new config', () => {
  it('starts the probe when the new config has one and the old did not', async () => {
    const observer = observe();
    const before = relay.requests.length;
    observer.instrumentation.setConfig({ probe: { baseUrl: `${relay.url}/v1`, intervalSeconds: 15 } });
    // The first probe runs within a second of start.
    const deadline = Date.now() + 3000;
    const probed = () =>
      relay.requests.slice(before).filter(r => /^otel-llm-relay-probe\//.test(r.headers['user-agent'] ?? ''));
    while (probed().length === 0 && Date.now() < deadline) await new Promise(r => setTimeout(r, 20));
    expect(probed().map(r => r.path)).toContain('/v1/models');
  });

  it('uses the new maxModelsPerMetric: a raised cap keeps later model names out of _OTHER', async () => {
    const observer = observe({ maxModelsPerMetric: 1 });
    observer.instrumentation.setConfig({ maxModelsPerMetric: 10 });
    for (const model of ['gpt-4.1', 'gpt-4.1-mini', 'gpt-4.1-nano']) await chat({}, { model });
    await observer.waitForSpans(3);
    const duration = (await observer.metrics()).find(m => m.descriptor.name === 'gen_ai.client.operation.duration');
    expect(duration!.dataPoints.map(p => p.attributes['gen_ai.request.model']).sort()).toEqual([
      'gpt-4.1',
      'gpt-4.1-mini',
      'gpt-4.1-nano',
    ]);
  });

  it('swaps the whole config at once: the next call follows the new relay hosts, prices and hooks', async () => {
    const observer = observe({
      relayHosts: ['relay.invalid'],
      requestHook: span => span.setAttribute('test.config', 1),
    });
    await chat();
    expect(observer.relaySpans()).toEqual([]);
    const relayHost = new URL(relay.url).host;
    observer.instrumentation.setConfig({
      relayHosts: [relayHost],
      // A dollar per token: the cost is the token count.
      pricing: { models: { 'gpt-4.1': { input: 1_000_000, output: 1_000_000 } } },
      requestHook: span => span.setAttribute('test.config', 2),
    });
    await chat();
    const [span] = await observer.waitForSpans(1);
    const a = span!.attributes;
    expect(a['server.address']).toBe(new URL(relay.url).hostname);
    expect(a['test.config']).toBe(2);
    expect(a['llm_relay.cost.source']).toBe('table');
    expect(a['llm_relay.cost.usd']).toBeCloseTo(
      (a['gen_ai.usage.input_tokens'] as number) + (a['gen_ai.usage.output_tokens'] as number),
    );
  });

  it('uses the new idleTimeoutMs, also for a sweeper already running', async () => {
    const observer = observe();
    // A call in flight under the old (default, 10 minutes) idle time starts the sweeper.
    const first = await fetch(`${relay.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-sim-first-chunk-ms': '5000' },
      body: chatBody({ stream: true }),
    });
    observer.instrumentation.setConfig({ idleTimeoutMs: 200 });
    const spans = await observer.waitForSpans(1, 3000);
    expect(spans.map(s => s.attributes['error.type'])).toEqual(['timeout']);
    await first.body?.cancel();
  });
});
