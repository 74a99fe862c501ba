/*
 * The GenAI client metrics of one real HTTP call per wire format, streaming and not, read through
 * a metric reader: token counts equal to what the relay itself reported, durations bounded by the
 * relay's pauses and the client's own stopwatch, the conventions' bucket boundaries, and the full
 * label set of every point (nothing per request). Node's fetch only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataPointType, MeterProvider } from '@opentelemetry/sdk-metrics';
import type { DataPoint, Histogram, MetricData } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { startRelaySimulator } from '../../examples/relay-simulator/server.ts';
import type { FaultName, RelaySimulator, ReportedResponse } from '../../examples/relay-simulator/server.ts';
import { setupOtel, TestMetricReader } from '../support/otel-harness';

// Bucket advice of the GenAI conventions (gen-ai-metrics.md, v1.41.0); the chunk timings use the duration buckets.
const DURATION_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];

const DURATION = 'gen_ai.client.operation.duration';
const TOKEN_USAGE = 'gen_ai.client.token.usage';
const TIME_TO_FIRST_CHUNK = 'gen_ai.client.operation.time_to_first_chunk';
const TIME_PER_OUTPUT_CHUNK = 'gen_ai.client.operation.time_per_output_chunk';

/** The only labels a GenAI metric point may carry (semconv allowlist; nothing per request). */
const ALLOWED_LABELS = new Set([
  'gen_ai.operation.name',
  'gen_ai.provider.name',
  'gen_ai.request.model',
  'gen_ai.response.model',
  'server.address',
  'server.port',
  'error.type',
  'gen_ai.token.type',
]);

// The relay's pauses: every duration must be at least their sum.
const LATENCY_MS = 20;
const FIRST_CHUNK_MS = 30;
const CHUNK_MS = 8;
/** Node timers may fire up to a millisecond early against performance.now(). */
const TIMER_SLACK_MS = 1;
const PROMPT = 'Where is order 42? It left the warehouse on Monday.';

const otel = setupOtel();
let relay: RelaySimulator;

beforeAll(async () => {
  relay = await startRelaySimulator({
    latencyMs: LATENCY_MS,
    firstChunkDelayMs: FIRST_CHUNK_MS,
    chunkDelayMs: CHUNK_MS,
    outputTokens: 6,
  });
});
afterAll(async () => {
  await relay.close();
});

interface WireCase {
  name: string;
  path: string;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
  stream: boolean;
  operation: string;
  provider: string;
  requestModel: string;
  /** What the API reports: input and output tokens, input only (embeddings), or nothing (Gemini embedContent). */
  usage: 'input+output' | 'input' | 'none';
}

const chat = { messages: [{ role: 'user', content: PROMPT }] };
const anthropicHeaders = { 'anthropic-version': '2023-06-01', 'x-api-key': 'sk-ant-test' };
const gemini = { contents: [{ role: 'user', parts: [{ text: PROMPT }] }] };
const includeUsage = { stream: true, stream_options: { include_usage: true } };

