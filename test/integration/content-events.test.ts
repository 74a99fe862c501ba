/*
 * OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=EVENT_ONLY / SPAN_AND_EVENT: the content goes on
 * one `gen_ai.client.inference.operation.details` event per call through the OpenTelemetry Logs API,
 * structured, in the call span's context, valid against the conventions' schemas, and bounded like
 * span content. Real HTTP to the relay simulator.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { startRelaySimulator } from '../../examples/relay-simulator/server.ts';
import type { RelaySimulator } from '../../examples/relay-simulator/server.ts';
import { LlmRelayInstrumentation } from '../../src/index';
import type { LlmRelayInstrumentationConfig } from '../../src/index';
import { contentAttributeErrors } from '../support/genai-schema';

const EVENT = 'gen_ai.client.inference.operation.details';
const CONTENT_KEYS = [
  'gen_ai.input.messages',
  'gen_ai.output.messages',
  'gen_ai.system_instructions',
  'gen_ai.tool.definitions',
];
const SYSTEM = 'You are the shipping assistant of ACME.';
const PROMPT = 'Where is order 42? It was due on Monday.';

let relay: RelaySimulator;
const started: LlmRelayInstrumentation[] = [];

beforeAll(async () => {
  relay = await startRelaySimulator({ outputTokens: 6, firstChunkDelayMs: 1, chunkDelayMs: 1 });
});
afterAll(async () => {
  await relay.close();
});
afterEach(() => {
  for (const instrumentation of started.splice(0)) instrumentation.disable();
});

async function callWith(
  config: LlmRelayInstrumentationConfig,
  env: Record<string, string> = {},
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ span: ReadableSpan; events: ReadableLogRecord[] }> {
  const saved = Object.fromEntries(Object.keys(env).map(k => [k, process.env[k]]));
  Object.assign(process.env, env);
  let instrumentation: LlmRelayInstrumentation;
  try {
    instrumentation = new LlmRelayInstrumentation(config);
    // Configuration is read lazily: on the first call.
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
  }
  started.push(instrumentation);
  const spans = new InMemorySpanExporter();
  const logs = new InMemoryLogRecordExporter();
  instrumentation.setTracerProvider(
    new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] }),
  );
  instrumentation.setLoggerProvider(
    new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: logs })] }),
  );
  Object.assign(process.env, env);
  try {
    const response = await fetch(`${relay.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(
        body ?? {
          model: 'gpt-4.1',
          stream: true,
          messages: [
            { role: 'system', content: SYSTEM },
            { role: 'user', content: PROMPT },
          ],
          tools: [
            {
              type: 'function',
              function: { name: 'track_order', description: 'Where an order is', parameters: { type: 'object' } },
            },
          ],
        },
      ),
    });
    await response.arrayBuffer().catch(() => undefined);
    const deadline = Date.now() + 5000;
    while (spans.getFinishedSpans().length === 0 && Date.now() < deadline) await new Promise(r => setTimeout(r, 5));
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  const [span] = spans.getFinishedSpans();
  if (!span) throw new Error('no relay span');
  return { span, events: logs.getFinishedLogRecords().filter(r => r.eventName === EVENT) };
}

describe('content as the gen_ai.client.inference.operation.details event', () => {
  it("EVENT_ONLY: one structured event in the span's context, schema-valid; no content on the span", async () => {
    const { span, events } = await callWith({}, { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'EVENT_ONLY' });
    for (const key of CONTENT_KEYS) expect(span.attributes[key], key).toBeUndefined();
    expect(events).toHaveLength(1);
    const event = events[0]!;
    expect(event.spanContext?.traceId).toBe(span.spanContext().traceId);
    expect(event.spanContext?.spanId).toBe(span.spanContext().spanId);
    const a = event.attributes as Record<string, unknown>;
    expect(a['gen_ai.operation.name']).toBe('chat');
    expect(a['gen_ai.request.model']).toBe('gpt-4.1');
    expect(a['gen_ai.usage.output_tokens']).toBe(span.attributes['gen_ai.usage.output_tokens']);
    expect(a['url.full']).toBeUndefined();
    // Structured, not JSON text.
    // Chat Completions keeps the system prompt in its history: an input message, not system instructions.
    expect(a['gen_ai.input.messages']).toEqual([
      { role: 'system', parts: [{ type: 'text', content: SYSTEM }] },
      { role: 'user', parts: [{ type: 'text', content: PROMPT }] },
    ]);
    expect(a['gen_ai.tool.definitions']).toEqual([
      { type: 'function', name: 'track_order', description: 'Where an order is' },
    ]);
    const output = a['gen_ai.output.messages'] as { role: string; finish_reason: string }[];
    expect(output).toHaveLength(1);
    expect(output[0]).toMatchObject({ role: 'assistant', finish_reason: 'stop' });
    expect(contentAttributeErrors(a)).toEqual([]);
  });

  it('SPAN_AND_EVENT: the same content on both', async () => {
    const { span, events } = await callWith(
      {},
      { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'SPAN_AND_EVENT' },
    );
    expect(events).toHaveLength(1);
    const a = events[0]!.attributes as Record<string, unknown>;
    const onSpan = CONTENT_KEYS.filter(key => span.attributes[key] !== undefined);
    expect(onSpan).toEqual(['gen_ai.input.messages', 'gen_ai.output.messages', 'gen_ai.tool.definitions']);
    for (const key of CONTENT_KEYS)
      expect(span.attributes[key] === undefined ? undefined : JSON.parse(span.attributes[key] as string), key).toEqual(
        a[key],
      );
  });

  it('the option takes the same modes; SPAN_ONLY, true and the default emit no event', async () => {
    expect((await callWith({ captureMessageContent: 'EVENT_ONLY' })).events).toHaveLength(1);
    for (const config of [{ captureMessageContent: 'SPAN_ONLY' as const }, { captureMessageContent: true }, {}]) {
      expect((await callWith(config)).events, JSON.stringify(config)).toEqual([]);
    }
  });

  it('is bounded like span content: strings by maxContentLength, each attribute by maxContentAttributeLength', async () => {
    const long = 'x'.repeat(5000);
    const messages = Array.from({ length: 40 }, (_, i) => ({
      role: i % 2 ? 'assistant' : 'user',
      content: `${i} ${long}`,
    }));
    const { events } = await callWith(
      { captureMessageContent: 'EVENT_ONLY', maxContentLength: 1000, maxContentAttributeLength: 4096 },
      {},
      { model: 'gpt-4.1', messages },
    );
    const input = (events[0]!.attributes as Record<string, unknown>)['gen_ai.input.messages'] as {
      parts: { type: string; content?: string }[];
    }[];
    expect(JSON.stringify(input).length).toBeLessThanOrEqual(4096);
    for (const message of input)
      for (const part of message.parts) expect((part.content ?? '').length).toBeLessThanOrEqual(1000);
    expect(input.at(-1)!.parts.at(-1)!.type).toBe('truncated');
  });

  it('a stream cut before its end: the output message says finish_reason error (no raw reason on the span)', async () => {
    const { span, events } = await callWith(
      { captureMessageContent: 'SPAN_AND_EVENT' },
      {},
      { model: 'gpt-4.1', stream: true, messages: [{ role: 'user', content: PROMPT }] },
      { 'x-sim-fault': 'truncate' },
    );
    expect(span.attributes['gen_ai.response.finish_reasons']).toBeUndefined();
    expect(span.attributes['error.type']).toBeDefined();
    const onSpan = JSON.parse(span.attributes['gen_ai.output.messages'] as string) as { finish_reason: string }[];
    expect(onSpan.map(m => m.finish_reason)).toEqual(['error']);
    const onEvent = (events[0]!.attributes as Record<string, unknown>)['gen_ai.output.messages'] as {
      finish_reason: string;
    }[];
    expect(onEvent.map(m => m.finish_reason)).toEqual(['error']);
  });
});
