/*
 * captureMessageContent / OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT and maxContentLength:
 * prompts and completions are on spans only when asked for, as JSON strings in the GenAI message
 * shape, cut to the cap. requestHook / responseHook / metricAttributesHook: called with what the
 * call was, able to add to the span or the metric labels, and harmless when they throw.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import type { Span } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { DataPoint, MetricData } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { startRelaySimulator } from '../../examples/relay-simulator/server.ts';
import type { RelaySimulator } from '../../examples/relay-simulator/server.ts';
import { LlmRelayInstrumentation } from '../../src/index';
import type { LlmCallInfo, LlmRelayInstrumentationConfig } from '../../src/index';
import { callsInFlight, TestMetricReader } from '../support/otel-harness';

// --- one instrumentation per test ------------------------------------------------------------------

interface Observed {
  status: number;
  /** The body exactly as the app read it. */
  body: string;
  span: ReadableSpan;
  metrics: MetricData[];
}

interface Observer {
  instrumentation: LlmRelayInstrumentation;
  call(path: string, body: unknown, headers?: Record<string, string>): Promise<Observed>;
}

const started: LlmRelayInstrumentation[] = [];

function observe(config: LlmRelayInstrumentationConfig = {}, env: Record<string, string> = {}): Observer {
  const saved = Object.fromEntries(Object.keys(env).map(k => [k, process.env[k]]));
  Object.assign(process.env, env);
  let instrumentation: LlmRelayInstrumentation;
  try {
    instrumentation = new LlmRelayInstrumentation(config);
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  const exporter = new InMemorySpanExporter();
  instrumentation.setTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }));
  started.push(instrumentation);
  return {
    instrumentation,
    async call(path, body, headers = {}) {
      exporter.reset();
      const reader = new TestMetricReader();
      instrumentation.setMeterProvider(new MeterProvider({ readers: [reader] }));
      const response = await fetch(relay.url + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
      const text = await response.text();
      const deadline = Date.now() + 5000;
      while (exporter.getFinishedSpans().length === 0 && Date.now() < deadline)
        await new Promise(r => setTimeout(r, 5));
      const [span] = exporter.getFinishedSpans();
      if (!span) throw new Error('no relay span');
      const { resourceMetrics } = await reader.collect();
      return {
        status: response.status,
        body: text,
        span,
        metrics: resourceMetrics.scopeMetrics.flatMap(s => s.metrics),
      };
    },
  };
}

afterEach(() => {
  for (const instrumentation of started.splice(0)) instrumentation.disable();
});

let relay: RelaySimulator;
const logged: { level: string; text: string }[] = [];

beforeAll(async () => {
  relay = await startRelaySimulator({ outputTokens: 6, firstChunkDelayMs: 2, chunkDelayMs: 2 });
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
  await relay.close();
});
beforeEach(() => {
  logged.length = 0;
});

// --- requests ---------------------------------------------------------------------------------------

const SYSTEM = 'You are the shipping assistant of ACME.';
const PROMPT = 'Where is order 42? It was due on Monday.';
const CONTENT_KEYS = ['gen_ai.input.messages', 'gen_ai.output.messages', 'gen_ai.system_instructions'];

const openaiChat = (extra: Record<string, unknown> = {}) => ({
  model: 'gpt-4.1',
  messages: [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: PROMPT },
  ],
  ...extra,
});
const anthropicMessages = (extra: Record<string, unknown> = {}) => ({
  model: 'claude-sonnet-4-5',
  max_tokens: 64,
  system: SYSTEM,
  messages: [{ role: 'user', content: PROMPT }],
  ...extra,
});
const ANTHROPIC = { 'anthropic-version': '2023-06-01' };

/** The answer text the app received, from a chat completion body or its SSE stream. */
function answerText(body: string): string {
  if (!body.startsWith('data:'))
    return (JSON.parse(body) as { choices: { message: { content: string } }[] }).choices[0]!.message.content;
  let text = '';
  for (const line of body.split('\n')) {
    if (!line.startsWith('data: {')) continue;
    const chunk = JSON.parse(line.slice(6)) as { choices: { delta?: { content?: string } }[] };
    text += chunk.choices[0]?.delta?.content ?? '';
  }
  return text;
}

function contentOf(span: ReadableSpan, key: string): unknown {
  const value = span.attributes[key];
  expect(typeof value, key).toBe('string');
  return JSON.parse(value as string);
}