const CASES: WireCase[] = [
  {
    name: 'OpenAI chat completions',
    path: '/v1/chat/completions',
    body: { model: 'gpt-4.1', ...chat },
    stream: false,
    operation: 'chat',
    provider: 'openai',
    requestModel: 'gpt-4.1',
    usage: 'input+output',
  },
  {
    name: 'OpenAI chat completions, streamed',
    path: '/v1/chat/completions',
    body: { model: 'gpt-4.1', ...chat, ...includeUsage },
    stream: true,
    operation: 'chat',
    provider: 'openai',
    requestModel: 'gpt-4.1',
    usage: 'input+output',
  },
  // Reasoning models: output tokens include the reasoning tokens, which are counted but not streamed.
  {
    name: 'OpenAI chat completions, reasoning model, streamed',
    path: '/v1/chat/completions',
    body: { model: 'o4-mini', ...chat, ...includeUsage },
    stream: true,
    operation: 'chat',
    provider: 'openai',
    requestModel: 'o4-mini',
    usage: 'input+output',
  },
  {
    name: 'OpenAI Responses',
    path: '/v1/responses',
    body: { model: 'gpt-4.1-mini', input: PROMPT },
    stream: false,
    operation: 'chat',
    provider: 'openai',
    requestModel: 'gpt-4.1-mini',
    usage: 'input+output',
  },
  {
    name: 'OpenAI Responses, streamed',
    path: '/v1/responses',
    body: { model: 'gpt-4.1-mini', input: PROMPT, stream: true },
    stream: true,
    operation: 'chat',
    provider: 'openai',
    requestModel: 'gpt-4.1-mini',
    usage: 'input+output',
  },
  {
    name: 'OpenAI legacy completions',
    path: '/v1/completions',
    body: { model: 'gpt-3.5-turbo-instruct', prompt: PROMPT },
    stream: false,
    operation: 'text_completion',
    provider: 'openai',
    requestModel: 'gpt-3.5-turbo-instruct',
    usage: 'input+output',
  },
  {
    name: 'OpenAI legacy completions, streamed',
    path: '/v1/completions',
    body: { model: 'gpt-3.5-turbo-instruct', prompt: PROMPT, ...includeUsage },
    stream: true,
    operation: 'text_completion',
    provider: 'openai',
    requestModel: 'gpt-3.5-turbo-instruct',
    usage: 'input+output',
  },
  {
    name: 'OpenAI embeddings',
    path: '/v1/embeddings',
    body: { model: 'text-embedding-3-small', input: PROMPT },
    stream: false,
    operation: 'embeddings',
    provider: 'openai',
    requestModel: 'text-embedding-3-small',
    usage: 'input',
  },
  {
    name: 'Anthropic messages',
    path: '/v1/messages',
    headers: anthropicHeaders,
    body: { model: 'claude-sonnet-4-5', max_tokens: 256, ...chat },
    stream: false,
    operation: 'chat',
    provider: 'anthropic',
    requestModel: 'claude-sonnet-4-5',
    usage: 'input+output',
  },
  {
    name: 'Anthropic messages, streamed',
    path: '/v1/messages',
    headers: anthropicHeaders,
    body: { model: 'claude-sonnet-4-5', max_tokens: 256, stream: true, ...chat },
    stream: true,
    operation: 'chat',
    provider: 'anthropic',
    requestModel: 'claude-sonnet-4-5',
    usage: 'input+output',
  },
  {
    name: 'Gemini generateContent',
    path: '/v1beta/models/gemini-2.0-flash:generateContent',
    body: gemini,
    stream: false,
    operation: 'generate_content',
    provider: 'gcp.gen_ai',
    requestModel: 'gemini-2.0-flash',
    usage: 'input+output',
  },
  {
    name: 'Gemini streamGenerateContent?alt=sse',
    path: '/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse',
    body: gemini,
    stream: true,
    operation: 'generate_content',
    provider: 'gcp.gen_ai',
    requestModel: 'gemini-2.0-flash',
    usage: 'input+output',
  },
  // Gemini reports thoughts apart from candidates; output tokens include them.
  {
    name: 'Gemini 2.5 streamGenerateContent?alt=sse, with thoughts',
    path: '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
    body: gemini,
    stream: true,
    operation: 'generate_content',
    provider: 'gcp.gen_ai',
    requestModel: 'gemini-2.5-flash',
    usage: 'input+output',
  },
  {
    name: 'Gemini streamGenerateContent (JSON array)',
    path: '/v1beta/models/gemini-2.0-flash:streamGenerateContent',
    body: gemini,
    stream: true,
    operation: 'generate_content',
    provider: 'gcp.gen_ai',
    requestModel: 'gemini-2.0-flash',
    usage: 'input+output',
  },
  {
    name: 'Gemini embedContent',
    path: '/v1beta/models/gemini-embedding-001:embedContent',
    body: { content: { parts: [{ text: PROMPT }] } },
    stream: false,
    operation: 'embeddings',
    provider: 'gcp.gen_ai',
    requestModel: 'gemini-embedding-001',
    usage: 'none',
  },
];

