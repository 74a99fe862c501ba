/*
 * Bad input from the relay: wrong content types, an SSE event larger than the parser's cap, streams
 * that end cleanly without saying they are done, HTML where JSON belongs, plus the simulator's
 * faults (invalid JSON, garbage bytes, empty 200, resets, hangs, aborts). For each: the app gets the
 * same bytes or error as without us, the span ends with a meaningful status, and in the end the
 * metrics agree with the spans call for call (one duration point per call, the same error types).
 * test/integration/faults.test.ts checks the simulator's faults one by one; here they feed the
 * metrics-consistency check. Node's fetch only.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataPointType } from '@opentelemetry/sdk-metrics';
import type { Histogram } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { startRelaySimulator } from '../../examples/relay-simulator/server.ts';
import type { FaultName, RelaySimulator } from '../../examples/relay-simulator/server.ts';
import { callsInFlight, setupOtel } from '../support/otel-harness';
import { errorView, settled, sha256, viewOf, watchProcessFailures } from './hardening-kit';
import type { AppView } from './hardening-kit';

const otel = setupOtel();
const failures = watchProcessFailures();
let relay: RelaySimulator;
let oddRelay: Server;
let oddUrl: string;

/** Every relay span of this file, for the final metrics check. */
const spans: ReadableSpan[] = [];

const CHAT_REQUEST = {
  model: 'gpt-4.1',
  stream: true,
  stream_options: { include_usage: true },
  messages: [{ role: 'user', content: 'Where is order 42?' }],
};

