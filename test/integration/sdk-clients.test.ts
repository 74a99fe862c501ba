/*
 * Real SDK clients call the simulated relay; each HTTP call must give one relay span whose every
 * attribute matches what the relay received and answered, parented in the caller's trace, and one
 * more `gen_ai.client.operation.duration` point.
 *
 * This file never loads the `undici` package, so Node's own fetch runs on the undici bundled in
 * Node (on Node 22 that is 6.x, without body channels: the per-request tap is what gets tested).
 * The tracer provider is registered globally, as NodeSDK does: SDKs that trace themselves
 * (@anthropic-ai/sdk 1.x) see it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { SpanContext } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import Anthropic from '@anthropic-ai/sdk';
import { createOpenAI } from '@ai-sdk/openai';
import { GoogleGenAI } from '@google/genai';
import { ChatOpenAI } from '@langchain/openai';
import { generateText, streamText } from 'ai';
import OpenAI from 'openai';
import { startRelaySimulator } from '../../examples/relay-simulator/server.ts';
import type { RecordedRequest, RelaySimulator } from '../../examples/relay-simulator/server.ts';
import { callsInFlight, metricTotal, setupOtel } from '../support/otel-harness';
import {
  byStartTime,
  checkTimingAndCost,
  expectedRelaySpanAttributes,
  expectedSpanName,
  parsedTraceparent,
} from '../support/sdk-relay-expectations';

/** The relay accepts only this key: a 200 proves the SDK sent it. */
const API_KEY = 'sk-sdk-clients-3f9a1c7e5b';
/** Long enough (~20 tokens in the simulator's count) for some of it to be "cached". */
const PROMPT = 'Where is my parcel? It left the warehouse on Monday and the tracking page has not changed since.';
/** Simulator knob: report this many prompt tokens as served from the prompt cache. */
const CACHED = { 'x-sim-cached-tokens': '6' };
const ANTHROPIC_SCOPE = 'com.anthropic.sdk.typescript';
/** `retry-after` of the relay's 429s: SDKs then retry after their shortest backoff. */
const RETRY_AFTER_SECONDS = 0;

const otel = setupOtel();
// As NodeSDK does: SDKs that trace themselves find the provider through the API.
trace.setGlobalTracerProvider(otel.tracerProvider);
const tracer = otel.tracerProvider.getTracer('test');

let relay: RelaySimulator;
beforeAll(async () => {
  relay = await startRelaySimulator({ requireKey: API_KEY, retryAfterSeconds: RETRY_AFTER_SECONDS });
});
afterAll(async () => {
  await relay?.close();
});

const openai = () => new OpenAI({ apiKey: API_KEY, baseURL: `${relay.url}/v1`, defaultHeaders: CACHED });
const anthropic = () => new Anthropic({ apiKey: API_KEY, baseURL: relay.url, defaultHeaders: CACHED });
const vercel = () => createOpenAI({ apiKey: API_KEY, baseURL: `${relay.url}/v1`, headers: CACHED });
const gemini = () => new GoogleGenAI({ apiKey: API_KEY, httpOptions: { baseUrl: relay.url, headers: CACHED } });
const langchain = () =>
  new ChatOpenAI({
    model: 'gpt-4.1',
    apiKey: API_KEY,
    temperature: 0.3,
    maxTokens: 48,
    configuration: { baseURL: `${relay.url}/v1`, defaultHeaders: CACHED },
  });

async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of stream);
}

interface SdkCall {
  name: string;
  call: () => Promise<unknown>;
  /** Name of the CLIENT span the SDK itself emits around the call, when it traces itself. */
  sdkSpan?: string;
}