interface Observed {
  /** Seconds from just before fetch() to the last body byte read by the caller. */
  elapsed: number;
  span: ReadableSpan;
  /** What the relay says it answered (server-side truth). */
  truth: ReportedResponse;
  metrics: MetricData[];
}

async function callAndCollect(c: Pick<WireCase, 'path' | 'body' | 'headers'>, fault?: FaultName): Promise<Observed> {
  // A fresh meter per call: the metrics seen are this call's only.
  const reader = new TestMetricReader();
  otel.instrumentation.setMeterProvider(new MeterProvider({ readers: [reader] }));
  otel.reset();
  relay.reset();
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    authorization: 'Bearer sk-test',
    ...c.headers,
  };
  if (fault) headers['x-sim-fault'] = fault;
  const started = performance.now();
  try {
    const response = await fetch(relay.url + c.path, { method: 'POST', headers, body: JSON.stringify(c.body) });
    await response.arrayBuffer();
  } catch {
    // Broken connections are part of the cases; the metrics are what is checked.
  }
  const elapsed = (performance.now() - started) / 1000;
  const [span] = await otel.waitForRelaySpans(1);
  const { resourceMetrics, errors } = await reader.collect();
  expect(errors).toEqual([]);
  return {
    elapsed,
    span: span!,
    truth: relay.requests.at(-1)!.response!,
    metrics: resourceMetrics.scopeMetrics.flatMap(s => s.metrics),
  };
}

function pointsOf(metrics: MetricData[], name: string): DataPoint<unknown>[] {
  return metrics.filter(m => m.descriptor.name === name).flatMap(m => m.dataPoints as DataPoint<unknown>[]);
}

/** Sum of a histogram point (the SDK always fills it for explicit-bucket histograms). */
function sumOf(point: DataPoint<unknown> | undefined): number {
  const sum = (point?.value as Histogram | undefined)?.sum;
  if (sum === undefined) throw new Error('histogram point without a sum');
  return sum;
}

/** Checks that a histogram point holds exactly one observation, in the right bucket, with the given boundaries; returns it. */
function singleObservation(point: DataPoint<unknown>, boundaries: number[]): number {
  const h = point.value as Histogram;
  const sum = sumOf(point);
  expect(h.count).toBe(1);
  expect(h.buckets.boundaries).toEqual(boundaries);
  // Buckets are upper-inclusive: (b[i-1], b[i]].
  const index = boundaries.findIndex(b => sum <= b);
  const expected = new Array<number>(boundaries.length + 1).fill(0);
  expected[index === -1 ? boundaries.length : index] = 1;
  expect(h.buckets.counts).toEqual(expected);
  expect(h.min).toBe(sum);
  expect(h.max).toBe(sum);
  return sum;
}

function labelsOf(c: WireCase, truth: ReportedResponse): Record<string, unknown> {
  return {
    'gen_ai.operation.name': c.operation,
    'gen_ai.provider.name': c.provider,
    'gen_ai.request.model': c.requestModel,
    ...(truth.responseModel ? { 'gen_ai.response.model': truth.responseModel } : {}),
    'server.address': '127.0.0.1',
    'server.port': relay.port,
  };
}

/** Output chunks the relay streamed: one per answer word (reasoning tokens are counted, not streamed). */
function outputChunks(truth: ReportedResponse): number {
  return truth.outputTokens! - (truth.reasoningTokens ?? 0);
}