const chunk = (delta: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-odd', object: 'chat.completion.chunk', model: 'gpt-4.1-2025-04-14', choices: [{ index: 0, delta, finish_reason: null }], ...extra })}\n\n`;
const FINISH = `data: ${JSON.stringify({ id: 'chatcmpl-odd', object: 'chat.completion.chunk', model: 'gpt-4.1-2025-04-14', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`;
const USAGE = `data: ${JSON.stringify({ id: 'chatcmpl-odd', object: 'chat.completion.chunk', model: 'gpt-4.1-2025-04-14', choices: [], usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 } })}\n\n`;
const DONE = 'data: [DONE]\n\n';
const GOOD_STREAM =
  chunk({ role: 'assistant', content: 'On' }) +
  chunk({ content: ' its' }) +
  chunk({ content: ' way' }) +
  FINISH +
  USAGE +
  DONE;
const COMPLETION = JSON.stringify({
  id: 'chatcmpl-odd',
  object: 'chat.completion',
  model: 'gpt-4.1-2025-04-14',
  choices: [{ index: 0, message: { role: 'assistant', content: 'On its way.' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 },
});
/** One event whose data line is 1.5 MiB, over the SSE parser's 1 MiB cap. */
const HUGE_EVENT = chunk({ content: 'x'.repeat(1.5 * 1024 * 1024) });

/** Answers chosen by the `x-odd` request header, each written in a few pieces. */
const ODD_ANSWERS: Record<string, { headers: Record<string, string>; pieces: string[] }> = {
  'sse-as-json': { headers: { 'content-type': 'application/json' }, pieces: [GOOD_STREAM] },
  'sse-as-text-plain': { headers: { 'content-type': 'text/plain; charset=utf-8' }, pieces: [GOOD_STREAM] },
  'sse-without-content-type': { headers: {}, pieces: [GOOD_STREAM] },
  'json-as-text-plain': { headers: { 'content-type': 'text/plain' }, pieces: [COMPLETION] },
  'json-as-html': { headers: { 'content-type': 'text/html; charset=utf-8' }, pieces: [COMPLETION] },
  'json-as-event-stream': { headers: { 'content-type': 'text/event-stream' }, pieces: [COMPLETION] },
  'html-login-page-200': {
    headers: { 'content-type': 'text/html' },
    pieces: ['<!DOCTYPE html><html><head><title>Sign in</title></head><body><form>…</form></body></html>'],
  },
  'event-over-the-cap': {
    headers: { 'content-type': 'text/event-stream' },
    pieces: [
      chunk({ role: 'assistant', content: '' }),
      HUGE_EVENT.slice(0, 700_000),
      HUGE_EVENT.slice(700_000),
      chunk({ content: 'done' }),
      FINISH,
      USAGE,
      DONE,
    ],
  },
  'stream-ends-cleanly-unfinished': {
    headers: { 'content-type': 'text/event-stream' },
    pieces: [chunk({ role: 'assistant', content: 'On' }), chunk({ content: ' its' })],
  },
  'stream-ends-cleanly-mid-event': {
    headers: { 'content-type': 'text/event-stream' },
    pieces: [chunk({ role: 'assistant', content: 'On' }), chunk({ content: ' its' }).slice(0, 40)],
  },
};

function answerOddly(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  req.on('end', () => {
    const answer = ODD_ANSWERS[String(req.headers['x-odd'])];
    if (!answer) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, answer.headers);
    const pieces = [...answer.pieces];
    const next = () => {
      const piece = pieces.shift();
      if (piece === undefined) {
        res.end();
        return;
      }
      res.write(piece);
      setTimeout(next, 2);
    };
    next();
  });
}

beforeAll(async () => {
  relay = await startRelaySimulator({ slowMs: 50 });
  oddRelay = createServer(answerOddly);
  await new Promise<void>(r => oddRelay.listen(0, '127.0.0.1', r));
  oddUrl = `http://127.0.0.1:${(oddRelay.address() as AddressInfo).port}/v1/chat/completions`;
});
afterAll(async () => {
  failures.stop();
  await relay.close();
  oddRelay.closeAllConnections();
  await new Promise(r => oddRelay.close(r));
});

/** Same call without us, then with us; returns both app views and the relay span. */
async function compare(call: () => Promise<AppView>) {
  otel.instrumentation.disable();
  const without = await call();
  otel.instrumentation.enable();
  otel.reset();
  const withUs = await call();
  const [span] = await otel.waitForRelaySpans(1);
  expect(await settled(otel.instrumentation)).toBe(true);
  spans.push(span!);
  return { without, withUs, span: span! };
}

const callOdd =
  (odd: string, stream = true) =>
  () =>
    viewOf(
      fetch(oddUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-odd': odd },
        body: JSON.stringify({ ...CHAT_REQUEST, stream, ...(stream ? {} : { stream_options: undefined }) }),
      }),
    );

describe('odd answers: the app gets the same bytes, the span a meaningful status', () => {
  it.each<[string, boolean, string | undefined, number | undefined]>([
    // A stream mislabelled by a proxy is still a stream the SDK reads: a successful call with its usage.
    ['sse-as-json', true, undefined, 3],
    ['sse-as-text-plain', true, undefined, 3],
    ['sse-without-content-type', true, undefined, 3],
    // JSON with a content type that is not JSON is still the completion.
    ['json-as-text-plain', false, undefined, 4],
    ['json-as-html', false, undefined, 4],
    ['html-login-page-200', false, 'invalid_response', undefined],
    // The 1.5 MiB event is dropped by the parser (never buffered whole); the rest of the stream counts.
    ['event-over-the-cap', true, undefined, 3],
    // Clean end of the body, but no finish reason, no usage, no [DONE]: the answer was cut.
    ['stream-ends-cleanly-unfinished', true, 'incomplete_response', undefined],
    ['stream-ends-cleanly-mid-event', true, 'incomplete_response', undefined],
  ])('%s', async (odd, stream, errorType, outputTokens) => {
    const { without, withUs, span } = await compare(callOdd(odd, stream));
    expect(withUs).toEqual(without);
    expect(withUs.status).toBe(200);
    expect(span.attributes['error.type']).toBe(errorType);
    expect(span.status.code).toBe(errorType === undefined ? 0 : 2);
    expect(span.attributes['gen_ai.usage.output_tokens']).toBe(outputTokens);
  });

  it('json-as-event-stream: a JSON completion labelled as a stream ends the span either way, never with a transport error', async () => {
    // The openai SDK hands such a body to the app as a string; counting it as invalid or as the completion are both defensible.
    const { without, withUs, span } = await compare(callOdd('json-as-event-stream', false));
    expect(withUs).toEqual(without);
    if (span.attributes['error.type'] === undefined) expect(span.attributes['gen_ai.usage.output_tokens']).toBe(4);
    else expect(span.attributes['error.type']).toBe('invalid_response');
  });

  it('the event over the cap reached the app whole', async () => {
    const { withUs } = await compare(callOdd('event-over-the-cap'));
    const expected = ODD_ANSWERS['event-over-the-cap']!.pieces.join('');
    expect(withUs.bodyLength).toBe(Buffer.byteLength(expected));
    expect(withUs.bodySha256).toBe(sha256(Buffer.from(expected)));
  });
});

describe('the simulator faults, for the metrics check', () => {
  const callFault = (fault: FaultName, stream: boolean, signal?: AbortSignal) => () =>
    viewOf(
      fetch(`${relay.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-sim-fault': fault },
        signal,
        body: JSON.stringify({ ...CHAT_REQUEST, stream }),
      }),
    );

  it.each<[FaultName, boolean, RegExp]>([
    ['invalid-json', false, /^invalid_response$/],
    // One event's JSON is cut: the openai SDK throws "malformed server-sent event JSON" to the app.
    ['invalid-json', true, /^invalid_response$/],
    ['garbage', false, /^invalid_response$/],
    ['empty-200', false, /^empty_response$/],
    ['html-502', false, /^502$/],
    ['503', false, /^503$/],
    ['529', false, /^529$/],
    ['truncate', false, /^(UND_ERR_SOCKET|ECONNRESET|incomplete_response|invalid_response)$/],
    ['truncate', true, /^(UND_ERR_SOCKET|ECONNRESET|incomplete_response)$/],
    ['reset', true, /^(UND_ERR_SOCKET|ECONNRESET)$/],
    ['stream-error-event', true, /^server_error$/],
  ])('%s (stream: %s)', async (fault, stream, errorType) => {
    otel.reset();
    const withUs = await callFault(fault, stream)();
    const [span] = await otel.waitForRelaySpans(1);
    expect(await settled(otel.instrumentation)).toBe(true);
    spans.push(span!);
    expect(withUs.status ?? withUs.error).toBeDefined();
    expect(span!.status.code).toBe(2);
    expect(String(span!.attributes['error.type'])).toMatch(errorType);
  });

  it('a relay that never answers, and a caller that gives up', async () => {
    otel.reset();
    const seen = await callFault('hang', true, AbortSignal.timeout(100))();
    expect(seen.error).toMatch(/^TimeoutError/);
    const [span] = await otel.waitForRelaySpans(1);
    spans.push(span!);
    expect(span!.attributes['error.type']).toMatch(/^(TimeoutError|AbortError)$/);
  });

  it('a caller abort in the middle of a slow stream', async () => {
    otel.reset();
    const controller = new AbortController();
    let seen: AppView;
    try {
      const response = await fetch(`${relay.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-sim-chunk-delay-ms': '20', 'x-sim-output-tokens': '50' },
        signal: controller.signal,
        body: JSON.stringify(CHAT_REQUEST),
      });
      const reader = response.body!.getReader();
      await reader.read();
      controller.abort();
      while (!(await reader.read()).done);
      seen = { status: response.status };
    } catch (err) {
      seen = errorView(err);
    }
    expect(seen.error).toMatch(/^AbortError/);
    const [span] = await otel.waitForRelaySpans(1);
    spans.push(span!);
    expect(span!.attributes['error.type']).toBe('AbortError');
  });
});