const calls: SdkCall[] = [
  {
    name: 'openai chat.completions.create',
    // max_tokens below the simulator's natural 16-token answer: finish reason `length`.
    call: () =>
      openai().chat.completions.create({
        model: 'gpt-4.1',
        messages: [{ role: 'user', content: PROMPT }],
        max_tokens: 8,
        temperature: 0.5,
      }),
  },
  {
    name: 'openai chat.completions.create stream',
    call: async () =>
      drain(
        await openai().chat.completions.create({
          model: 'gpt-4.1',
          messages: [{ role: 'user', content: PROMPT }],
          stream: true,
          stream_options: { include_usage: true },
          top_p: 0.9,
        }),
      ),
  },
  {
    name: 'openai embeddings.create',
    call: () => openai().embeddings.create({ model: 'text-embedding-3-small', input: PROMPT }),
  },
  {
    name: 'openai responses.create',
    call: () => openai().responses.create({ model: 'gpt-4.1', input: PROMPT, max_output_tokens: 8 }),
  },
  {
    name: 'openai responses.create stream (reasoning model)',
    call: async () => drain(await openai().responses.create({ model: 'o4-mini', input: PROMPT, stream: true })),
  },
  {
    name: 'anthropic messages.create',
    sdkSpan: 'anthropic.messages.create',
    call: () =>
      anthropic().messages.create({
        model: 'claude-sonnet-4-6',
        max_tokens: 8,
        stop_sequences: ['\n\nCustomer:'],
        messages: [{ role: 'user', content: PROMPT }],
      }),
  },
  {
    name: 'anthropic messages.stream',
    sdkSpan: 'anthropic.messages.create',
    call: () =>
      anthropic()
        .messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 256, messages: [{ role: 'user', content: PROMPT }] })
        .finalMessage(),
  },
  {
    name: 'vercel ai generateText (chat completions)',
    call: () =>
      generateText({ model: vercel().chat('gpt-4.1'), prompt: PROMPT, maxOutputTokens: 64, temperature: 0.4 }),
  },
  {
    name: 'vercel ai streamText (chat completions)',
    call: () => drain(streamText({ model: vercel().chat('gpt-4.1'), prompt: PROMPT, topP: 0.8 }).textStream),
  },
  {
    name: 'vercel ai generateText (default model: Responses API)',
    call: () => generateText({ model: vercel()('gpt-4.1'), prompt: PROMPT, maxOutputTokens: 8 }),
  },
  {
    name: 'vercel ai streamText (default model: Responses API)',
    call: () => drain(streamText({ model: vercel()('gpt-4.1'), prompt: PROMPT, temperature: 0.7 }).textStream),
  },
  {
    name: 'google genai models.generateContent',
    call: () =>
      gemini().models.generateContent({
        model: 'gemini-2.5-flash',
        contents: PROMPT,
        config: { maxOutputTokens: 8, temperature: 0.2, topK: 32 },
      }),
  },
  {
    name: 'google genai models.generateContentStream',
    call: async () =>
      drain(
        await gemini().models.generateContentStream({
          model: 'gemini-2.5-flash',
          contents: PROMPT,
          config: { topP: 0.95 },
        }),
      ),
  },
  {
    name: 'langchain ChatOpenAI invoke',
    call: () => langchain().invoke(PROMPT),
  },
  {
    name: 'langchain ChatOpenAI stream',
    call: async () => drain(await langchain().stream(PROMPT)),
  },
];

interface Observed {
  app: SpanContext;
  requests: RecordedRequest[];
  relaySpans: ReadableSpan[];
  allSpans: ReadableSpan[];
  durationPoints: number;
}

async function durationPointCount(): Promise<number> {
  return metricTotal(await otel.metrics(), 'gen_ai.client.operation.duration', {}, 'count');
}

