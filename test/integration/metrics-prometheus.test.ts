/*
 * What a user pointing Prometheus at the OpenTelemetry Prometheus exporter sees: the exposition
 * text after a small mixed workload (priced, unpriced, streamed, failed, substituted, relay-priced
 * calls to OpenAI-, Anthropic- and Gemini-shaped routes). Names and labels are the contract's
 * (docs/ARCHITECTURE.md); values are checked against the relay's own numbers, the built-in price
 * table and the headers the client received.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { startRelaySimulator } from '../../examples/relay-simulator/server.ts';
import type { RelaySimulator, ReportedResponse, WireFixture } from '../../examples/relay-simulator/server.ts';
import { BUILT_IN_PRICES } from '../../src/pricing/price-table';
import { FIXTURES_DIR } from '../support/llm-wire-fixtures';
import { setupOtel } from '../support/otel-harness';

const DURATION_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];

/** Every label name the contract allows on our series (plus the exporter's own scope labels). */
const CONTRACT_LABELS = new Set([
  'gen_ai_operation_name',
  'gen_ai_provider_name',
  'gen_ai_request_model',
  'gen_ai_response_model',
  'server_address',
  'server_port',
  'error_type',
  'gen_ai_token_type',
  'llm_relay_cost_source',
  'llm_relay_rate_limit_kind',
]);
const EXPORTER_LABELS = { otel_scope_name: 'otel-llm-relay' };

const otel = setupOtel();
const exporter = new PrometheusExporter({ preventServerStart: true });
otel.instrumentation.setMeterProvider(new MeterProvider({ readers: [exporter] }));

interface Call {
  truth: ReportedResponse;
  headers: Headers;
  elapsed: number;
}

let relay: RelaySimulator;
let text = '';
let samples: Sample[] = [];
const calls: Record<string, Call> = {};
const RELAY_REPORTED_COST = 0.004321;

const PROMPT = 'Summarise the status of order 42 in one sentence.';

async function call(name: string, url: string, body: unknown, headers: Record<string, string> = {}): Promise<void> {
  otel.reset();
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test', ...headers },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  const elapsed = (performance.now() - started) / 1000;
  await otel.waitForRelaySpans(1);
  calls[name] = { truth: relay.requests.at(-1)!.response!, headers: response.headers, elapsed };
}

function scrape(): Promise<string> {
  return new Promise(resolve => {
    const response = { statusCode: 0, setHeader() {}, end: (body: string) => resolve(body) };
    exporter.getMetricsRequestHandler({} as IncomingMessage, response as unknown as ServerResponse);
  });
}

beforeAll(async () => {
  relay = await startRelaySimulator({ firstChunkDelayMs: 20, chunkDelayMs: 5, outputTokens: 5 });
  relay.setScenario({ substitute: { 'gpt-4o': 'gpt-4o-mini' } });
  const chat = (model: string, extra: Record<string, unknown> = {}) => ({
    model,
    messages: [{ role: 'user', content: PROMPT }],
    ...extra,
  });
  const anthropic = { 'anthropic-version': '2023-06-01' };

  await call('gpt plain', `${relay.url}/v1/chat/completions`, chat('gpt-4.1'));
  await call(
    'gpt streamed',
    `${relay.url}/v1/chat/completions`,
    chat('gpt-4.1', { stream: true, stream_options: { include_usage: true } }),
  );
  await call(
    'claude streamed',
    `${relay.url}/v1/messages`,
    chat('claude-sonnet-4-5', { max_tokens: 64, stream: true }),
    anthropic,
  );
  await call('gemini', `${relay.url}/v1beta/models/gemini-2.0-flash:generateContent`, {
    contents: [{ role: 'user', parts: [{ text: PROMPT }] }],
  });
  await call('unpriced', `${relay.url}/v1/chat/completions`, chat('acme-unlisted-9'));
  await call('substituted', `${relay.url}/v1/chat/completions`, chat('gpt-4o'));
  // The last gpt-4.1 call fails: its rate-limit headers are the latest for that model.
  await call('gpt failed', `${relay.url}/v1/chat/completions`, chat('gpt-4.1'), { 'x-sim-fault': '500' });

  // OpenRouter reports each call's cost in `usage.cost`; the recorded value equals the table price, so it is edited.
  const recorded = JSON.parse(
    readFileSync(path.join(FIXTURES_DIR, 'openrouter/chat-completions-stream-processing-comments.json'), 'utf8'),
  ) as WireFixture & { request: { url: string; body: unknown } };
  const sse = recorded.response.body as string;
  const edited = sse.replace('"cost":0.00085,', `"cost":${RELAY_REPORTED_COST},`);
  expect(edited).not.toBe(sse);
  const served = relay.serveFixture({ ...recorded, response: { ...recorded.response, body: edited } });
  await call('relay priced', served.url, recorded.request.body);

  text = await scrape();
  samples = parseExposition(text);
});
afterAll(async () => {
  await relay.close();
});