function expectNoContent(span: ReadableSpan): void {
  for (const key of CONTENT_KEYS) expect(span.attributes[key], key).toBeUndefined();
  // Nor anywhere else on the span.
  for (const value of Object.values(span.attributes)) {
    expect(String(value)).not.toContain('order 42');
    expect(String(value)).not.toContain('shipping assistant');
  }
}

// --- content capture --------------------------------------------------------------------------------

describe('captureMessageContent', () => {
  it('off by default: no prompts, no completions, no system instructions', async () => {
    const observer = observe();
    expectNoContent((await observer.call('/v1/chat/completions', openaiChat())).span);
    expectNoContent((await observer.call('/v1/chat/completions', openaiChat({ stream: true }))).span);
    expectNoContent((await observer.call('/v1/messages', anthropicMessages({ stream: true }), ANTHROPIC)).span);
  });

  it('on: OpenAI chat history (system message included) and the answer, as GenAI message JSON', async () => {
    const observer = observe({ captureMessageContent: true });
    for (const stream of [false, true]) {
      const { span, body } = await observer.call('/v1/chat/completions', openaiChat({ stream }));
      expect(contentOf(span, 'gen_ai.input.messages')).toEqual([
        { role: 'system', parts: [{ type: 'text', content: SYSTEM }] },
        { role: 'user', parts: [{ type: 'text', content: PROMPT }] },
      ]);
      expect(contentOf(span, 'gen_ai.output.messages')).toEqual([
        { role: 'assistant', parts: [{ type: 'text', content: answerText(body) }], finish_reason: 'stop' },
      ]);
      // In the chat history, the system message is an input message, not a separate instruction.
      expect(span.attributes['gen_ai.system_instructions']).toBeUndefined();
    }
  });

  it('on: a separate system parameter (Anthropic `system`, Responses `instructions`) is gen_ai.system_instructions', async () => {
    const observer = observe({ captureMessageContent: true });
    const anthropic = await observer.call('/v1/messages', anthropicMessages(), ANTHROPIC);
    expect(contentOf(anthropic.span, 'gen_ai.system_instructions')).toEqual([{ type: 'text', content: SYSTEM }]);
    expect(contentOf(anthropic.span, 'gen_ai.input.messages')).toEqual([
      { role: 'user', parts: [{ type: 'text', content: PROMPT }] },
    ]);
    const answer = (JSON.parse(anthropic.body) as { content: { text: string }[] }).content[0]!.text;
    expect(contentOf(anthropic.span, 'gen_ai.output.messages')).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: answer }], finish_reason: 'stop' },
    ]);
    const responses = await observer.call('/v1/responses', { model: 'gpt-4.1', instructions: SYSTEM, input: PROMPT });
    expect(contentOf(responses.span, 'gen_ai.system_instructions')).toEqual([{ type: 'text', content: SYSTEM }]);
  });

  it('maxContentLength cuts every captured string', async () => {
    const observer = observe({ captureMessageContent: true, maxContentLength: 10 });
    const { span, body } = await observer.call('/v1/chat/completions', openaiChat({ stream: true }));
    const input = contentOf(span, 'gen_ai.input.messages') as { parts: { content: string }[] }[];
    expect(input.map(m => m.parts[0]!.content)).toEqual([SYSTEM.slice(0, 10), PROMPT.slice(0, 10)]);
    const output = contentOf(span, 'gen_ai.output.messages') as { parts: { content: string }[] }[];
    expect(answerText(body).length).toBeGreaterThan(10);
    expect(output[0]!.parts[0]!.content).toBe(answerText(body).slice(0, 10));
    const anthropic = await observer.call('/v1/messages', anthropicMessages(), ANTHROPIC);
    expect(contentOf(anthropic.span, 'gen_ai.system_instructions')).toEqual([
      { type: 'text', content: SYSTEM.slice(0, 10) },
    ]);
  });

  it('capture changes nothing the app sees', async () => {
    const withCapture = await observe({ captureMessageContent: true }).call(
      '/v1/chat/completions',
      openaiChat({ max_tokens: 4 }),
    );
    const without = await observe().call('/v1/chat/completions', openaiChat({ max_tokens: 4 }));
    expect(withCapture.status).toBe(200);
    expect(answerText(withCapture.body)).toBe(answerText(without.body));
  });
});

