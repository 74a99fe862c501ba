/*
 * pricingFile / OTEL_LLM_RELAY_PRICING and the `pricing` option: a file adds models, replaces
 * built-in entries and scales prices per relay host; prices in code win over the file, the option
 * over the environment. A broken file is reported in the diag log and the built-in prices still
 * apply. Costs are recomputed here from the relay's token counts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { DataPoint } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { startRelaySimulator } from '../../examples/relay-simulator/server.ts';
import type { RelaySimulator, ReportedResponse, WireFixture } from '../../examples/relay-simulator/server.ts';
import { LlmRelayInstrumentation } from '../../src/index';
import type { LlmRelayInstrumentationConfig, ModelPriceConfig } from '../../src/index';
import { BUILT_IN_PRICES } from '../../src/pricing/price-table';
import { FIXTURES_DIR } from '../support/llm-wire-fixtures';
import type { Fixture } from '../support/llm-wire-fixtures';
import { TestMetricReader } from '../support/otel-harness';

// --- one instrumentation per test ------------------------------------------------------------------

interface Observer {
  instrumentation: LlmRelayInstrumentation;
  /** One call; returns its span, what the relay answered, and the cost point (if any). */
  call(url: string, body: unknown): Promise<{ span: ReadableSpan; truth: ReportedResponse; cost?: DataPoint<number> }>;
}

const started: LlmRelayInstrumentation[] = [];

function observe(config: LlmRelayInstrumentationConfig = {}, env: Record<string, string> = {}): Observer {
  const saved = Object.fromEntries(Object.keys(env).map(k => [k, process.env[k]]));
  Object.assign(process.env, env);
  const exporter = new InMemorySpanExporter();
  let instrumentation: LlmRelayInstrumentation;
  try {
    instrumentation = new LlmRelayInstrumentation(config);
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  instrumentation.setTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }));
  started.push(instrumentation);
  return {
    instrumentation,
    async call(url, body) {
      exporter.reset();
      // A fresh meter per call: the call's cost point is the only one.
      const reader = new TestMetricReader();
      instrumentation.setMeterProvider(new MeterProvider({ readers: [reader] }));
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      await response.arrayBuffer();
      const deadline = Date.now() + 5000;
      while (exporter.getFinishedSpans().length === 0 && Date.now() < deadline)
        await new Promise(r => setTimeout(r, 5));
      const [span] = exporter.getFinishedSpans();
      if (!span) throw new Error('no relay span');
      const { resourceMetrics } = await reader.collect();
      const costs = resourceMetrics.scopeMetrics
        .flatMap(s => s.metrics)
        .filter(m => m.descriptor.name === 'llm_relay.cost.usd')
        .flatMap(m => m.dataPoints as DataPoint<number>[]);
      expect(costs.length).toBeLessThanOrEqual(1);
      return { span, truth: lastTruth(url), cost: costs[0] };
    },
  };
}

afterEach(() => {
  for (const instrumentation of started.splice(0)) instrumentation.disable();
});

// --- relays, files, diag ---------------------------------------------------------------------------

let relayA: RelaySimulator;
let relayB: RelaySimulator;
const workDir = mkdtempSync(path.join(tmpdir(), 'llm-relay-pricing-'));
const logged: { level: string; text: string }[] = [];

