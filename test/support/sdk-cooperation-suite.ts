/*
 * Our instrumentation next to @opentelemetry/instrumentation-undici in one process, with the same
 * tracer provider. Which one subscribed to undici's channels first decides the span tree (see the
 * comments in src/instrumentation.ts):
 *   - undici instrumentation first: it injects its HTTP span's traceparent before we see the request;
 *   - undici instrumentation last: we see a `undici:client:sendHeaders` subscriber, leave the injection
 *     to it and start our span at the request's next event, once its traceparent is in the headers.
 * Either way our relay span nests under its HTTP span and we inject nothing.
 * Either way: one span with gen_ai.* attributes per call, one W3C traceparent at the relay.
 * Used by test/integration/cooperation-undici-{first,last}.test.ts (subscription order is per process).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpanKind } from '@opentelemetry/api';
import type { SpanContext } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startRelaySimulator } from '../../examples/relay-simulator/server.ts';
import type { RecordedRequest, RelaySimulator } from '../../examples/relay-simulator/server.ts';
import { callsInFlight, metricTotal } from './otel-harness';
import type { OtelHarness } from './otel-harness';
import {
  checkTimingAndCost,
  expectedRelaySpanAttributes,
  expectedSpanName,
  hasGenAiAttributes,
  parsedTraceparent,
} from './sdk-relay-expectations';

export const UNDICI_SCOPE = '@opentelemetry/instrumentation-undici';
const ANTHROPIC_SCOPE = 'com.anthropic.sdk.typescript';
const API_KEY = 'sk-cooperation-7d2e91';
const MESSAGES = [{ role: 'user' as const, content: 'Has my parcel left the depot yet?' }];

export type SubscriptionOrder = 'undici instrumentation first' | 'undici instrumentation last';

export interface RelayCallResult {
  app: SpanContext;
  request: RecordedRequest;
  spans: ReadableSpan[];
  relaySpan: ReadableSpan;
  durationPoints: number;
}

async function durationPointCount(otel: OtelHarness): Promise<number> {
  return metricTotal(await otel.metrics(), 'gen_ai.client.operation.duration', {}, 'count');
}

/** Runs one relay call inside an `app-handler` span; returns what the relay and the exporter saw. */
export async function callInAppSpan(
  otel: OtelHarness,
  relay: RelaySimulator,
  call: () => Promise<unknown>,
): Promise<RelayCallResult> {
  otel.reset();
  const firstRequest = relay.requests.length;
  const pointsBefore = await durationPointCount(otel);
  const tracer = otel.tracerProvider.getTracer('test');
  const app = await tracer.startActiveSpan('app-handler', async span => {
    try {
      await call();
      return span.spanContext();
    } finally {
      span.end();
    }
  });
  const requests = relay.requests.slice(firstRequest);
  expect(requests).toHaveLength(1);
  const [relaySpan] = await otel.waitForRelaySpans(1);
  await new Promise(r => setTimeout(r, 20));
  expect(otel.relaySpans()).toHaveLength(1);
  return {
    app,
    request: requests[0]!,
    spans: otel.spanExporter.getFinishedSpans(),
    relaySpan: relaySpan!,
    durationPoints: (await durationPointCount(otel)) - pointsBefore,
  };
}

function only(spans: readonly ReadableSpan[], scope: string): ReadableSpan {
  const found = spans.filter(s => s.instrumentationScope.name === scope);
  expect(
    found.map(s => s.name),
    `spans of ${scope}`,
  ).toHaveLength(1);
  return found[0]!;
}

