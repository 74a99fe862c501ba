/*
 * Successful answers of a hostile relay that echo the caller's key where a model name, a response
 * id or a finish reason belongs, through the real instrumentation and a real loopback server:
 * gen_ai.response.model is a span attribute and a metric label (a Prometheus series), so no key,
 * nor any 8-character fragment of one, may reach a span, a metric label (also those recorded
 * mid-stream) or the diag log. The call itself still counts as a success, with its usage.
 */
import { describe, expect, it } from 'vitest';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { pointsOf, setupOtel } from '../support/otel-harness';
import { captureDiag } from './hardening-kit';
import { cannedRelay, keyFragmentFinder, metricLabelsText, spanText } from './key-echo-relay';
import type { CannedAnswer, Credentials } from './key-echo-relay';

const diagLog = captureDiag();
const otel = setupOtel();

/** Looks like an OpenAI key. */
const PREFIXED_KEY = 'sk-proj-Q7vX2mN9pL4tR8wZ1cK6bH3jYf5';
/** Looks like words: only the comparison with the request's own credentials can stop it. */
const WORDY_KEY = 'correct-horse-battery-staple-orbit';
/** A `?key=` credential. */
const QUERY_KEY = 'purple_monkey_dishwasher_tango';
/** A `;token=` path parameter (the URL's path parameters are redacted in url.full, and screened as credentials). */
const PATH_TOKEN = 'velvet_lantern_quartz_meadow';
const KEYS = [PREFIXED_KEY, WORDY_KEY, QUERY_KEY, PATH_TOKEN];

/** Every 8-character piece of a key found in a text. */
const keyFragmentsIn = keyFragmentFinder(KEYS);

const completion = (model: string, id: string, finishReason: string) =>
  JSON.stringify({
    id,
    object: 'chat.completion',
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: 'On its way.' }, finish_reason: finishReason }],
    usage: { prompt_tokens: 9, completion_tokens: 4 },
  });

/** More output events than one mid-stream batch of chunk gaps (1,024), so gaps are recorded before the end. */
const STREAMED_CHUNKS = 1100;
function stream(model: string, id: string): string {
  const event = (body: unknown) => `data: ${JSON.stringify(body)}\n\n`;
  const chunk = (delta: unknown, finishReason: string | null) =>
    event({ id, object: 'chat.completion.chunk', model, choices: [{ index: 0, delta, finish_reason: finishReason }] });
  let body = chunk({ role: 'assistant', content: '' }, null);
  for (let i = 0; i < STREAMED_CHUNKS; i++) body += chunk({ content: ` w${i}` }, null);
  body += chunk({}, 'stop');
  body += event({
    id,
    object: 'chat.completion.chunk',
    model,
    choices: [],
    usage: { prompt_tokens: 9, completion_tokens: STREAMED_CHUNKS },
  });
  return body + 'data: [DONE]\n\n';
}

/** Answers chosen by the `x-answer` request header. */
const ANSWERS: Record<string, CannedAnswer> = {
  'model-id-and-finish-reason-are-the-key': {
    contentType: 'application/json',
    body: completion(PREFIXED_KEY, PREFIXED_KEY, PREFIXED_KEY),
  },
  'model-holds-a-wordy-fragment': {
    contentType: 'application/json',
    body: completion(`gpt-4.1-${WORDY_KEY.slice(6, 20)}`, `chatcmpl-${WORDY_KEY.slice(10, 19)}x`, 'stop'),
  },
  'model-is-the-query-key': {
    contentType: 'application/json',
    body: completion(QUERY_KEY, 'chatcmpl-q1', 'stop'),
  },
  'model-is-the-path-token': {
    contentType: 'application/json',
    body: completion(PATH_TOKEN, 'chatcmpl-p1', 'stop'),
  },
  'stream-model-and-id-are-the-key': { contentType: 'text/event-stream', body: stream(PREFIXED_KEY, PREFIXED_KEY) },
  'honest-completion': {
    contentType: 'application/json',
    body: completion('gpt-4.1-2025-04-14', 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT', 'stop'),
  },
};

const { call, spans: allSpans } = cannedRelay(ANSWERS, otel);

const recorded = (span: ReadableSpan) => ({
  model: span.attributes['gen_ai.response.model'],
  id: span.attributes['gen_ai.response.id'],
  finishReasons: span.attributes['gen_ai.response.finish_reasons'],
  errorType: span.attributes['error.type'],
  outputTokens: span.attributes['gen_ai.usage.output_tokens'],
});

describe('a key echoed in a successful answer never becomes an attribute or a label', () => {
  it.each<[string, Credentials, boolean, ReturnType<typeof recorded>]>([
    [
      'model-id-and-finish-reason-are-the-key',
      { bearer: PREFIXED_KEY },
      false,
      { model: undefined, id: undefined, finishReasons: undefined, errorType: undefined, outputTokens: 4 },
    ],
    [
      'model-holds-a-wordy-fragment',
      { apiKey: WORDY_KEY },
      false,
      { model: undefined, id: undefined, finishReasons: ['stop'], errorType: undefined, outputTokens: 4 },
    ],
    [
      'model-is-the-query-key',
      { queryKey: QUERY_KEY },
      false,
      { model: undefined, id: 'chatcmpl-q1', finishReasons: ['stop'], errorType: undefined, outputTokens: 4 },
    ],
    [
      'model-is-the-path-token',
      { pathToken: PATH_TOKEN },
      false,
      { model: undefined, id: 'chatcmpl-p1', finishReasons: ['stop'], errorType: undefined, outputTokens: 4 },
    ],
    [
      'stream-model-and-id-are-the-key',
      { bearer: PREFIXED_KEY },
      true,
      { model: undefined, id: undefined, finishReasons: ['stop'], errorType: undefined, outputTokens: STREAMED_CHUNKS },
    ],
  ])('%s', async (name, credentials, streamed, expected) => {
    const { span, status, text } = await call(name, credentials, streamed);
    // The app itself reads the echo: proof that the relay sent it.
    expect(status).toBe(200);
    expect(keyFragmentsIn(text).length).toBeGreaterThan(0);
    expect(recorded(span)).toEqual(expected);
    expect(keyFragmentsIn(spanText(span))).toEqual([]);
  });

  it('an honest answer keeps its model, id and finish reason', async () => {
    const { span } = await call('honest-completion', { bearer: PREFIXED_KEY });
    expect(recorded(span)).toEqual({
      model: 'gpt-4.1-2025-04-14',
      id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
      finishReasons: ['stop'],
      errorType: undefined,
      outputTokens: 4,
    });
  });

  it('no metric label (the mid-stream chunk gaps included) and no diag line holds a key or a fragment of one', async () => {
    const metrics = await otel.metrics();
    const gaps = pointsOf(metrics, 'gen_ai.client.operation.time_per_output_chunk');
    // The streamed call's gaps: one batch mid-stream, the rest at its end.
    expect(gaps.reduce((sum, p) => sum + (p.value as { count: number }).count, 0)).toBeGreaterThan(1024);
    expect(
      pointsOf(metrics, 'gen_ai.client.operation.duration')
        .map(p => p.attributes['gen_ai.response.model'])
        .sort(),
    ).toEqual(['gpt-4.1-2025-04-14', undefined]);
    expect(keyFragmentsIn(metricLabelsText(metrics))).toEqual([]);
    expect(keyFragmentsIn(diagLog.text())).toEqual([]);
    expect(keyFragmentsIn(JSON.stringify(allSpans.map(spanText)))).toEqual([]);
  });
});
