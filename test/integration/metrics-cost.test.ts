/*
 * llm_relay.cost.usd and llm_relay.cost.unpriced through a metric reader: each cost is recomputed
 * here from the token counts the relay reported (or the recording's oracle) and a price taken from
 * the built-in table entry or from the pricing file this test writes; a cost the relay reported
 * itself wins. Unknown models are counted, never priced, and named once in the diag log.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { DataPoint, MetricData } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { startRelaySimulator } from '../../examples/relay-simulator/server.ts';
import type { RelaySimulator, ReportedResponse, WireFixture } from '../../examples/relay-simulator/server.ts';
import { BUILT_IN_PRICES } from '../../src/pricing/price-table';
import type { ModelPrice } from '../../src/pricing/price-table';
import { FIXTURES_DIR } from '../support/llm-wire-fixtures';
import type { Fixture } from '../support/llm-wire-fixtures';
import { setupOtel, TestMetricReader } from '../support/otel-harness';

const COST = 'llm_relay.cost.usd';
const UNPRICED = 'llm_relay.cost.unpriced';
const DURATION = 'gen_ai.client.operation.duration';

// The pricing file of this test: a model the table does not know, and an override of a built-in entry.
const PRICING_FILE_CONTENT = {
  models: {
    'acme-chat-1': { input: 0.8, output: 3.2, cachedInput: 0.2 },
    'gpt-4.1-nano': { input: 1, output: 2 },
  },
};
const workDir = mkdtempSync(path.join(tmpdir(), 'llm-relay-cost-'));
const pricingFile = path.join(workDir, 'prices.json');
writeFileSync(pricingFile, JSON.stringify(PRICING_FILE_CONTENT));

const otel = setupOtel({ pricingFile });
let relay: RelaySimulator;
let reader: TestMetricReader;
const warnings: string[] = [];

beforeAll(async () => {
  relay = await startRelaySimulator({ outputTokens: 7, firstChunkDelayMs: 5, chunkDelayMs: 1 });
  const record =
    (level: string) =>
    (...args: unknown[]) =>
      void warnings.push(`${level} ${args.map(String).join(' ')}`);
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
  await relay.close();
  rmSync(workDir, { recursive: true, force: true });
});
beforeEach(() => {
  reader = new TestMetricReader();
  otel.instrumentation.setMeterProvider(new MeterProvider({ readers: [reader] }));
  otel.reset();
  relay.reset();
  warnings.length = 0;
});

/** A prompt long enough for a cache hit to cover part of it. */
const LONG_PROMPT = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');