beforeAll(async () => {
  relayA = await startRelaySimulator({ outputTokens: 5 });
  relayB = await startRelaySimulator({ outputTokens: 5 });
  const record =
    (level: string) =>
    (...args: unknown[]) =>
      void logged.push({ level, text: args.map(String).join(' ') });
  diag.disable();
  diag.setLogger(
    {
      error: record('error'),
      warn: record('warn'),
      info: record('info'),
      debug: record('debug'),
      verbose: record('verbose'),
    },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
});
afterAll(async () => {
  diag.disable();
  await Promise.all([relayA.close(), relayB.close()]);
  rmSync(workDir, { recursive: true, force: true });
});
beforeEach(() => {
  logged.length = 0;
});

function lastTruth(url: string): ReportedResponse {
  const relay = url.includes(`:${relayA.port}/`) ? relayA : relayB;
  return relay.requests.at(-1)!.response!;
}

let fileCount = 0;
function pricingFile(content: unknown): string {
  const file = path.join(workDir, `prices-${++fileCount}.json`);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

const chat = (model: string) => ({
  model,
  messages: [{ role: 'user', content: 'How much does order 42 cost to ship?' }],
});
const chatUrl = (relay: RelaySimulator) => `${relay.url}/v1/chat/completions`;

function usd(price: ModelPriceConfig, truth: ReportedResponse, multiplier = 1): number {
  const cached = truth.cachedInputTokens ?? 0;
  return (
    (((truth.inputTokens! - cached) * price.input +
      cached * (price.cachedInput ?? price.input) +
      truth.outputTokens! * price.output) *
      multiplier) /
    1e6
  );
}

function builtIn(model: string): ModelPriceConfig {
  const entry = BUILT_IN_PRICES.find(e => e.model === model && !e.hosts);
  if (!entry) throw new Error(`no built-in price for ${model}`);
  return entry;
}

/** The one cost a call got: on the span and on the counter, the same value. */
function costOf(result: Awaited<ReturnType<Observer['call']>>): number | undefined {
  const onSpan = result.span.attributes['llm_relay.cost.usd'] as number | undefined;
  expect(result.cost?.value).toBe(onSpan);
  return onSpan;
}

// --- tests -----------------------------------------------------------------------------------------

describe('pricingFile option', () => {
  const file = {
    _comment: 'keys starting with _ are comments',
    models: {
      'acme-chat-2': { input: 0.6, output: 2.4 },
      'gpt-4.1-mini': { input: 0.5, output: 1.5, cached_input: 0.25 },
    },
  };

  it('adds a model the built-in table does not know', async () => {
    const observer = observe({ pricingFile: pricingFile(file) });
    const result = await observer.call(chatUrl(relayA), chat('acme-chat-2'));
    expect(costOf(result)).toBeCloseTo(usd(file.models['acme-chat-2'], result.truth), 15);
    expect(result.span.attributes['llm_relay.cost.source']).toBe('table');
  });

  it('replaces a built-in entry, for the dated name the relay answers with too', async () => {
    const observer = observe({ pricingFile: pricingFile(file) });
    const result = await observer.call(chatUrl(relayA), chat('gpt-4.1-mini'));
    expect(result.truth.responseModel).toBe('gpt-4.1-mini-2025-04-14');
    expect(costOf(result)).toBeCloseTo(usd(file.models['gpt-4.1-mini'], result.truth), 15);
    expect(usd(file.models['gpt-4.1-mini'], result.truth)).not.toBeCloseTo(
      usd(builtIn('gpt-4.1-mini'), result.truth),
      12,
    );
  });

  it('models the file does not list keep their built-in price', async () => {
    const observer = observe({ pricingFile: pricingFile(file) });
    const result = await observer.call(chatUrl(relayA), chat('gpt-4.1'));
    expect(costOf(result)).toBeCloseTo(usd(builtIn('gpt-4.1'), result.truth), 15);
  });

  it('a host:port multiplier scales table prices of calls to that relay only', async () => {
    const observer = observe({
      pricingFile: pricingFile({ ...file, hosts: { [`127.0.0.1:${relayA.port}`]: { multiplier: 0.5 } } }),
    });
    const onA = await observer.call(chatUrl(relayA), chat('gpt-4.1'));
    const onB = await observer.call(chatUrl(relayB), chat('gpt-4.1'));
    expect(costOf(onA)).toBeCloseTo(usd(builtIn('gpt-4.1'), onA.truth, 0.5), 15);
    expect(costOf(onB)).toBeCloseTo(usd(builtIn('gpt-4.1'), onB.truth), 15);
    // File prices are scaled as well.
    const custom = await observer.call(chatUrl(relayA), chat('acme-chat-2'));
    expect(costOf(custom)).toBeCloseTo(usd(file.models['acme-chat-2'], custom.truth, 0.5), 15);
  });

  it('a multiplier keyed by host alone applies to every port; an origin URL key works too', async () => {
    const byHost = observe({ pricingFile: pricingFile({ hosts: { '127.0.0.1': { multiplier: 2 } } }) });
    const onB = await byHost.call(chatUrl(relayB), chat('gpt-4.1'));
    expect(costOf(onB)).toBeCloseTo(usd(builtIn('gpt-4.1'), onB.truth, 2), 15);
    byHost.instrumentation.disable();
    const byOrigin = observe({ pricingFile: pricingFile({ hosts: { [relayA.url]: { multiplier: 1.2 } } }) });
    const onA = await byOrigin.call(chatUrl(relayA), chat('gpt-4.1'));
    expect(costOf(onA)).toBeCloseTo(usd(builtIn('gpt-4.1'), onA.truth, 1.2), 15);
  });

  it('no multiplier applies to a cost the relay reported itself', async () => {
    const observer = observe({ pricingFile: pricingFile({ hosts: { '127.0.0.1': { multiplier: 0.5 } } }) });
    const fixture = JSON.parse(
      readFileSync(path.join(FIXTURES_DIR, 'openrouter/chat-completions-basic.json'), 'utf8'),
    ) as Fixture;
    const body = structuredClone(fixture.response.body) as { usage: Record<string, unknown> };
    body.usage['cost'] = 0.02;
    const served = relayA.serveFixture({ ...fixture, response: { ...fixture.response, body } } as WireFixture);
    const result = await observer.call(served.url, fixture.request.body);
    expect(costOf(result)).toBe(0.02);
    expect(result.span.attributes['llm_relay.cost.source']).toBe('relay');
  });

  it('a bad entry is left out with a message naming it; the rest of the file applies', async () => {
    const observer = observe({
      pricingFile: pricingFile({
        models: { 'acme-chat-2': { input: 0.6, output: 2.4 }, 'acme-broken': { input: -1, output: 2 } },
      }),
    });
    const good = await observer.call(chatUrl(relayA), chat('acme-chat-2'));
    expect(costOf(good)).toBeCloseTo(usd({ input: 0.6, output: 2.4 }, good.truth), 15);
    const broken = await observer.call(chatUrl(relayA), chat('acme-broken'));
    expect(costOf(broken)).toBeUndefined();
    expect(logged.some(l => l.text.includes('acme-broken') && l.text.includes('input'))).toBe(true);
  });
});

describe('a pricing file that cannot be used', () => {
  it.each([
    ['not JSON', '{ "models": { "gpt-4.1": { "input": 1, '],
    ['not an object', '[1, 2, 3]'],
  ])('%s: a diag error naming the file; built-in prices still apply', async (_what, content) => {
    const file = pricingFile(content);
    const observer = observe({ pricingFile: file });
    const result = await observer.call(chatUrl(relayA), chat('gpt-4.1'));
    expect(costOf(result)).toBeCloseTo(usd(builtIn('gpt-4.1'), result.truth), 15);
    const errors = logged.filter(l => l.level === 'error' && l.text.includes(file));
    expect(errors.length).toBeGreaterThanOrEqual(1);
  });

  it('a file holding a key and a syntax error: the diag error says where, never the key', async () => {
    const key = 'sk-live-PricingSecret0123456789abcdef';
    const file = pricingFile(`{\n  "models": { "gpt-4.1": { "input": 1, "output": 2 } },\n  "apiKey": ${key}\n}`);
    const observer = observe({ pricingFile: file });
    const result = await observer.call(chatUrl(relayA), chat('gpt-4.1'));
    expect(costOf(result)).toBeCloseTo(usd(builtIn('gpt-4.1'), result.truth), 15);
    expect(
      logged.filter(l => l.level === 'error' && l.text.includes(file) && l.text.includes('not valid JSON')),
    ).toHaveLength(1);
    expect(logged.map(l => l.text).join('\n')).not.toContain('sk-live');
  });

  it('a missing file: a diag error naming the file and why; built-in prices still apply', async () => {
    const file = path.join(workDir, 'does-not-exist.json');
    const observer = observe({ pricingFile: file });
    const result = await observer.call(chatUrl(relayA), chat('gpt-4.1'));
    expect(costOf(result)).toBeCloseTo(usd(builtIn('gpt-4.1'), result.truth), 15);
    expect(logged.filter(l => l.level === 'error' && l.text.includes(file) && l.text.includes('ENOENT'))).toHaveLength(
      1,
    );
  });

  it('the problem is reported at start-up, before any call (docs/pricing.md)', async () => {
    const file = path.join(workDir, 'also-missing.json');
    observe({ pricingFile: file });
    await new Promise(r => setTimeout(r, 20));
    expect(logged.filter(l => l.text.includes(file))).not.toEqual([]);
  });
});

describe('OTEL_LLM_RELAY_PRICING', () => {
  it('applies when the option is not given', async () => {
    const file = pricingFile({ models: { 'acme-env-model': { input: 3, output: 9 } } });
    const observer = observe({}, { OTEL_LLM_RELAY_PRICING: file });
    const result = await observer.call(chatUrl(relayA), chat('acme-env-model'));
    expect(costOf(result)).toBeCloseTo(usd({ input: 3, output: 9 }, result.truth), 15);
  });

  it('the pricingFile option wins over it', async () => {
    const fromEnv = pricingFile({ models: { 'acme-env-model': { input: 3, output: 9 } } });
    const fromOption = pricingFile({ models: { 'acme-env-model': { input: 4, output: 16 } } });
    const observer = observe({ pricingFile: fromOption }, { OTEL_LLM_RELAY_PRICING: fromEnv });
    const result = await observer.call(chatUrl(relayA), chat('acme-env-model'));
    expect(costOf(result)).toBeCloseTo(usd({ input: 4, output: 16 }, result.truth), 15);
  });

  it('without either, an unknown model stays unpriced', async () => {
    const observer = observe();
    const result = await observer.call(chatUrl(relayA), chat('acme-env-model'));
    expect(costOf(result)).toBeUndefined();
  });
});

describe('pricing option (prices in code)', () => {
  it('prices a model on its own', async () => {
    const observer = observe({ pricing: { models: { 'acme-code-model': { input: 7, output: 21, cachedInput: 1 } } } });
    const result = await observer.call(chatUrl(relayA), chat('acme-code-model'));
    expect(costOf(result)).toBeCloseTo(usd({ input: 7, output: 21 }, result.truth), 15);
  });

  it('wins over the pricing file, which still applies to the models code does not price', async () => {
    const file = pricingFile({
      models: { 'acme-code-model': { input: 1, output: 1 }, 'acme-chat-2': { input: 0.6, output: 2.4 } },
    });
    const observer = observe({
      pricingFile: file,
      pricing: { models: { 'acme-code-model': { input: 7, output: 21 } } },
    });
    const fromCode = await observer.call(chatUrl(relayA), chat('acme-code-model'));
    expect(costOf(fromCode)).toBeCloseTo(usd({ input: 7, output: 21 }, fromCode.truth), 15);
    const fromFile = await observer.call(chatUrl(relayA), chat('acme-chat-2'));
    expect(costOf(fromFile)).toBeCloseTo(usd({ input: 0.6, output: 2.4 }, fromFile.truth), 15);
  });

  it('wins over the built-in table, and its host multipliers apply', async () => {
    const observer = observe({
      pricing: {
        models: { 'gpt-4.1': { input: 10, output: 20 } },
        hosts: { [`127.0.0.1:${relayB.port}`]: { multiplier: 3 } },
      },
    });
    const onA = await observer.call(chatUrl(relayA), chat('gpt-4.1'));
    const onB = await observer.call(chatUrl(relayB), chat('gpt-4.1'));
    expect(costOf(onA)).toBeCloseTo(usd({ input: 10, output: 20 }, onA.truth), 15);
    expect(costOf(onB)).toBeCloseTo(usd({ input: 10, output: 20 }, onB.truth, 3), 15);
  });
});