export function defineCooperationSuite(order: SubscriptionOrder, otel: OtelHarness): void {
  let relay: RelaySimulator;
  beforeAll(async () => {
    relay = await startRelaySimulator({ requireKey: API_KEY });
  });
  afterAll(async () => {
    await relay?.close();
  });

  const jsonHeaders = () => ({ 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` });
  const calls: Array<[string, () => Promise<unknown>]> = [
    [
      'fetch, JSON answer',
      async () => {
        const response = await fetch(`${relay.url}/v1/chat/completions`, {
          method: 'POST',
          headers: jsonHeaders(),
          body: JSON.stringify({ model: 'gpt-4.1', messages: MESSAGES, max_tokens: 32 }),
        });
        await response.json();
      },
    ],
    [
      'fetch, streamed answer',
      async () => {
        const response = await fetch(`${relay.url}/v1/chat/completions`, {
          method: 'POST',
          headers: jsonHeaders(),
          body: JSON.stringify({
            model: 'gpt-4.1',
            messages: MESSAGES,
            stream: true,
            stream_options: { include_usage: true },
          }),
        });
        await response.text();
      },
    ],
    [
      'openai SDK',
      () =>
        new OpenAI({ apiKey: API_KEY, baseURL: `${relay.url}/v1` }).chat.completions.create({
          model: 'gpt-4.1',
          messages: MESSAGES,
        }),
    ],
  ];

  describe(`${order}`, () => {
    it.each(calls)('%s: one GenAI span, one traceparent, one trace', async (_name, call) => {
      const { app, request, spans, relaySpan, durationPoints } = await callInAppSpan(otel, relay, call);

      // Exactly one span carries gen_ai.* attributes: ours, complete and correct.
      expect(spans.filter(hasGenAiAttributes)).toEqual([relaySpan]);
      expect(relaySpan.name).toBe(expectedSpanName(request));
      expect(relaySpan.attributes).toEqual(expectedRelaySpanAttributes(relay, request));
      checkTimingAndCost(relaySpan);
      expect(durationPoints).toBe(1);

      // The HTTP instrumentation still records its own span for the request.
      const http = only(spans, UNDICI_SCOPE);
      expect(http.kind).toBe(SpanKind.CLIENT);
      expect(http.attributes['url.full']).toBe(`${relay.url}${request.path}`);
      expect(http.attributes['http.response.status_code']).toBe(200);

      // One valid W3C traceparent reached the relay, naming the HTTP span (the span closest to the wire).
      expect(parsedTraceparent(request)).toEqual({ traceId: app.traceId, spanId: http.spanContext().spanId });

      // One trace: app span → HTTP span → our relay span, whatever the subscription order.
      for (const span of spans) expect(span.spanContext().traceId).toBe(app.traceId);
      expect(http.parentSpanContext?.spanId).toBe(app.spanId);
      expect(relaySpan.parentSpanContext?.spanId).toBe(http.spanContext().spanId);
      expect(callsInFlight(otel.instrumentation)).toBe(0);
    });

    // Without a span of the app's, only the HTTP span's traceparent ties the relay's trace to ours.
    it('without an active span: the relay span is in the trace the relay received', async () => {
      otel.reset();
      const before = relay.requests.length;
      await calls[0]![1]();
      const [relaySpan] = await otel.waitForRelaySpans(1);
      const http = only(otel.spanExporter.getFinishedSpans(), UNDICI_SCOPE);
      expect(http.parentSpanContext).toBeUndefined();
      expect(parsedTraceparent(relay.requests[before]!)).toEqual({
        traceId: http.spanContext().traceId,
        spanId: http.spanContext().spanId,
      });
      expect(relaySpan!.spanContext().traceId).toBe(http.spanContext().traceId);
    });

    // @anthropic-ai/sdk 1.x traces itself and sends its call span's traceparent as an ordinary
    // header; instrumentation-undici then *adds* its own (`request.addHeader`) without removing it.
    it('anthropic SDK (traces itself and injects its own traceparent)', async () => {
      const client = new Anthropic({
        apiKey: API_KEY,
        baseURL: relay.url,
        openTelemetry: { tracerProvider: otel.tracerProvider },
      });
      const { app, request, spans, relaySpan, durationPoints } = await callInAppSpan(otel, relay, () =>
        client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 64, messages: MESSAGES }),
      );
      const sdk = only(spans, ANTHROPIC_SCOPE);
      const http = only(spans, UNDICI_SCOPE);
      expect(
        spans
          .filter(hasGenAiAttributes)
          .map(s => s.name)
          .sort(),
      ).toEqual([sdk.name, relaySpan.name].sort());
      expect(relaySpan.attributes).toEqual(expectedRelaySpanAttributes(relay, request));
      expect(durationPoints).toBe(1);

      for (const span of spans) expect(span.spanContext().traceId).toBe(app.traceId);
      expect(sdk.parentSpanContext?.spanId).toBe(app.spanId);
      expect(http.parentSpanContext?.spanId).toBe(sdk.spanContext().spanId);

      // We add no traceparent of our own: whatever reached the relay names the SDK's or the HTTP span.
      const sent = (request.headers['traceparent'] ?? '').split(',').map(v => v.trim().split('-')[2]);
      expect(sent).not.toContain(relaySpan.spanContext().spanId);
      expect(sent.every(id => id === sdk.spanContext().spanId || id === http.spanContext().spanId)).toBe(true);

      // Ours nests under the span closest to the wire: the HTTP span (the last traceparent injected).
      expect(relaySpan.parentSpanContext?.spanId).toBe(http.spanContext().spanId);
    });
  });
}