interface Observed {
  span: ReadableSpan;
  truth: ReportedResponse;
  metrics: MetricData[];
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Observed> {
  otel.reset();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test', ...headers },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  const [span] = await otel.waitForRelaySpans(1);
  const { resourceMetrics } = await reader.collect();
  return {
    span: span!,
    truth: relay.requests.at(-1)!.response!,
    metrics: resourceMetrics.scopeMetrics.flatMap(s => s.metrics),
  };
}

function chat(model: string, extra: Record<string, unknown> = {}) {
  return { model, messages: [{ role: 'user', content: LONG_PROMPT }], ...extra };
}

function pointsOf(metrics: MetricData[], name: string): DataPoint<number>[] {
  return metrics.filter(m => m.descriptor.name === name).flatMap(m => m.dataPoints as DataPoint<number>[]);
}

function builtIn(model: string): ModelPrice {
  const entry = BUILT_IN_PRICES.find(e => e.model === model && !e.hosts);
  if (!entry) throw new Error(`no built-in price for ${model}`);
  return entry;
}

/** USD per docs/pricing.md: uncached input, cache reads, cache writes and output, each at its own price. */
function usd(price: ModelPrice, t: { input: number; output: number; cacheRead?: number; cacheWrite?: number }): number {
  const cacheRead = t.cacheRead ?? 0;
  const cacheWrite = t.cacheWrite ?? 0;
  return (
    ((t.input - cacheRead - cacheWrite) * price.input +
      cacheRead * (price.cachedInput ?? price.input) +
      cacheWrite * (price.cacheWrite ?? price.input) +
      t.output * price.output) /
    1e6
  );
}

/** The one cost point: it carries the duration point's labels plus the cost source, and the span's cost. */
function costPoint(observed: Observed, source: 'table' | 'relay'): number {
  const [point, ...more] = pointsOf(observed.metrics, COST);
  expect(more).toEqual([]);
  const [duration] = pointsOf(observed.metrics, DURATION);
  expect(point!.attributes).toEqual({ ...duration!.attributes, 'llm_relay.cost.source': source });
  expect(observed.span.attributes['llm_relay.cost.usd']).toBe(point!.value);
  expect(observed.span.attributes['llm_relay.cost.source']).toBe(source);
  expect(pointsOf(observed.metrics, UNPRICED)).toEqual([]);
  return point!.value;
}

function loadFixture(name: string): Fixture {
  return JSON.parse(readFileSync(path.join(FIXTURES_DIR, name), 'utf8')) as Fixture;
}

async function replay(fixture: Fixture): Promise<Observed> {
  const served = relay.serveFixture(fixture as WireFixture);
  return post(
    served.url,
    fixture.request.body,
    fixture.request.headers?.['anthropic-version'] ? { 'anthropic-version': '2023-06-01' } : {},
  );
}

describe('priced from the built-in table', () => {
  it.each([false, true])(
    'OpenAI chat with cached prompt tokens (stream: %s): cache reads at the cached price',
    async stream => {
      const observed = await post(
        `${relay.url}/v1/chat/completions`,
        chat('gpt-4.1', stream ? { stream: true, stream_options: { include_usage: true } } : {}),
        { 'x-sim-cached-tokens': '24' },
      );
      const t = observed.truth;
      expect(t.cachedInputTokens).toBe(24);
      expect(t.inputTokens).toBeGreaterThan(24);
      const expected = usd(builtIn('gpt-4.1'), {
        input: t.inputTokens!,
        cacheRead: t.cachedInputTokens,
        output: t.outputTokens!,
      });
      expect(costPoint(observed, 'table')).toBeCloseTo(expected, 15);
    },
  );

  it('Anthropic messages, streamed, with cache reads (reported beside input_tokens)', async () => {
    const observed = await post(
      `${relay.url}/v1/messages`,
      chat('claude-sonnet-4-5', { max_tokens: 64, stream: true }),
      {
        'anthropic-version': '2023-06-01',
        'x-sim-cached-tokens': '30',
      },
    );
    const t = observed.truth;
    expect(t.cachedInputTokens).toBe(30);
    const expected = usd(builtIn('claude-sonnet-4-5'), {
      input: t.inputTokens!,
      cacheRead: 30,
      output: t.outputTokens!,
    });
    expect(costPoint(observed, 'table')).toBeCloseTo(expected, 15);
  });

  it('Gemini generateContent, priced as its answering model', async () => {
    const observed = await post(`${relay.url}/v1beta/models/gemini-2.0-flash:generateContent`, {
      contents: [{ role: 'user', parts: [{ text: LONG_PROMPT }] }],
    });
    const t = observed.truth;
    expect(costPoint(observed, 'table')).toBeCloseTo(
      usd(builtIn('gemini-2.0-flash'), { input: t.inputTokens!, output: t.outputTokens! }),
      15,
    );
  });

  it('embeddings: input tokens only', async () => {
    const observed = await post(`${relay.url}/v1/embeddings`, { model: 'text-embedding-3-small', input: LONG_PROMPT });
    const t = observed.truth;
    expect(costPoint(observed, 'table')).toBeCloseTo(
      usd(builtIn('text-embedding-3-small'), { input: t.inputTokens!, output: 0 }),
      15,
    );
  });

  it('recorded OpenAI answer with 1024 cached tokens (openai/chat-completions-cached-tokens.json)', async () => {
    const fixture = loadFixture('openai/chat-completions-cached-tokens.json');
    const e = fixture.expected;
    const observed = await replay(fixture);
    const expected = usd(builtIn('gpt-4o-mini'), {
      input: e.input_tokens!,
      cacheRead: e.cache_read_input_tokens,
      output: e.output_tokens!,
    });
    expect(costPoint(observed, 'table')).toBeCloseTo(expected, 15);
  });

  it('recorded Anthropic answer with cache reads and cache writes (anthropic/messages-cache-read-ephemeral.json)', async () => {
    const fixture = loadFixture('anthropic/messages-cache-read-ephemeral.json');
    const e = fixture.expected;
    expect(e.cache_creation_input_tokens).toBeGreaterThan(0);
    expect(e.cache_read_input_tokens).toBeGreaterThan(0);
    const observed = await replay(fixture);
    // Anthropic's input_tokens excludes both cache classes; each is priced at its own rate.
    const cacheRead = e.cache_read_input_tokens!;
    const cacheWrite = e.cache_creation_input_tokens!;
    const expected = usd(builtIn('claude-sonnet-4-5'), {
      input: e.input_tokens! + cacheRead + cacheWrite,
      cacheRead,
      cacheWrite,
      output: e.output_tokens!,
    });
    expect(costPoint(observed, 'table')).toBeCloseTo(expected, 15);
  });

  it('recorded Anthropic stream with cache writes in message_start (anthropic/messages-stream-cache-creation.json)', async () => {
    const fixture = loadFixture('anthropic/messages-stream-cache-creation.json');
    const e = fixture.expected;
    const observed = await replay(fixture);
    const cacheWrite = e.cache_creation_input_tokens!;
    const cacheRead = e.cache_read_input_tokens ?? 0;
    const expected = usd(builtIn('claude-3-5-sonnet'), {
      input: e.input_tokens! + cacheRead + cacheWrite,
      cacheRead,
      cacheWrite,
      output: e.output_tokens!,
    });
    expect(costPoint(observed, 'table')).toBeCloseTo(expected, 15);
  });
});

describe('priced from the pricing file', () => {
  it.each([false, true])('a model only the file lists, with cached tokens (stream: %s)', async stream => {
    const observed = await post(
      `${relay.url}/v1/chat/completions`,
      chat('acme-chat-1', stream ? { stream: true, stream_options: { include_usage: true } } : {}),
      { 'x-sim-cached-tokens': '10' },
    );
    const t = observed.truth;
    const price = PRICING_FILE_CONTENT.models['acme-chat-1'];
    expect(costPoint(observed, 'table')).toBeCloseTo(
      usd(price, { input: t.inputTokens!, cacheRead: 10, output: t.outputTokens! }),
      15,
    );
  });

  it('a file entry replaces the built-in price of the same model (a dated answer finds it too)', async () => {
    const observed = await post(`${relay.url}/v1/chat/completions`, chat('gpt-4.1-nano'));
    const t = observed.truth;
    expect(t.responseModel).toBe('gpt-4.1-nano-2025-04-14');
    const fromFile = usd(PRICING_FILE_CONTENT.models['gpt-4.1-nano'], {
      input: t.inputTokens!,
      output: t.outputTokens!,
    });
    const fromTable = usd(builtIn('gpt-4.1-nano'), { input: t.inputTokens!, output: t.outputTokens! });
    expect(fromFile).not.toBeCloseTo(fromTable, 12);
    expect(costPoint(observed, 'table')).toBeCloseTo(fromFile, 15);
  });
});

describe('cost reported by the relay', () => {
  it('OpenRouter usage.cost wins over the table and is labelled relay (JSON answer, edited copy of the recording)', async () => {
    const fixture = loadFixture('openrouter/chat-completions-basic.json');
    const body = structuredClone(fixture.response.body) as { usage: Record<string, unknown> };
    body.usage['cost'] = 0.0123;
    const observed = await replay({ ...fixture, response: { ...fixture.response, body } });
    expect(costPoint(observed, 'relay')).toBe(0.0123);
    // The model has a table price that would have given another value.
    const e = fixture.expected;
    expect(usd(builtIn('gpt-5-mini'), { input: e.input_tokens!, output: e.output_tokens! })).not.toBeCloseTo(0.0123, 6);
  });

  it('OpenRouter usage.cost in the last chunk of a stream (edited copy of the recording)', async () => {
    const fixture = loadFixture('openrouter/chat-completions-stream-processing-comments.json');
    const sse = fixture.response.body as string;
    const edited = sse.replace('"cost":0.00085,', '"cost":0.000777,');
    expect(edited).not.toBe(sse);
    const observed = await replay({ ...fixture, response: { ...fixture.response, body: edited } });
    expect(costPoint(observed, 'relay')).toBe(0.000777);
  });
});

describe('unpriced calls', () => {
  it('are counted per model, get no cost, and the diag log names the model once', async () => {
    const first = await post(`${relay.url}/v1/chat/completions`, chat('acme-unlisted-9'));
    const second = await post(
      `${relay.url}/v1/chat/completions`,
      chat('acme-unlisted-9', { stream: true, stream_options: { include_usage: true } }),
    );
    expect(first.span.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
    expect(second.span.attributes['llm_relay.cost.usd']).toBeUndefined();
    const [point, ...more] = pointsOf(second.metrics, UNPRICED);
    expect(more).toEqual([]);
    expect(point!.value).toBe(2);
    expect(point!.attributes).toEqual(pointsOf(second.metrics, DURATION)[0]!.attributes);
    expect(pointsOf(second.metrics, COST)).toEqual([]);
    const named = warnings.filter(w => w.includes('"acme-unlisted-9"'));
    expect(named).toHaveLength(1);
    expect(named[0]).toMatch(/^warn .*no price/);
  });

  it('a second unknown model gets its own single message', async () => {
    await post(`${relay.url}/v1/chat/completions`, chat('acme-unlisted-10'));
    await post(`${relay.url}/v1/chat/completions`, chat('acme-unlisted-10'));
    expect(warnings.filter(w => w.includes('"acme-unlisted-10"'))).toHaveLength(1);
    expect(warnings.filter(w => w.includes('"acme-unlisted-9"'))).toEqual([]);
  });

  it('a failed call is neither priced nor counted as unpriced', async () => {
    const observed = await post(`${relay.url}/v1/chat/completions`, chat('gpt-4.1'), { 'x-sim-fault': '500' });
    expect(observed.span.attributes['error.type']).toBe('500');
    expect(pointsOf(observed.metrics, COST)).toEqual([]);
    expect(pointsOf(observed.metrics, UNPRICED)).toEqual([]);
  });
});