describe('OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT', () => {
  it.each([
    ['true', true],
    ['TRUE', true],
    ['SPAN_ONLY', true],
    ['SPAN_AND_EVENT', true],
    ['false', false],
    ['NO_CONTENT', false],
    ['EVENT_ONLY', false],
  ])('%s → capture %s', async (value, captured) => {
    const observer = observe({}, { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: value });
    const { span } = await observer.call('/v1/chat/completions', openaiChat());
    if (captured) expect(contentOf(span, 'gen_ai.input.messages')).toHaveLength(2);
    else expectNoContent(span);
  });

  it('the option wins over it, both ways', async () => {
    const off = observe(
      { captureMessageContent: false },
      { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true' },
    );
    expectNoContent((await off.call('/v1/chat/completions', openaiChat())).span);
    off.instrumentation.disable();
    const on = observe(
      { captureMessageContent: true },
      { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'false' },
    );
    expect(
      contentOf((await on.call('/v1/chat/completions', openaiChat())).span, 'gen_ai.output.messages'),
    ).toHaveLength(1);
  });

  it('an unreadable value leaves capture off and says so', async () => {
    const observer = observe({}, { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'sometimes' });
    expectNoContent((await observer.call('/v1/chat/completions', openaiChat())).span);
    expect(logged.filter(l => l.level === 'warn' && l.text.includes('"sometimes"'))).toHaveLength(1);
  });
});

// --- hooks --------------------------------------------------------------------------------------------

describe('requestHook and responseHook', () => {
  it('are called once per call, with the request line and then the outcome; what they set is on the span', async () => {
    const seen: { hook: string; info: LlmCallInfo }[] = [];
    const observer = observe({
      requestHook: (span: Span, info) => {
        seen.push({ hook: 'request', info: { ...info } });
        span.setAttribute('app.request_hook', 'ran');
      },
      responseHook: (span: Span, info) => {
        seen.push({ hook: 'response', info: { ...info } });
        span.setAttribute('app.response_hook', info.responseModel ?? 'none');
      },
    });
    const { span } = await observer.call('/v1beta/models/gemini-2.0-flash:generateContent?key=secret-key-123', {
      contents: [{ role: 'user', parts: [{ text: PROMPT }] }],
    });
    const url = `${relay.url}/v1beta/models/gemini-2.0-flash:generateContent?key=REDACTED`;
    expect(seen).toEqual([
      // The request line names the model for Gemini; the body is not read yet.
      {
        hook: 'request',
        info: { method: 'POST', url, operation: 'generate_content', requestModel: 'gemini-2.0-flash' },
      },
      {
        hook: 'response',
        info: {
          method: 'POST',
          url,
          operation: 'generate_content',
          requestModel: 'gemini-2.0-flash',
          responseModel: 'gemini-2.0-flash',
          statusCode: 200,
        },
      },
    ]);
    expect(span.attributes['app.request_hook']).toBe('ran');
    expect(span.attributes['app.response_hook']).toBe('gemini-2.0-flash');
  });

  it('the response hook learns a failure: status and error.type', async () => {
    const infos: LlmCallInfo[] = [];
    const observer = observe({ responseHook: (_span, info) => void infos.push({ ...info }) });
    await observer.call('/v1/chat/completions', openaiChat(), { 'x-sim-fault': '503' });
    expect(infos).toHaveLength(1);
    expect(infos[0]).toMatchObject({ requestModel: 'gpt-4.1', statusCode: 503, errorType: '503' });
  });

  it('throwing hooks break nothing: same answer for the app, a complete span, a diag error each', async () => {
    const observer = observe({
      requestHook: () => {
        throw new Error('request hook bug');
      },
      responseHook: () => {
        throw new Error('response hook bug');
      },
    });
    const { status, body, span } = await observer.call('/v1/chat/completions', openaiChat({ stream: true }));
    expect(status).toBe(200);
    expect(answerText(body).length).toBeGreaterThan(0);
    expect(span.name).toBe('chat gpt-4.1');
    expect(span.status.code).toBe(0);
    expect(span.attributes['gen_ai.response.model']).toBe('gpt-4.1-2025-04-14');
    expect(callsInFlight(observer.instrumentation)).toBe(0);
    const errors = logged.filter(l => l.level === 'error');
    expect(errors.filter(l => l.text.includes('requestHook') && l.text.includes('request hook bug'))).toHaveLength(1);
    expect(errors.filter(l => l.text.includes('responseHook') && l.text.includes('response hook bug'))).toHaveLength(1);
  });
});

describe('metricAttributesHook', () => {
  const tenant = (info: LlmCallInfo) => ({ 'app.tenant': info.requestModel === 'gpt-4.1' ? 'acme' : 'other' });

  function pointsOf(metrics: MetricData[], name: string): DataPoint<unknown>[] {
    return metrics.filter(m => m.descriptor.name === name).flatMap(m => m.dataPoints as DataPoint<unknown>[]);
  }

  it('adds its label to the duration, token usage, first-chunk and cost points of the call', async () => {
    const observer = observe({ metricAttributesHook: tenant });
    const { metrics } = await observer.call(
      '/v1/chat/completions',
      openaiChat({ stream: true, stream_options: { include_usage: true } }),
    );
    for (const name of [
      'gen_ai.client.operation.duration',
      'gen_ai.client.token.usage',
      'gen_ai.client.operation.time_to_first_chunk',
      'llm_relay.cost.usd',
    ]) {
      const points = pointsOf(metrics, name);
      expect(points.length, name).toBeGreaterThan(0);
      for (const point of points) expect(point.attributes['app.tenant'], name).toBe('acme');
    }
  });

  it('is called with what the call was', async () => {
    const infos: LlmCallInfo[] = [];
    const observer = observe({
      metricAttributesHook: info => {
        infos.push({ ...info });
        return undefined;
      },
    });
    await observer.call('/v1/messages', anthropicMessages(), ANTHROPIC);
    expect(infos).toEqual([
      {
        method: 'POST',
        url: `${relay.url}/v1/messages`,
        operation: 'chat',
        requestModel: 'claude-sonnet-4-5',
        responseModel: 'claude-sonnet-4-5-20250929',
        statusCode: 200,
      },
    ]);
  });

  it('adds its label to every metric point of the call, chunk timings and rate-limit gauges included', async () => {
    // types.ts: "Adds attributes to every metric point of a call".
    const observer = observe({ metricAttributesHook: tenant });
    const { metrics } = await observer.call(
      '/v1/chat/completions',
      openaiChat({ stream: true, stream_options: { include_usage: true } }),
    );
    for (const name of [
      'gen_ai.client.operation.time_per_output_chunk',
      'llm_relay.rate_limit.remaining',
      'llm_relay.rate_limit.limit',
    ]) {
      const points = pointsOf(metrics, name);
      expect(points.length, name).toBeGreaterThan(0);
      for (const point of points) expect(point.attributes['app.tenant'], name).toBe('acme');
    }
  });

  it('its values are capped per key like model names (maxModelsPerMetric): later new values are _OTHER, with one warning', async () => {
    logged.length = 0;
    let call = 0;
    const observer = observe({
      maxModelsPerMetric: 2,
      metricAttributesHook: () => ({ 'app.user': `user-${++call}`, 'app.plan': 'pro' }),
    });
    const users: unknown[] = [];
    for (let i = 0; i < 4; i++) {
      const { metrics } = await observer.call('/v1/chat/completions', openaiChat());
      const [duration] = pointsOf(metrics, 'gen_ai.client.operation.duration');
      users.push(duration!.attributes['app.user']);
      expect(duration!.attributes['app.plan']).toBe('pro');
    }
    expect(users).toEqual(['user-1', 'user-2', '_OTHER', '_OTHER']);
    expect(logged.filter(l => l.level === 'warn' && l.text.includes('metricAttributesHook "app.user"'))).toHaveLength(
      1,
    );
  });

  it('cannot replace the standard labels', async () => {
    const observer = observe({
      metricAttributesHook: () => ({ 'gen_ai.request.model': 'forged', 'server.address': 'forged' }),
    });
    const { metrics } = await observer.call('/v1/chat/completions', openaiChat());
    const [duration] = pointsOf(metrics, 'gen_ai.client.operation.duration');
    expect(duration!.attributes['gen_ai.request.model']).toBe('gpt-4.1');
    expect(duration!.attributes['server.address']).toBe('127.0.0.1');
  });

  it('throwing is safe: the metrics are recorded without the extra label, and a diag error says why', async () => {
    const observer = observe({
      metricAttributesHook: () => {
        throw new Error('tenant lookup failed');
      },
    });
    const { metrics, status } = await observer.call('/v1/chat/completions', openaiChat());
    expect(status).toBe(200);
    const [duration] = pointsOf(metrics, 'gen_ai.client.operation.duration');
    expect(duration!.attributes['app.tenant']).toBeUndefined();
    expect(duration!.attributes['gen_ai.request.model']).toBe('gpt-4.1');
    expect(pointsOf(metrics, 'gen_ai.client.token.usage')).toHaveLength(2);
    expect(
      logged.filter(
        l => l.level === 'error' && l.text.includes('metricAttributesHook') && l.text.includes('tenant lookup failed'),
      ),
    ).toHaveLength(1);
  });
});