describe.each(CASES)('$name', c => {
  // One call per case; every test below reads its metrics.
  let observed: Observed;
  beforeAll(async () => {
    observed = await callAndCollect(c);
  });

  it('operation duration: one point, the full label set, bounded by the relay pauses and the client stopwatch', () => {
    const { elapsed, truth, metrics, span } = observed;
    expect(truth.status).toBe(200);
    expect(span.status.code).toBe(0);
    const [point, ...more] = pointsOf(metrics, DURATION);
    expect(more).toEqual([]);
    expect(point!.attributes).toEqual(labelsOf(c, truth));
    const seconds = singleObservation(point!, DURATION_BUCKETS);
    const pausesMs = c.stream ? LATENCY_MS + FIRST_CHUNK_MS + (outputChunks(truth) - 1) * CHUNK_MS : LATENCY_MS;
    const sleeps = c.stream ? outputChunks(truth) + 1 : 1;
    expect(seconds).toBeGreaterThanOrEqual((pausesMs - sleeps * TIMER_SLACK_MS) / 1000);
    expect(seconds).toBeLessThanOrEqual(elapsed);
  });

  it("token usage: the relay's own counts, one point per token type", () => {
    const { truth, metrics } = observed;
    const points = pointsOf(metrics, TOKEN_USAGE);
    const byType = new Map(points.map(p => [p.attributes['gen_ai.token.type'], p]));
    if (c.usage === 'none') {
      expect(points).toEqual([]);
      return;
    }
    expect(points).toHaveLength(c.usage === 'input' ? 1 : 2);
    const input = byType.get('input')!;
    expect(input.attributes).toEqual({ ...labelsOf(c, truth), 'gen_ai.token.type': 'input' });
    expect(singleObservation(input, TOKEN_BUCKETS)).toBe(truth.inputTokens);
    if (c.usage === 'input+output') {
      const output = byType.get('output')!;
      expect(output.attributes).toEqual({ ...labelsOf(c, truth), 'gen_ai.token.type': 'output' });
      expect(singleObservation(output, TOKEN_BUCKETS)).toBe(truth.outputTokens);
    }
  });

  if (!c.stream) {
    it('no time-to-first-chunk and no time-per-output-chunk for a call that does not stream', () => {
      const { metrics } = observed;
      expect(pointsOf(metrics, DURATION)).toHaveLength(1);
      expect(pointsOf(metrics, TIME_TO_FIRST_CHUNK)).toEqual([]);
      expect(pointsOf(metrics, TIME_PER_OUTPUT_CHUNK)).toEqual([]);
    });
    return;
  }

  it("time to first chunk: one point, the span's value, after the relay's first-chunk pause and within the call", () => {
    const { truth, metrics, span } = observed;
    const [point, ...more] = pointsOf(metrics, TIME_TO_FIRST_CHUNK);
    expect(more).toEqual([]);
    expect(point!.attributes).toEqual(labelsOf(c, truth));
    const seconds = singleObservation(point!, DURATION_BUCKETS);
    expect(seconds).toBe(span.attributes['gen_ai.response.time_to_first_chunk']);
    expect(seconds).toBeGreaterThanOrEqual((LATENCY_MS + FIRST_CHUNK_MS - 2 * TIMER_SLACK_MS) / 1000);
    expect(seconds).toBeLessThan(sumOf(pointsOf(metrics, DURATION)[0]));
  });

  it('time per output chunk: one observation per chunk after the first, together no longer than the stream', () => {
    const { truth, metrics } = observed;
    const points = pointsOf(metrics, TIME_PER_OUTPUT_CHUNK);
    expect(points).toHaveLength(1);
    const point = points[0]!;
    const { 'gen_ai.response.model': _responseModel, ...known } = labelsOf(c, truth);
    expect(point.attributes).toMatchObject(known);
    for (const key of Object.keys(point.attributes)) expect(ALLOWED_LABELS).toContain(key);
    const h = point.value as Histogram;
    expect(h.buckets.boundaries).toEqual(DURATION_BUCKETS);
    expect(h.count).toBe(outputChunks(truth) - 1);
    expect(h.buckets.counts.reduce((a, b) => a + b, 0)).toBe(h.count);
    const duration = sumOf(pointsOf(metrics, DURATION)[0]);
    const firstChunk = sumOf(pointsOf(metrics, TIME_TO_FIRST_CHUNK)[0]);
    expect(h.min).toBeGreaterThanOrEqual(0);
    expect(sumOf(point)).toBeLessThanOrEqual(duration - firstChunk + 1e-9);
    // The relay paused CHUNK_MS between chunks; arrival gaps may bunch up, but not vanish altogether.
    expect(sumOf(point)).toBeGreaterThan(((outputChunks(truth) - 1) * CHUNK_MS * 0.25) / 1000);
  });

  it("time per output chunk carries the response model, like the call's other GenAI metrics", async () => {
    // Contract: the labels of all four GenAI metrics include gen_ai_response_model when known; a streamed
    // call knows it from its first chunk on, and the same call's duration and first-chunk points carry it.
    const { truth, metrics } = observed;
    const [point] = pointsOf(metrics, TIME_PER_OUTPUT_CHUNK);
    expect(point!.attributes).toEqual(labelsOf(c, truth));
  });
});

