/*
 * Error bodies a hostile or broken relay can send, through the real instrumentation and a real
 * loopback server:
 * - the caller's key echoed where an error *class* belongs (`error.status`, `error.code`,
 *   `error.type`), whole or in pieces, or another key-shaped string: no key, nor any 8-character
 *   fragment of one, may reach a span (attributes, status, events), a metric label or the diag log;
 * - error bodies nested thousands deep: the call is still recorded, once, with its status.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { pointsOf, setupOtel } from '../support/otel-harness';
import { captureDiag } from './hardening-kit';
import { cannedRelay, keyFragmentFinder, metricLabelsText, spanText } from './key-echo-relay';
import type { CannedAnswer, Credentials } from './key-echo-relay';

const diagLog = captureDiag();
const otel = setupOtel();

/** Looks like an OpenAI key: the known-prefix rule alone must stop it. */
const PREFIXED_KEY = 'sk-proj-Q7vX2mN9pL4tR8wZ1cK6bH3jYf5';
/** Looks like words: only the comparison with the request's own credentials can stop it. */
const WORDY_KEY = 'correct-horse-battery-staple-orbit';
/** A `?key=` credential that looks like a code. */
const QUERY_KEY = 'purple_monkey_dishwasher_tango';
/** Not the caller's: a Google-shaped key the relay leaks from elsewhere. */
const FOREIGN_KEY = 'AIzaSyD4f9Kx2LmQ8vN1pR7tW3yB6cE0hJ5gU';
const KEYS = [PREFIXED_KEY, WORDY_KEY, QUERY_KEY, FOREIGN_KEY];

/** Every 8-character piece of a key found in a text. */
const keyFragmentsIn = keyFragmentFinder(KEYS);

const sse = (event: string | undefined, data: string) => `${event ? `event: ${event}\n` : ''}data: ${data}\n\n`;
const FIRST_CHUNK = sse(
  undefined,
  JSON.stringify({
    id: 'c1',
    object: 'chat.completion.chunk',
    model: 'gpt-4.1',
    choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi' }, finish_reason: null }],
  }),
);
const DEEP_ARRAYS = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