/** Runs `call` inside an `app-handler` span, as a request handler of the app would. */
async function observe(call: () => Promise<unknown>): Promise<Observed> {
  otel.reset();
  const firstRequest = relay.requests.length;
  const pointsBefore = await durationPointCount();
  const app = await tracer.startActiveSpan('app-handler', async span => {
    try {
      await call();
      return span.spanContext();
    } finally {
      span.end();
    }
  });
  const requests = relay.requests.slice(firstRequest);
  await otel.waitForRelaySpans(requests.length);
  // A span too many would show up a moment later, not before.
  await new Promise(r => setTimeout(r, 20));
  return {
    app,
    requests,
    relaySpans: byStartTime(otel.relaySpans()),
    allSpans: otel.spanExporter.getFinishedSpans(),
    durationPoints: (await durationPointCount()) - pointsBefore,
  };
}

/** The span's attributes are what the relay received and answered (a failure's retry-after included). */
function checkRelaySpanAttributes(span: ReadableSpan, request: RecordedRequest): void {
  const retryAfter =
    request.response!.status >= 400 ? { 'http.response.header.retry-after': [String(RETRY_AFTER_SECONDS)] } : {};
  expect(span.attributes).toEqual({ ...expectedRelaySpanAttributes(relay, request), ...retryAfter });
}

function checkRelaySpan(span: ReadableSpan, request: RecordedRequest): void {
  expect(span.name).toBe(expectedSpanName(request));
  expect(span.kind).toBe(SpanKind.CLIENT);
  expect(span.attributes).toEqual(expectedRelaySpanAttributes(relay, request));
  checkTimingAndCost(span);
}

function checkNoKey(spans: readonly ReadableSpan[]): void {
  for (const span of spans) expect(JSON.stringify(span.attributes)).not.toContain(API_KEY);
}

/** The single span the SDK emitted for the call, itself a child of the app span. */
function sdkCallSpan(observed: Observed, name: string): ReadableSpan {
  const own = observed.allSpans.filter(s => s.instrumentationScope.name === ANTHROPIC_SCOPE);
  expect(own.map(s => s.name)).toEqual([name]);
  const span = own[0]!;
  expect(span.kind).toBe(SpanKind.CLIENT);
  expect(span.spanContext().traceId).toBe(observed.app.traceId);
  expect(span.parentSpanContext?.spanId).toBe(observed.app.spanId);
  return span;
}

describe('SDK clients calling the relay', () => {
  it.each(calls.map(c => [c.name, c] as const))('%s', async (_name, { call, sdkSpan }) => {
    const observed = await observe(call);
    const { app, requests, relaySpans } = observed;

    expect(requests.length).toBeGreaterThan(0);
    expect(requests.map(r => r.response?.status)).toEqual(requests.map(() => 200));
    expect(relaySpans).toHaveLength(requests.length);
    expect(observed.durationPoints).toBe(requests.length);

    const parent = sdkSpan ? sdkCallSpan(observed, sdkSpan).spanContext() : app;
    relaySpans.forEach((span, i) => {
      checkRelaySpan(span, requests[i]!);
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
      expect(span.spanContext().traceId).toBe(app.traceId);
      expect(span.parentSpanContext?.spanId).toBe(parent.spanId);
      // Exactly one traceparent reaches the relay: ours, or the SDK's own when it traces itself
      // (the relay's tracing then nests under the SDK's call span, a sibling of ours).
      expect(parsedTraceparent(requests[i]!)).toEqual({
        traceId: app.traceId,
        spanId: sdkSpan ? parent.spanId : span.spanContext().spanId,
      });
    });
    checkNoKey(observed.allSpans);
    expect(callsInFlight(otel.instrumentation)).toBe(0);
  });
});