describe('instruments', () => {
  it('names, units and kinds as the conventions define them', async () => {
    const { metrics } = await callAndCollect(CASES.find(c => c.name === 'OpenAI chat completions, streamed')!);
    const descriptor = (name: string) => metrics.find(m => m.descriptor.name === name);
    expect(descriptor(DURATION)).toMatchObject({ descriptor: { unit: 's' }, dataPointType: DataPointType.HISTOGRAM });
    expect(descriptor(TOKEN_USAGE)).toMatchObject({
      descriptor: { unit: '{token}' },
      dataPointType: DataPointType.HISTOGRAM,
    });
    expect(descriptor(TIME_TO_FIRST_CHUNK)).toMatchObject({
      descriptor: { unit: 's' },
      dataPointType: DataPointType.HISTOGRAM,
    });
    expect(descriptor(TIME_PER_OUTPUT_CHUNK)).toMatchObject({
      descriptor: { unit: 's' },
      dataPointType: DataPointType.HISTOGRAM,
    });
  });

  it('no point of any metric carries a per-request value (ids, URLs, prompt text)', async () => {
    const { metrics, span } = await callAndCollect(CASES.find(c => c.name === 'OpenAI chat completions, streamed')!);
    const perRequest = [String(span.attributes['gen_ai.response.id']), String(span.attributes['url.full']), PROMPT];
    for (const metric of metrics) {
      for (const point of metric.dataPoints) {
        for (const [key, value] of Object.entries(point.attributes)) {
          expect(
            ALLOWED_LABELS.has(key) ||
              key === 'llm_relay.cost.source' ||
              key === 'llm_relay.rate_limit.kind' ||
              key === 'gen_ai.token.modality',
            `${metric.descriptor.name}: ${key}`,
          ).toBe(true);
          expect(perRequest).not.toContain(String(value));
        }
      }
    }
  });
});

