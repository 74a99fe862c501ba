/*
 * Rate-limit headroom gauges from OpenAI-shape (x-ratelimit-*) and Anthropic-shape
 * (anthropic-ratelimit-*) headers, retry-after on a 429, and model substitution, through a metric
 * reader. Expected values come from the headers the client itself received.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { DataPoint, MetricData } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { startRelaySimulator } from '../../examples/relay-simulator/server.ts';
import type { RelaySimulator, ReportedResponse, WireFixture } from '../../examples/relay-simulator/server.ts';
import { FIXTURES_DIR } from '../support/llm-wire-fixtures';
import type { Fixture } from '../support/llm-wire-fixtures';
import { setupOtel, TestMetricReader } from '../support/otel-harness';

const REMAINING = 'llm_relay.rate_limit.remaining';
const LIMIT = 'llm_relay.rate_limit.limit';
const SUBSTITUTIONS = 'llm_relay.model.substitutions';
const DURATION = 'gen_ai.client.operation.duration';

const otel = setupOtel();
let relay: RelaySimulator;
let reader: TestMetricReader;

beforeAll(async () => {
  relay = await startRelaySimulator({ outputTokens: 4, firstChunkDelayMs: 5, chunkDelayMs: 1 });
});
afterAll(async () => {
  await relay.close();
});
beforeEach(() => {
  reader = new TestMetricReader();
  otel.instrumentation.setMeterProvider(new MeterProvider({ readers: [reader] }));
  otel.reset();
  relay.reset();
});

interface Observed {
  span: ReadableSpan;
  headers: Headers;
  truth: ReportedResponse;
}

const ANTHROPIC = { 'anthropic-version': '2023-06-01' };

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Observed> {
  otel.reset();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test', ...headers },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  const [span] = await otel.waitForRelaySpans(1);
  return { span: span!, headers: response.headers, truth: relay.requests.at(-1)!.response! };
}

const chat = (model: string, extra: Record<string, unknown> = {}) => ({
  model,
  messages: [{ role: 'user', content: 'Is order 42 late?' }],
  ...extra,
});

async function metrics(): Promise<MetricData[]> {
  const { resourceMetrics, errors } = await reader.collect();
  expect(errors).toEqual([]);
  return resourceMetrics.scopeMetrics.flatMap(s => s.metrics);
}

function pointsOf(all: MetricData[], name: string): DataPoint<number>[] {
  return all.filter(m => m.descriptor.name === name).flatMap(m => m.dataPoints as DataPoint<number>[]);
}

/** kind → value, checking that every point carries exactly `labels` plus its kind. */
function byKind(points: DataPoint<number>[], labels: Record<string, unknown>): Record<string, number> {
  const result: Record<string, number> = {};
  for (const point of points) {
    const { 'llm_relay.rate_limit.kind': kind, ...rest } = point.attributes;
    expect(rest).toEqual(labels);
    result[String(kind)] = point.value;
  }
  return result;
}

function requestLabels(operation: string, provider: string, requestModel: string): Record<string, unknown> {
  return {
    'gen_ai.operation.name': operation,
    'gen_ai.provider.name': provider,
    'gen_ai.request.model': requestModel,
    'server.address': '127.0.0.1',
    'server.port': relay.port,
  };
}

const int = (headers: Headers, name: string) => {
  const value = headers.get(name);
  if (value === null) throw new Error(`the response had no ${name} header`);
  return Number(value);
};