/** Answers chosen by the `x-answer` request header. */
const ANSWERS: Record<string, CannedAnswer> = {
  'status-is-the-key': {
    status: 401,
    contentType: 'application/json',
    body: JSON.stringify({ error: { status: PREFIXED_KEY, message: `bad key ${PREFIXED_KEY}` } }),
  },
  'stream-error-code-is-the-key': {
    status: 200,
    contentType: 'text/event-stream',
    body: FIRST_CHUNK + sse('error', JSON.stringify({ error: { code: PREFIXED_KEY } })),
  },
  'type-is-a-wordy-key': {
    status: 401,
    contentType: 'application/json',
    body: JSON.stringify({ error: { type: WORDY_KEY, message: 'Incorrect API key provided' } }),
  },
  'stream-error-code-holds-a-fragment': {
    status: 200,
    contentType: 'text/event-stream',
    body: FIRST_CHUNK + sse('error', JSON.stringify({ error: { code: `revoked_${WORDY_KEY.slice(8, 21)}` } })),
  },
  'code-is-the-query-key': {
    status: 429,
    contentType: 'application/json',
    body: JSON.stringify({ error: { code: QUERY_KEY } }),
  },
  'type-is-a-foreign-key': {
    status: 403,
    contentType: 'application/json',
    body: JSON.stringify({ error: { type: FOREIGN_KEY } }),
  },
  'stream-error-type-is-a-foreign-key': {
    status: 200,
    contentType: 'text/event-stream',
    body: FIRST_CHUNK + sse('error', JSON.stringify({ error: { type: FOREIGN_KEY } })),
  },
  'model-and-id-are-the-key': {
    status: 401,
    contentType: 'application/json',
    body: JSON.stringify({
      id: PREFIXED_KEY,
      model: PREFIXED_KEY,
      error: { type: 'invalid_request_error', code: 'invalid_api_key' },
    }),
  },
  'openai-masked-key-message': {
    status: 401,
    contentType: 'application/json',
    body: JSON.stringify({
      error: {
        message: `Incorrect API key provided: sk-proj-****${PREFIXED_KEY.slice(-4)}.`,
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      },
    }),
  },
  // 8,000 nested arrays: 16 KB, under the size parsed natively.
  'deep-arrays-500': { status: 500, contentType: 'application/json', body: DEEP_ARRAYS(8000) },
  'deep-arrays-in-an-error-object-500': {
    status: 500,
    contentType: 'application/json',
    body: `{"error":{"type":${DEEP_ARRAYS(4000)},"code":${DEEP_ARRAYS(3000)}}}`,
  },
  completion: {
    status: 200,
    contentType: 'application/json',
    body: JSON.stringify({
      id: 'c2',
      object: 'chat.completion',
      model: 'gpt-4.1',
      choices: [{ index: 0, message: { role: 'assistant', content: 'On its way.' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 9, completion_tokens: 4 },
    }),
  },
  'stream-deep-tool-arguments': {
    status: 200,
    contentType: 'text/event-stream',
    body:
      sse(
        undefined,
        JSON.stringify({
          id: 'c3',
          object: 'chat.completion.chunk',
          model: 'gpt-4.1',
          choices: [
            {
              index: 0,
              delta: {
                role: 'assistant',
                tool_calls: [
                  {
                    index: 0,
                    id: 'call_1',
                    type: 'function',
                    function: { name: 'lookup', arguments: DEEP_ARRAYS(7000) },
                  },
                ],
              },
              finish_reason: null,
            },
          ],
        }),
      ) +
      sse(
        undefined,
        JSON.stringify({
          id: 'c3',
          object: 'chat.completion.chunk',
          model: 'gpt-4.1',
          choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }],
          usage: { prompt_tokens: 9, completion_tokens: 4 },
        }),
      ) +
      sse(undefined, '[DONE]'),
  },
  'stream-error-event-deep-arrays': {
    status: 200,
    contentType: 'text/event-stream',
    body: FIRST_CHUNK + sse('error', DEEP_ARRAYS(100_000)),
  },
};

const { call, spans: allSpans } = cannedRelay(ANSWERS, otel);

const errorOf = (span: ReadableSpan) => ({
  errorType: span.attributes['error.type'],
  status: span.status.message,
  vendorType: span.attributes['llm_relay.error.vendor_type'],
});