// --- a small Prometheus text-format reader -------------------------------------------------------

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseExposition(exposition: string): Sample[] {
  const result: Sample[] = [];
  for (const line of exposition.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`unreadable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key!] = value!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    const raw = match[3]!;
    result.push({
      name: match[1]!,
      labels,
      value: raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw),
    });
  }
  return result;
}

/** Samples of one name whose labels include `match`. */
function find(name: string, match: Record<string, string> = {}): Sample[] {
  return samples.filter(s => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v));
}

function one(name: string, match: Record<string, string>): Sample {
  const found = find(name, match);
  expect(found, `${name} ${JSON.stringify(match)}`).toHaveLength(1);
  return found[0]!;
}

/** The labels a GenAI series of a call to the simulator carries. */
function callLabels(
  operation: string,
  provider: string,
  requestModel: string,
  responseModel?: string,
): Record<string, string> {
  return {
    gen_ai_operation_name: operation,
    gen_ai_provider_name: provider,
    gen_ai_request_model: requestModel,
    ...(responseModel ? { gen_ai_response_model: responseModel } : {}),
    server_address: '127.0.0.1',
    server_port: String(relay.port),
  };
}

function withoutExporterLabels(labels: Record<string, string>): Record<string, string> {
  const { otel_scope_name: _name, otel_scope_version: _version, le: _le, ...rest } = labels;
  return rest;
}

/** USD of a call from a built-in price table entry (the first one without a host restriction). */
function tableCost(model: string, input: number, output: number, cachedInput = 0): number {
  const entry = BUILT_IN_PRICES.find(e => e.model === model && !e.hosts);
  if (!entry) throw new Error(`no built-in price for ${model}`);
  return (
    ((input - cachedInput) * entry.input + cachedInput * (entry.cachedInput ?? entry.input) + output * entry.output) /
    1e6
  );
}

/** Checks a histogram series: le values, cumulative counts, +Inf = _count; returns [count, sum]. */
function histogram(family: string, labels: Record<string, string>, boundaries: number[]): [number, number] {
  const count = one(`${family}_count`, labels);
  const sum = one(`${family}_sum`, labels);
  const buckets = find(`${family}_bucket`, labels).filter(
    b => Object.keys(withoutExporterLabels(b.labels)).length === Object.keys(labels).length,
  );
  expect(buckets.map(b => b.labels['le'])).toEqual([...boundaries.map(String), '+Inf']);
  for (let i = 1; i < buckets.length; i++) expect(buckets[i]!.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value);
  expect(buckets.at(-1)!.value).toBe(count.value);
  // One series, one set of labels: the bucket, _sum and _count lines agree on them.
  expect(withoutExporterLabels(count.labels)).toEqual(labels);
  return [count.value, sum.value];
}

// --- the tests -------------------------------------------------------------------------------------

describe('metric families as the contract names them', () => {
  it('HELP/TYPE lines: histograms, counters with _total, gauges', () => {
    const types = Object.fromEntries([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map(m => [m[1], m[2]]));
    expect(types).toEqual({
      target_info: 'gauge',
      gen_ai_client_operation_duration: 'histogram',
      gen_ai_client_token_usage: 'histogram',
      gen_ai_client_operation_time_to_first_chunk: 'histogram',
      gen_ai_client_operation_time_per_output_chunk: 'histogram',
      llm_relay_cost_usd_total: 'counter',
      llm_relay_cost_unpriced_total: 'counter',
      llm_relay_rate_limit_remaining: 'gauge',
      llm_relay_rate_limit_limit: 'gauge',
      llm_relay_model_substitutions_total: 'counter',
      llm_relay_output_characters_total: 'counter',
    });
  });

  it("sample names are exactly the contract's (no unit suffixes on this path)", () => {
    expect(new Set(samples.map(s => s.name))).toEqual(
      new Set([
        'target_info',
        'gen_ai_client_operation_duration_bucket',
        'gen_ai_client_operation_duration_sum',
        'gen_ai_client_operation_duration_count',
        'gen_ai_client_token_usage_bucket',
        'gen_ai_client_token_usage_sum',
        'gen_ai_client_token_usage_count',
        'gen_ai_client_operation_time_to_first_chunk_bucket',
        'gen_ai_client_operation_time_to_first_chunk_sum',
        'gen_ai_client_operation_time_to_first_chunk_count',
        'gen_ai_client_operation_time_per_output_chunk_bucket',
        'gen_ai_client_operation_time_per_output_chunk_sum',
        'gen_ai_client_operation_time_per_output_chunk_count',
        'llm_relay_cost_usd_total',
        'llm_relay_cost_unpriced_total',
        'llm_relay_rate_limit_remaining',
        'llm_relay_rate_limit_limit',
        'llm_relay_model_substitutions_total',
        'llm_relay_output_characters_total',
      ]),
    );
  });

  it("every series of ours carries only contract labels (plus the exporter's scope labels and le)", () => {
    for (const sample of samples.filter(s => s.name !== 'target_info')) {
      expect(sample.labels).toMatchObject(EXPORTER_LABELS);
      for (const key of Object.keys(withoutExporterLabels(sample.labels))) {
        expect(CONTRACT_LABELS.has(key), `${sample.name}: label ${key}`).toBe(true);
      }
    }
  });

  it('no label value is per request: no ids, URLs, keys or prompt text', () => {
    const values = samples.flatMap(s => Object.values(s.labels));
    for (const value of values) {
      expect(value).not.toContain(PROMPT.slice(0, 20));
      expect(value).not.toMatch(/^(chatcmpl-|msg_|gen-|resp_)/);
      expect(value).not.toContain('http');
      expect(value).not.toContain('sk-test');
    }
  });
});

describe('gen_ai_client_operation_duration', () => {
  it('successful calls per model: count, buckets and a sum no longer than the callers waited', () => {
    const gpt = callLabels('chat', 'openai', 'gpt-4.1', calls['gpt plain']!.truth.responseModel);
    const [count, sum] = histogram('gen_ai_client_operation_duration', gpt, DURATION_BUCKETS);
    expect(count).toBe(2);
    expect(sum).toBeGreaterThan(0);
    expect(sum).toBeLessThanOrEqual(calls['gpt plain']!.elapsed + calls['gpt streamed']!.elapsed);

    const claude = callLabels('chat', 'anthropic', 'claude-sonnet-4-5', calls['claude streamed']!.truth.responseModel);
    expect(histogram('gen_ai_client_operation_duration', claude, DURATION_BUCKETS)[0]).toBe(1);
    const gemini = callLabels(
      'generate_content',
      'gcp.gen_ai',
      'gemini-2.0-flash',
      calls['gemini']!.truth.responseModel,
    );
    expect(histogram('gen_ai_client_operation_duration', gemini, DURATION_BUCKETS)[0]).toBe(1);
  });

  it('a failed call is its own series with error_type (and no response model)', () => {
    const failed = { ...callLabels('chat', 'openai', 'gpt-4.1'), error_type: '500' };
    const [count, sum] = histogram('gen_ai_client_operation_duration', failed, DURATION_BUCKETS);
    expect(count).toBe(1);
    expect(sum).toBeLessThanOrEqual(calls['gpt failed']!.elapsed);
    // Success rate = series without error_type over all: 8 calls, 1 failed.
    const total = find('gen_ai_client_operation_duration_count').reduce((a, s) => a + s.value, 0);
    const failures = find('gen_ai_client_operation_duration_count').filter(s => s.labels['error_type'] !== undefined);
    expect(total).toBe(8);
    expect(failures.map(s => [s.labels['error_type'], s.value])).toEqual([['500', 1]]);
  });
});

describe('gen_ai_client_token_usage', () => {
  it("input and output sums are the relay's own counts", () => {
    const plain = calls['gpt plain']!.truth;
    const streamed = calls['gpt streamed']!.truth;
    const gpt = callLabels('chat', 'openai', 'gpt-4.1', plain.responseModel);
    const [inCount, inSum] = histogram(
      'gen_ai_client_token_usage',
      { ...gpt, gen_ai_token_type: 'input' },
      TOKEN_BUCKETS,
    );
    const [outCount, outSum] = histogram(
      'gen_ai_client_token_usage',
      { ...gpt, gen_ai_token_type: 'output' },
      TOKEN_BUCKETS,
    );
    expect([inCount, inSum]).toEqual([2, plain.inputTokens! + streamed.inputTokens!]);
    expect([outCount, outSum]).toEqual([2, plain.outputTokens! + streamed.outputTokens!]);

    const claudeTruth = calls['claude streamed']!.truth;
    const claude = callLabels('chat', 'anthropic', 'claude-sonnet-4-5', claudeTruth.responseModel);
    expect(histogram('gen_ai_client_token_usage', { ...claude, gen_ai_token_type: 'input' }, TOKEN_BUCKETS)).toEqual([
      1,
      claudeTruth.inputTokens,
    ]);
    expect(histogram('gen_ai_client_token_usage', { ...claude, gen_ai_token_type: 'output' }, TOKEN_BUCKETS)).toEqual([
      1,
      claudeTruth.outputTokens,
    ]);
  });

  it('the failed call recorded no tokens', () => {
    expect(find('gen_ai_client_token_usage_count', { error_type: '500' })).toEqual([]);
    expect(samples.filter(s => s.name.startsWith('gen_ai_client_token_usage') && s.labels['error_type'])).toEqual([]);
  });
});

describe('streaming timings', () => {
  it('time to first chunk: only the streamed calls, one observation each', () => {
    const series = find('gen_ai_client_operation_time_to_first_chunk_count');
    expect(series.map(s => [s.labels['gen_ai_request_model'], s.value]).sort()).toEqual([
      ['claude-sonnet-4-5', 1],
      ['gpt-4.1', 1],
      ['openai/o3', 1],
    ]);
    const gpt = callLabels('chat', 'openai', 'gpt-4.1', calls['gpt streamed']!.truth.responseModel);
    const [, sum] = histogram('gen_ai_client_operation_time_to_first_chunk', gpt, DURATION_BUCKETS);
    expect(sum).toBeGreaterThanOrEqual(0.019);
    expect(sum).toBeLessThan(calls['gpt streamed']!.elapsed);
  });

  it('time per output chunk: one observation per chunk after the first, streamed calls only', () => {
    const series = find('gen_ai_client_operation_time_per_output_chunk_count');
    const byModel = Object.fromEntries(series.map(s => [s.labels['gen_ai_request_model'], s.value]));
    const chunks = (truth: ReportedResponse) => truth.outputTokens! - (truth.reasoningTokens ?? 0);
    expect(byModel['gpt-4.1']).toBe(chunks(calls['gpt streamed']!.truth) - 1);
    expect(byModel['claude-sonnet-4-5']).toBe(chunks(calls['claude streamed']!.truth) - 1);
    expect(Object.keys(byModel).sort()).toEqual(['claude-sonnet-4-5', 'gpt-4.1', 'openai/o3']);
    for (const s of find('gen_ai_client_operation_time_per_output_chunk_bucket')) {
      expect(DURATION_BUCKETS.map(String).concat('+Inf')).toContain(s.labels['le']);
    }
  });
});

describe('llm_relay_cost_usd_total', () => {
  it('table prices: tokens × the built-in price of the answering model, per model', () => {
    const plain = calls['gpt plain']!.truth;
    const streamed = calls['gpt streamed']!.truth;
    const gpt = one('llm_relay_cost_usd_total', { gen_ai_request_model: 'gpt-4.1', llm_relay_cost_source: 'table' });
    expect(withoutExporterLabels(gpt.labels)).toEqual({
      ...callLabels('chat', 'openai', 'gpt-4.1', plain.responseModel),
      llm_relay_cost_source: 'table',
    });
    expect(gpt.value).toBeCloseTo(
      tableCost('gpt-4.1', plain.inputTokens!, plain.outputTokens!) +
        tableCost('gpt-4.1', streamed.inputTokens!, streamed.outputTokens!),
      12,
    );
    const claude = calls['claude streamed']!.truth;
    expect(one('llm_relay_cost_usd_total', { gen_ai_request_model: 'claude-sonnet-4-5' }).value).toBeCloseTo(
      tableCost('claude-sonnet-4-5', claude.inputTokens!, claude.outputTokens!),
      12,
    );
    const gemini = calls['gemini']!.truth;
    expect(one('llm_relay_cost_usd_total', { gen_ai_request_model: 'gemini-2.0-flash' }).value).toBeCloseTo(
      tableCost('gemini-2.0-flash', gemini.inputTokens!, gemini.outputTokens!),
      12,
    );
  });

  it('a substituted call is billed as the model that answered', () => {
    const truth = calls['substituted']!.truth;
    expect(truth.responseModel).toBe('gpt-4o-mini');
    const cost = one('llm_relay_cost_usd_total', { gen_ai_request_model: 'gpt-4o' });
    expect(cost.labels['gen_ai_response_model']).toBe('gpt-4o-mini');
    expect(cost.value).toBeCloseTo(tableCost('gpt-4o-mini', truth.inputTokens!, truth.outputTokens!), 12);
  });

  it('a cost the relay reported wins and is labelled as such', () => {
    const relayCost = one('llm_relay_cost_usd_total', { llm_relay_cost_source: 'relay' });
    expect(relayCost.value).toBe(RELAY_REPORTED_COST);
    expect(relayCost.labels['gen_ai_request_model']).toBe('openai/o3');
    expect(
      find('llm_relay_cost_usd_total', { gen_ai_request_model: 'openai/o3', llm_relay_cost_source: 'table' }),
    ).toEqual([]);
  });

  it('no cost series for the unpriced model nor the failed call', () => {
    expect(find('llm_relay_cost_usd_total', { gen_ai_request_model: 'acme-unlisted-9' })).toEqual([]);
    expect(samples.filter(s => s.name === 'llm_relay_cost_usd_total' && s.labels['error_type'])).toEqual([]);
    expect(
      find('llm_relay_cost_usd_total')
        .map(s => s.labels['gen_ai_request_model'])
        .sort(),
    ).toEqual(['claude-sonnet-4-5', 'gemini-2.0-flash', 'gpt-4.1', 'gpt-4o', 'openai/o3']);
  });
});

describe('llm_relay_cost_unpriced_total', () => {
  it('counts the call whose model has no price, with the call labels', () => {
    const [unpriced, ...more] = find('llm_relay_cost_unpriced_total');
    expect(more).toEqual([]);
    expect(withoutExporterLabels(unpriced!.labels)).toEqual(
      callLabels('chat', 'openai', 'acme-unlisted-9', calls['unpriced']!.truth.responseModel),
    );
    expect(unpriced!.value).toBe(1);
  });
});

describe('llm_relay_rate_limit_remaining / _limit', () => {
  const number = (headers: Headers, name: string) => Number(headers.get(name));

  it('OpenAI-shape headers: requests and tokens, the latest values for the model', () => {
    const last = calls['gpt failed']!.headers;
    const labels = (kind: string) => ({ ...callLabels('chat', 'openai', 'gpt-4.1'), llm_relay_rate_limit_kind: kind });
    for (const kind of ['requests', 'tokens']) {
      const remaining = one('llm_relay_rate_limit_remaining', labels(kind));
      expect(withoutExporterLabels(remaining.labels)).toEqual(labels(kind));
      expect(remaining.value).toBe(number(last, `x-ratelimit-remaining-${kind}`));
      expect(one('llm_relay_rate_limit_limit', labels(kind)).value).toBe(number(last, `x-ratelimit-limit-${kind}`));
    }
    expect(find('llm_relay_rate_limit_remaining', { gen_ai_request_model: 'gpt-4.1' })).toHaveLength(2);
  });

  it('Anthropic-shape headers: requests, tokens, input_tokens and output_tokens', () => {
    const headers = calls['claude streamed']!.headers;
    const header: Record<string, string> = {
      requests: 'requests',
      tokens: 'tokens',
      input_tokens: 'input-tokens',
      output_tokens: 'output-tokens',
    };
    const series = find('llm_relay_rate_limit_remaining', { gen_ai_request_model: 'claude-sonnet-4-5' });
    expect(series.map(s => s.labels['llm_relay_rate_limit_kind']).sort()).toEqual([
      'input_tokens',
      'output_tokens',
      'requests',
      'tokens',
    ]);
    for (const [kind, name] of Object.entries(header)) {
      const labels = { ...callLabels('chat', 'anthropic', 'claude-sonnet-4-5'), llm_relay_rate_limit_kind: kind };
      expect(one('llm_relay_rate_limit_remaining', labels).value).toBe(
        number(headers, `anthropic-ratelimit-${name}-remaining`),
      );
      expect(one('llm_relay_rate_limit_limit', labels).value).toBe(
        number(headers, `anthropic-ratelimit-${name}-limit`),
      );
    }
  });

  it('quota headroom is computable: remaining ≤ limit for every series', () => {
    for (const remaining of find('llm_relay_rate_limit_remaining')) {
      const limit = one('llm_relay_rate_limit_limit', withoutExporterLabels(remaining.labels));
      expect(remaining.value).toBeLessThanOrEqual(limit.value);
    }
  });
});

describe('llm_relay_model_substitutions_total', () => {
  it('counts gpt-4o answered by gpt-4o-mini, not gpt-4.1 answered by its dated snapshot', () => {
    expect(calls['gpt plain']!.truth.responseModel).toBe('gpt-4.1-2025-04-14');
    const [substitution, ...more] = find('llm_relay_model_substitutions_total');
    expect(more).toEqual([]);
    expect(withoutExporterLabels(substitution!.labels)).toEqual(callLabels('chat', 'openai', 'gpt-4o', 'gpt-4o-mini'));
    expect(substitution!.value).toBe(1);
  });
});

describe('every wire format, streamed and not, in the exposition text', () => {
  interface FormatCall {
    name: string;
    path: string;
    body: Record<string, unknown>;
    headers?: Record<string, string>;
    operation: string;
    provider: string;
    /** One model per call, so each call is its own series. */
    model: string;
    stream: boolean;
    usage: 'input+output' | 'input' | 'none';
  }
  const messages = [{ role: 'user', content: PROMPT }];
  const contents = [{ role: 'user', parts: [{ text: PROMPT }] }];
  const includeUsage = { stream: true, stream_options: { include_usage: true } };
  const FORMATS: FormatCall[] = [
    {
      name: 'chat',
      path: '/v1/chat/completions',
      body: { model: 'gpt-4.1-mini', messages },
      operation: 'chat',
      provider: 'openai',
      model: 'gpt-4.1-mini',
      stream: false,
      usage: 'input+output',
    },
    {
      name: 'chat, streamed',
      path: '/v1/chat/completions',
      body: { model: 'gpt-4.1-nano', messages, ...includeUsage },
      operation: 'chat',
      provider: 'openai',
      model: 'gpt-4.1-nano',
      stream: true,
      usage: 'input+output',
    },
    {
      name: 'responses',
      path: '/v1/responses',
      body: { model: 'gpt-4o', input: PROMPT },
      operation: 'chat',
      provider: 'openai',
      model: 'gpt-4o',
      stream: false,
      usage: 'input+output',
    },
    {
      name: 'responses, streamed',
      path: '/v1/responses',
      body: { model: 'gpt-4o-mini', input: PROMPT, stream: true },
      operation: 'chat',
      provider: 'openai',
      model: 'gpt-4o-mini',
      stream: true,
      usage: 'input+output',
    },
    {
      name: 'completions',
      path: '/v1/completions',
      body: { model: 'gpt-3.5-turbo-instruct', prompt: PROMPT },
      operation: 'text_completion',
      provider: 'openai',
      model: 'gpt-3.5-turbo-instruct',
      stream: false,
      usage: 'input+output',
    },
    {
      name: 'completions, streamed',
      path: '/v1/completions',
      body: { model: 'davinci-002', prompt: PROMPT, ...includeUsage },
      operation: 'text_completion',
      provider: 'openai',
      model: 'davinci-002',
      stream: true,
      usage: 'input+output',
    },
    {
      name: 'embeddings',
      path: '/v1/embeddings',
      body: { model: 'text-embedding-3-small', input: PROMPT },
      operation: 'embeddings',
      provider: 'openai',
      model: 'text-embedding-3-small',
      stream: false,
      usage: 'input',
    },
    {
      name: 'messages',
      path: '/v1/messages',
      headers: { 'anthropic-version': '2023-06-01' },
      body: { model: 'claude-haiku-4-5', max_tokens: 64, messages },
      operation: 'chat',
      provider: 'anthropic',
      model: 'claude-haiku-4-5',
      stream: false,
      usage: 'input+output',
    },
    {
      name: 'messages, streamed',
      path: '/v1/messages',
      headers: { 'anthropic-version': '2023-06-01' },
      body: { model: 'claude-sonnet-4-5', max_tokens: 64, messages, stream: true },
      operation: 'chat',
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
      stream: true,
      usage: 'input+output',
    },
    {
      name: 'generateContent',
      path: '/v1beta/models/gemini-2.0-flash:generateContent',
      body: { contents },
      operation: 'generate_content',
      provider: 'gcp.gen_ai',
      model: 'gemini-2.0-flash',
      stream: false,
      usage: 'input+output',
    },
    {
      name: 'streamGenerateContent?alt=sse',
      path: '/v1beta/models/gemini-2.0-flash-lite:streamGenerateContent?alt=sse',
      body: { contents },
      operation: 'generate_content',
      provider: 'gcp.gen_ai',
      model: 'gemini-2.0-flash-lite',
      stream: true,
      usage: 'input+output',
    },
    {
      name: 'streamGenerateContent (JSON array)',
      path: '/v1beta/models/gemini-1.5-flash:streamGenerateContent',
      body: { contents },
      operation: 'generate_content',
      provider: 'gcp.gen_ai',
      model: 'gemini-1.5-flash',
      stream: true,
      usage: 'input+output',
    },
    {
      name: 'embedContent',
      path: '/v1beta/models/gemini-embedding-001:embedContent',
      body: { content: { parts: [{ text: PROMPT }] } },
      operation: 'embeddings',
      provider: 'gcp.gen_ai',
      model: 'gemini-embedding-001',
      stream: false,
      usage: 'none',
    },
  ];
  const truths = new Map<string, ReportedResponse>();

  beforeAll(async () => {
    // A fresh exporter: only this workload's series.
    const fresh = new PrometheusExporter({ preventServerStart: true });
    otel.instrumentation.setMeterProvider(new MeterProvider({ readers: [fresh] }));
    relay.reset();
    for (const f of FORMATS) {
      otel.reset();
      const response = await fetch(relay.url + f.path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...f.headers },
        body: JSON.stringify(f.body),
      });
      await response.arrayBuffer();
      await otel.waitForRelaySpans(1);
      truths.set(f.name, relay.requests.at(-1)!.response!);
    }
    const exposition = await new Promise<string>(resolve => {
      const response = { statusCode: 0, setHeader() {}, end: (body: string) => resolve(body) };
      fresh.getMetricsRequestHandler({} as IncomingMessage, response as unknown as ServerResponse);
    });
    samples = parseExposition(exposition);
  });

  it.each(FORMATS.map(f => [f.name, f] as const))('%s', (_name, f) => {
    const truth = truths.get(f.name)!;
    expect(truth.status).toBe(200);
    const labels = callLabels(f.operation, f.provider, f.model, truth.responseModel);
    expect(histogram('gen_ai_client_operation_duration', labels, DURATION_BUCKETS)[0]).toBe(1);

    const tokens = (type: string) =>
      find('gen_ai_client_token_usage_sum', { gen_ai_request_model: f.model, gen_ai_token_type: type });
    if (f.usage === 'none') {
      expect(find('gen_ai_client_token_usage_count', { gen_ai_request_model: f.model })).toEqual([]);
    } else {
      expect(histogram('gen_ai_client_token_usage', { ...labels, gen_ai_token_type: 'input' }, TOKEN_BUCKETS)).toEqual([
        1,
        truth.inputTokens,
      ]);
      if (f.usage === 'input+output') {
        expect(
          histogram('gen_ai_client_token_usage', { ...labels, gen_ai_token_type: 'output' }, TOKEN_BUCKETS),
        ).toEqual([1, truth.outputTokens]);
      } else {
        expect(tokens('output')).toEqual([]);
      }
    }

    const firstChunk = find('gen_ai_client_operation_time_to_first_chunk_count', { gen_ai_request_model: f.model });
    const perChunk = find('gen_ai_client_operation_time_per_output_chunk_count', { gen_ai_request_model: f.model });
    if (f.stream) {
      expect(histogram('gen_ai_client_operation_time_to_first_chunk', labels, DURATION_BUCKETS)[0]).toBe(1);
      expect(perChunk.map(s => s.value)).toEqual([truth.outputTokens! - (truth.reasoningTokens ?? 0) - 1]);
    } else {
      expect(firstChunk).toEqual([]);
      expect(perChunk).toEqual([]);
    }
  });
});