describe('rate-limit gauges', () => {
  it("OpenAI shape: requests and tokens; the gauge holds the latest response's values", async () => {
    await post(`${relay.url}/v1/chat/completions`, chat('gpt-4.1'));
    const second = await post(
      `${relay.url}/v1/chat/completions`,
      chat('gpt-4.1', { stream: true, stream_options: { include_usage: true } }),
    );
    const all = await metrics();
    const labels = requestLabels('chat', 'openai', 'gpt-4.1');
    const h = second.headers;
    expect(byKind(pointsOf(all, REMAINING), labels)).toEqual({
      requests: int(h, 'x-ratelimit-remaining-requests'),
      tokens: int(h, 'x-ratelimit-remaining-tokens'),
    });
    expect(byKind(pointsOf(all, LIMIT), labels)).toEqual({
      requests: int(h, 'x-ratelimit-limit-requests'),
      tokens: int(h, 'x-ratelimit-limit-tokens'),
    });
    // The relay counted two calls against its window.
    expect(int(h, 'x-ratelimit-limit-requests') - int(h, 'x-ratelimit-remaining-requests')).toBe(2);
  });

  it('Anthropic shape: requests, tokens, input_tokens and output_tokens', async () => {
    const observed = await post(
      `${relay.url}/v1/messages`,
      chat('claude-sonnet-4-5', { max_tokens: 32, stream: true }),
      ANTHROPIC,
    );
    const all = await metrics();
    const labels = requestLabels('chat', 'anthropic', 'claude-sonnet-4-5');
    const h = observed.headers;
    const expected = (field: 'remaining' | 'limit') => ({
      requests: int(h, `anthropic-ratelimit-requests-${field}`),
      tokens: int(h, `anthropic-ratelimit-tokens-${field}`),
      input_tokens: int(h, `anthropic-ratelimit-input-tokens-${field}`),
      output_tokens: int(h, `anthropic-ratelimit-output-tokens-${field}`),
    });
    expect(byKind(pointsOf(all, REMAINING), labels)).toEqual(expected('remaining'));
    expect(byKind(pointsOf(all, LIMIT), labels)).toEqual(expected('limit'));
  });

  it.each([
    ['openai/chat-completions-basic.json', 'x-ratelimit-', ['requests', 'tokens']],
    ['anthropic/messages-basic.json', 'anthropic-ratelimit-', ['requests', 'tokens', 'input_tokens', 'output_tokens']],
  ] as const)('values recorded from the vendor itself (%s)', async (name, prefix, kinds) => {
    const fixture = JSON.parse(readFileSync(path.join(FIXTURES_DIR, name), 'utf8')) as Fixture;
    const recorded = new Map(Object.entries(fixture.response.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    const served = relay.serveFixture(fixture as WireFixture);
    await post(served.url, fixture.request.body, prefix === 'anthropic-ratelimit-' ? ANTHROPIC : {});
    const all = await metrics();
    const header = (kind: string, field: 'remaining' | 'limit') =>
      prefix === 'x-ratelimit-'
        ? `x-ratelimit-${field}-${kind}`
        : `anthropic-ratelimit-${kind.replace('_', '-')}-${field}`;
    const expected = (field: 'remaining' | 'limit') =>
      Object.fromEntries(kinds.map(k => [k, Number(recorded.get(header(k, field)))]));
    const labels = requestLabels('chat', prefix === 'x-ratelimit-' ? 'openai' : 'anthropic', fixture.expected.model!);
    expect(byKind(pointsOf(all, REMAINING), labels)).toEqual(expected('remaining'));
    expect(byKind(pointsOf(all, LIMIT), labels)).toEqual(expected('limit'));
  });

  it('a response without rate-limit headers records no gauge', async () => {
    const fixture = JSON.parse(
      readFileSync(path.join(FIXTURES_DIR, 'openrouter/chat-completions-basic.json'), 'utf8'),
    ) as Fixture;
    const served = relay.serveFixture(fixture as WireFixture);
    await post(served.url, fixture.request.body);
    const all = await metrics();
    expect(pointsOf(all, DURATION)).toHaveLength(1);
    expect(pointsOf(all, REMAINING)).toEqual([]);
    expect(pointsOf(all, LIMIT)).toEqual([]);
  });
});

describe('429', () => {
  it.each([
    [
      'OpenAI shape',
      '/v1/chat/completions',
      chat('gpt-4.1'),
      {},
      'openai',
      'gpt-4.1',
      'x-ratelimit-remaining-requests',
    ],
    [
      'Anthropic shape',
      '/v1/messages',
      chat('claude-sonnet-4-5', { max_tokens: 32 }),
      ANTHROPIC,
      'anthropic',
      'claude-sonnet-4-5',
      'anthropic-ratelimit-requests-remaining',
    ],
  ] as const)(
    '%s: retry-after on the span, no requests left on the gauge, error.type 429',
    async (_shape, route, body, headers, provider, model, remainingHeader) => {
      const observed = await post(`${relay.url}${route}`, body, {
        ...headers,
        'x-sim-fault': '429',
        'x-sim-retry-after': '7',
      });
      expect(observed.truth.status).toBe(429);
      expect(observed.span.attributes['http.response.header.retry-after']).toEqual(['7']);
      expect(observed.span.attributes['error.type']).toBe('429');
      expect(observed.span.attributes['http.response.status_code']).toBe(429);
      const all = await metrics();
      const remaining = byKind(pointsOf(all, REMAINING), requestLabels('chat', provider, model));
      expect(remaining['requests']).toBe(0);
      expect(remaining['requests']).toBe(int(observed.headers, remainingHeader));
      const [duration] = pointsOf(all, DURATION);
      expect(duration!.attributes['error.type']).toBe('429');
    },
  );

  it('a success has no retry-after attribute', async () => {
    const observed = await post(`${relay.url}/v1/chat/completions`, chat('gpt-4.1'));
    expect(observed.span.attributes['http.response.header.retry-after']).toBeUndefined();
  });
});

describe('model substitution', () => {
  it.each([
    ['gpt-4.1', 'gpt-4.1-mini', '/v1/chat/completions', chat('gpt-4.1'), {}, 'chat', 'openai'],
    [
      'claude-sonnet-4-5',
      'claude-haiku-4-5',
      '/v1/messages',
      chat('claude-sonnet-4-5', { max_tokens: 32, stream: true }),
      ANTHROPIC,
      'chat',
      'anthropic',
    ],
    [
      'gemini-2.0-flash',
      'gemini-2.0-flash-lite',
      '/v1beta/models/gemini-2.0-flash:generateContent',
      { contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] },
      {},
      'generate_content',
      'gcp.gen_ai',
    ],
  ] as const)(
    '%s answered by %s counts once and marks the span',
    async (requested, answered, route, body, headers, operation, provider) => {
      relay.setScenario({ substitute: { [requested]: answered } });
      const observed = await post(`${relay.url}${route}`, body, headers);
      expect(observed.truth.responseModel).toBe(answered);
      expect(observed.span.attributes['gen_ai.response.model']).toBe(answered);
      expect(observed.span.attributes['llm_relay.model.substituted']).toBe(true);
      const [point, ...more] = pointsOf(await metrics(), SUBSTITUTIONS);
      expect(more).toEqual([]);
      expect(point!.value).toBe(1);
      expect(point!.attributes).toEqual({
        ...requestLabels(operation, provider, requested),
        'gen_ai.response.model': answered,
      });
    },
  );

  it.each([
    ['gpt-4.1', '/v1/chat/completions', chat('gpt-4.1'), {}],
    ['claude-sonnet-4-5', '/v1/messages', chat('claude-sonnet-4-5', { max_tokens: 32 }), ANTHROPIC],
  ] as const)('%s answered by its dated snapshot is not a substitution', async (requested, route, body, headers) => {
    const observed = await post(`${relay.url}${route}`, body, headers);
    expect(observed.truth.responseModel).toMatch(new RegExp(`^${requested}-20\\d{2}-?\\d{2}-?\\d{2}$`));
    expect(observed.span.attributes['llm_relay.model.substituted']).toBeUndefined();
    const all = await metrics();
    expect(pointsOf(all, DURATION)).toHaveLength(1);
    expect(pointsOf(all, SUBSTITUTIONS)).toEqual([]);
  });

  it('substitutions add up per model pair', async () => {
    relay.setScenario({ substitute: { 'gpt-4.1': 'gpt-4.1-mini' } });
    for (let i = 0; i < 3; i++) await post(`${relay.url}/v1/chat/completions`, chat('gpt-4.1'));
    const [point] = pointsOf(await metrics(), SUBSTITUTIONS);
    expect(point!.value).toBe(3);
  });
});