describe('a key echoed where an error class belongs never becomes an attribute, a status or a label', () => {
  it.each<[string, Credentials, boolean, ReturnType<typeof errorOf>]>([
    ['status-is-the-key', { bearer: PREFIXED_KEY }, false, { errorType: '401', status: '401', vendorType: '_OTHER' }],
    [
      'stream-error-code-is-the-key',
      { bearer: PREFIXED_KEY },
      true,
      { errorType: '_OTHER', status: '_OTHER', vendorType: '_OTHER' },
    ],
    ['type-is-a-wordy-key', { apiKey: WORDY_KEY }, false, { errorType: '401', status: '401', vendorType: '_OTHER' }],
    [
      'stream-error-code-holds-a-fragment',
      { apiKey: WORDY_KEY },
      true,
      { errorType: '_OTHER', status: '_OTHER', vendorType: '_OTHER' },
    ],
    [
      'code-is-the-query-key',
      { queryKey: QUERY_KEY },
      false,
      { errorType: '429', status: '429', vendorType: '_OTHER' },
    ],
    [
      'type-is-a-foreign-key',
      { bearer: PREFIXED_KEY },
      false,
      { errorType: '403', status: '403', vendorType: '_OTHER' },
    ],
    [
      'stream-error-type-is-a-foreign-key',
      { bearer: PREFIXED_KEY },
      true,
      { errorType: '_OTHER', status: '_OTHER', vendorType: '_OTHER' },
    ],
    // A real class next to the echo is kept.
    [
      'model-and-id-are-the-key',
      { bearer: PREFIXED_KEY },
      false,
      { errorType: '401', status: '401', vendorType: 'invalid_request_error' },
    ],
    [
      'openai-masked-key-message',
      { bearer: PREFIXED_KEY },
      false,
      { errorType: '401', status: '401', vendorType: 'invalid_request_error' },
    ],
  ])('%s', async (name, credentials, stream, expected) => {
    const { span, text } = await call(name, credentials, stream);
    // The app itself reads the echo: proof that the relay sent it.
    expect(keyFragmentsIn(text).length).toBeGreaterThan(0);
    expect(errorOf(span)).toEqual(expected);
    expect(keyFragmentsIn(spanText(span))).toEqual([]);
  });

  it('no metric label and no diag line holds a key or a fragment of one', async () => {
    const metrics = await otel.metrics();
    const duration = pointsOf(metrics, 'gen_ai.client.operation.duration');
    expect(duration.length).toBeGreaterThan(0);
    expect(keyFragmentsIn(metricLabelsText(metrics))).toEqual([]);
    expect(keyFragmentsIn(diagLog.text())).toEqual([]);
    expect(keyFragmentsIn(JSON.stringify(allSpans.map(spanText)))).toEqual([]);
  });
});

describe('an error body of any shape still gives one duration point and a span with error.type', () => {
  const durationCount = async (errorType: string) => {
    const points = pointsOf(await otel.metrics(), 'gen_ai.client.operation.duration').filter(
      p => p.attributes['error.type'] === errorType,
    );
    return points.reduce((sum, p) => sum + (p.value as { count: number }).count, 0);
  };

  it.each<[string, boolean, string]>([
    ['deep-arrays-500', false, '500'],
    ['deep-arrays-in-an-error-object-500', false, '500'],
    ['stream-error-event-deep-arrays', true, '_OTHER'],
  ])('%s', async (name, stream, errorType) => {
    diagLog.clear();
    const before = await durationCount(errorType);
    const { span } = await call(name, {}, stream);
    expect(span.attributes['error.type']).toBe(errorType);
    expect(span.status).toEqual({ code: 2, message: errorType });
    expect(await durationCount(errorType)).toBe(before + 1);
    expect(diagLog.errors()).toEqual([]);
  });
});

describe('with content capture on, tool-call arguments nested thousands deep still give the call', () => {
  beforeAll(() => otel.instrumentation.setConfig({ captureMessageContent: true, maxContentLength: 16_000 }));
  afterAll(() => otel.instrumentation.setConfig({}));

  it('in the request (parsed natively: under 16 KiB)', async () => {
    diagLog.clear();
    const messages = [
      { role: 'user', content: 'Where is order 42?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: DEEP_ARRAYS(7000) } }],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'in transit' },
    ];
    const { span } = await call('completion', {}, false, messages);
    expect(span.attributes['gen_ai.usage.output_tokens']).toBe(4);
    const input = JSON.parse(String(span.attributes['gen_ai.input.messages'])) as Array<{ role: string }>;
    expect(input[0]).toEqual({ role: 'user', parts: [{ type: 'text', content: 'Where is order 42?' }] });
    expect(diagLog.errors()).toEqual([]);
  });

  it('in a streamed answer', async () => {
    diagLog.clear();
    const { span } = await call('stream-deep-tool-arguments', {}, true);
    expect(span.attributes['gen_ai.response.finish_reasons']).toEqual(['tool_calls']);
    expect(span.attributes['gen_ai.usage.output_tokens']).toBe(4);
    expect(() => JSON.parse(String(span.attributes['gen_ai.output.messages']))).not.toThrow();
    expect(diagLog.errors()).toEqual([]);
  });
});