describe('afterwards', () => {
  it('nothing reached uncaughtException or unhandledRejection', () => {
    expect(failures.events).toEqual([]);
    expect(callsInFlight(otel.instrumentation)).toBe(0);
  });

  it('the metrics agree with the spans: one duration point per call, the same error types, tokens where the span has them', async () => {
    const metrics = await otel.metrics();
    const duration = metrics.find(m => m.descriptor.name === 'gen_ai.client.operation.duration')!;
    expect(duration.dataPointType).toBe(DataPointType.HISTOGRAM);
    const byErrorType = new Map<string, number>();
    for (const point of duration.dataPoints) {
      const key = String(point.attributes['error.type'] ?? '(none)');
      byErrorType.set(key, (byErrorType.get(key) ?? 0) + (point.value as Histogram).count);
    }
    const spansByErrorType = new Map<string, number>();
    for (const span of spans) {
      const key = String(span.attributes['error.type'] ?? '(none)');
      spansByErrorType.set(key, (spansByErrorType.get(key) ?? 0) + 1);
    }
    // Every span was recorded once (the calls made without us have no span and no point).
    expect(Object.fromEntries(byErrorType)).toEqual(Object.fromEntries(spansByErrorType));
    expect([...byErrorType.values()].reduce((a, b) => a + b, 0)).toBe(spans.length);

    const tokenPoints = metrics.find(m => m.descriptor.name === 'gen_ai.client.token.usage')!.dataPoints;
    const outputCount = tokenPoints
      .filter(p => p.attributes['gen_ai.token.type'] === 'output')
      .reduce((n, p) => n + (p.value as Histogram).count, 0);
    expect(outputCount).toBe(spans.filter(s => s.attributes['gen_ai.usage.output_tokens'] !== undefined).length);
  });
});