describe('failed calls', () => {
  const byName = (name: string) => CASES.find(c => c.name === name)!;
  const openaiChat = byName('OpenAI chat completions');
  const anthropicStream = byName('Anthropic messages, streamed');

  it.each<[string, WireCase, FaultName, string]>([
    ['a 500', openaiChat, '500', '500'],
    ['a 429 on a stream', anthropicStream, '429', '429'],
    ['an HTML 502 from a proxy in front', openaiChat, 'html-502', '502'],
    ['unparseable JSON in a 200', openaiChat, 'invalid-json', 'invalid_response'],
  ])(
    '%s: the duration point carries error.type, no token usage, no chunk timings',
    async (_name, c, fault, errorType) => {
      const { metrics, span, elapsed } = await callAndCollect(c, fault);
      expect(span.attributes['error.type']).toBe(errorType);
      const [point, ...more] = pointsOf(metrics, DURATION);
      expect(more).toEqual([]);
      expect(point!.attributes).toEqual({
        'gen_ai.operation.name': c.operation,
        'gen_ai.provider.name': c.provider,
        'gen_ai.request.model': c.requestModel,
        'server.address': '127.0.0.1',
        'server.port': relay.port,
        'error.type': errorType,
      });
      expect(singleObservation(point!, DURATION_BUCKETS)).toBeLessThanOrEqual(elapsed);
      expect(pointsOf(metrics, TOKEN_USAGE)).toEqual([]);
      expect(pointsOf(metrics, TIME_TO_FIRST_CHUNK)).toEqual([]);
      expect(pointsOf(metrics, TIME_PER_OUTPUT_CHUNK)).toEqual([]);
    },
  );

  it('a connection reset: error.type is the transport error, the same as on the span', async () => {
    const { metrics, span } = await callAndCollect(openaiChat, 'reset');
    const errorType = span.attributes['error.type'];
    expect(errorType).toMatch(/^(UND_ERR_SOCKET|ECONNRESET|incomplete_response)$/);
    const [point] = pointsOf(metrics, DURATION);
    expect(point!.attributes['error.type']).toBe(errorType);
    expect(pointsOf(metrics, TOKEN_USAGE)).toEqual([]);
  });
});

describe('cache and reasoning tokens (the draft gen_ai.client.inference.usage.detailed.* counters)', () => {
  const CACHE_READ = 'gen_ai.client.inference.usage.detailed.cache_read.input_tokens';
  const REASONING = 'gen_ai.client.inference.usage.detailed.reasoning.output_tokens';
  const CACHE_WRITE = 'gen_ai.client.inference.usage.detailed.cache_write.input_tokens';
  const byName = (name: string) => CASES.find(c => c.name === name)!;
  const cached = { 'x-sim-cached-tokens': '4' };

  it.each([
    byName('OpenAI chat completions, reasoning model, streamed'),
    byName('OpenAI Responses'),
    byName('Anthropic messages, streamed'),
    byName('Gemini 2.5 streamGenerateContent?alt=sse, with thoughts'),
  ])("$name: the relay's own cache-read and reasoning counts, with the call's labels and token modality", async c => {
    const { metrics, truth } = await callAndCollect({ ...c, headers: { ...c.headers, ...cached } });
    expect(truth.cachedInputTokens).toBe(4);
    const [read, ...more] = pointsOf(metrics, CACHE_READ);
    expect(more).toEqual([]);
    expect(read!.value).toBe(4);
    expect(read!.attributes).toEqual({ ...labelsOf(c, truth), 'gen_ai.token.modality': 'unknown' });
    const reasoning = pointsOf(metrics, REASONING);
    if ((truth.reasoningTokens ?? 0) > 0) expect(reasoning.map(p => p.value)).toEqual([truth.reasoningTokens]);
    else expect(reasoning).toEqual([]);
    expect(pointsOf(metrics, CACHE_WRITE)).toEqual([]);
  });

  it.each([byName('Anthropic messages'), byName('OpenAI chat completions, streamed')])(
    '$name: cache writes are counted too',
    async c => {
      const { metrics, truth } = await callAndCollect({
        ...c,
        headers: { ...c.headers, 'x-sim-cache-write-tokens': '3' },
      });
      expect(truth.cacheWriteInputTokens).toBe(3);
      expect(pointsOf(metrics, CACHE_WRITE).map(p => p.value)).toEqual([3]);
      expect(pointsOf(metrics, CACHE_READ)).toEqual([]);
    },
  );

  it('a call that reported none (or zeros) records no point and creates no series', async () => {
    const { metrics, truth } = await callAndCollect(byName('OpenAI chat completions'));
    expect(truth.cachedInputTokens ?? 0).toBe(0);
    expect(pointsOf(metrics, CACHE_READ)).toEqual([]);
    expect(pointsOf(metrics, REASONING)).toEqual([]);
  });
});