describe('retried calls: one relay span and one metric point per HTTP attempt', () => {
  it.each([
    [
      'openai chat.completions.create',
      undefined,
      () => openai().chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: PROMPT }] }),
    ],
    [
      'anthropic messages.create',
      'anthropic.messages.create',
      () =>
        anthropic().messages.create({
          model: 'claude-sonnet-4-6',
          max_tokens: 64,
          messages: [{ role: 'user', content: PROMPT }],
        }),
    ],
  ] as const)('%s after a 429', async (_name, sdkSpan, call) => {
    relay.setScenario({ failNext: 1, errorFault: '429' });
    try {
      const observed = await observe(call);
      const { app, requests, relaySpans } = observed;
      expect(requests.map(r => r.response?.status)).toEqual([429, 200]);
      expect(relaySpans).toHaveLength(2);
      expect(observed.durationPoints).toBe(2);

      const [failed, succeeded] = relaySpans as [ReadableSpan, ReadableSpan];
      expect(failed.name).toBe(expectedSpanName(requests[0]!));
      expect(failed.attributes).toEqual({
        ...expectedRelaySpanAttributes(relay, requests[0]!),
        'http.response.header.retry-after': [String(RETRY_AFTER_SECONDS)],
      });
      expect(failed.status).toEqual({ code: SpanStatusCode.ERROR, message: '429' });
      checkRelaySpan(succeeded, requests[1]!);
      expect(succeeded.status.code).toBe(SpanStatusCode.UNSET);

      // Both attempts belong to the same call: same parent (the SDK's call span when it has one).
      const parent = sdkSpan ? sdkCallSpan(observed, sdkSpan).spanContext() : app;
      for (const span of relaySpans) {
        expect(span.spanContext().traceId).toBe(app.traceId);
        expect(span.parentSpanContext?.spanId).toBe(parent.spanId);
      }
      checkNoKey(observed.allSpans);
    } finally {
      relay.setScenario({});
    }
  });
});

describe('retries the SDK marks on the wire: the attempt number on the span, and llm_relay.retries', () => {
  const retries = async (): Promise<Record<string, number>> => {
    const metrics = await otel.metrics();
    return {
      all: metricTotal(metrics, 'llm_relay.retries', { 'gen_ai.request.model': MODEL_OF_RETRIED }),
      failed429: metricTotal(metrics, 'llm_relay.retries', {
        'gen_ai.request.model': MODEL_OF_RETRIED,
        'error.type': '429',
      }),
      failed503: metricTotal(metrics, 'llm_relay.retries', {
        'gen_ai.request.model': MODEL_OF_RETRIED,
        'error.type': '503',
      }),
    };
  };
  const MODEL_OF_RETRIED = 'gpt-4.1-mini';

  it.each([
    [
      'openai chat.completions.create (stream)',
      async () =>
        drain(
          await openai().chat.completions.create({
            model: MODEL_OF_RETRIED,
            stream: true,
            stream_options: { include_usage: true },
            messages: [{ role: 'user', content: PROMPT }],
          }),
        ),
    ],
    [
      'anthropic messages.create',
      () =>
        anthropic().messages.create({
          model: MODEL_OF_RETRIED,
          max_tokens: 64,
          messages: [{ role: 'user', content: PROMPT }],
        }),
    ],
  ] as const)('%s: a 503 then a 429 then an answer', async (_name, call) => {
    const before = await retries();
    // The first attempt fails with 503, its retry with 429, the next one succeeds.
    relay.setScenario({ failNextWith: ['503', '429'] });
    try {
      const observed = await observe(call);
      const { requests, relaySpans } = observed;
      expect(requests.map(r => r.response?.status)).toEqual([503, 429, 200]);
      expect(requests.map(r => r.headers['x-stainless-retry-count'])).toEqual(['0', '1', '2']);
      expect(relaySpans.map(span => span.attributes['http.request.resend_count'])).toEqual([undefined, 1, 2]);
      relaySpans.forEach((span, i) => checkRelaySpanAttributes(span, requests[i]!));

      // The two retried attempts, each under its own outcome: one failed with 429, one succeeded.
      const after = await retries();
      expect(after.all - before.all).toBe(2);
      expect(after.failed429 - before.failed429).toBe(1);
      expect(after.failed503 - before.failed503).toBe(0);
    } finally {
      relay.setScenario({});
    }
  });
});
