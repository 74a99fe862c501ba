/*
 * Our instrumentation alone injects one traceparent naming its relay span (none with
 * `propagateContext: false`); then @opentelemetry/instrumentation-undici subscribes after ours:
 * it injects, we don't, and the two spans are siblings under the caller's span.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { startRelaySimulator } from '../../examples/relay-simulator/server.ts';
import type { RelaySimulator } from '../../examples/relay-simulator/server.ts';
import { setupOtel } from '../support/otel-harness';
import { callInAppSpan, defineCooperationSuite } from '../support/sdk-cooperation-suite';
import { expectedRelaySpanAttributes, parsedTraceparent } from '../support/sdk-relay-expectations';

const otel = setupOtel();

describe('our instrumentation alone', () => {
  let relay: RelaySimulator;
  beforeAll(async () => {
    relay = await startRelaySimulator();
  });
  afterAll(async () => {
    otel.instrumentation.setConfig({});
    await relay?.close();
  });

  const chat = () =>
    fetch(`${relay.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'Any news on my parcel?' }] }),
    }).then(r => r.json());

  it("injects exactly one traceparent, naming the relay span (the relay's own tracing nests under it)", async () => {
    const { app, request, relaySpan } = await callInAppSpan(otel, relay, chat);
    expect(relaySpan.attributes).toEqual(expectedRelaySpanAttributes(relay, request));
    expect(relaySpan.parentSpanContext?.spanId).toBe(app.spanId);
    expect(parsedTraceparent(request)).toEqual({ traceId: app.traceId, spanId: relaySpan.spanContext().spanId });
  });

  it('injects nothing with propagateContext: false, and still records the call', async () => {
    otel.instrumentation.setConfig({ propagateContext: false });
    const { app, request, relaySpan } = await callInAppSpan(otel, relay, chat);
    expect(request.headers['traceparent']).toBeUndefined();
    expect(request.headers['tracestate']).toBeUndefined();
    expect(relaySpan.attributes).toEqual(expectedRelaySpanAttributes(relay, request));
    expect(relaySpan.parentSpanContext?.spanId).toBe(app.spanId);
  });

  it('without an active span: the relay span is a root and the relay still gets its traceparent', async () => {
    otel.instrumentation.setConfig({});
    otel.reset();
    const before = relay.requests.length;
    await chat();
    const [relaySpan] = await otel.waitForRelaySpans(1);
    expect(relaySpan!.parentSpanContext).toBeUndefined();
    expect(parsedTraceparent(relay.requests[before]!)).toEqual({
      traceId: relaySpan!.spanContext().traceId,
      spanId: relaySpan!.spanContext().spanId,
    });
  });
});

describe('then @opentelemetry/instrumentation-undici subscribes after ours', () => {
  beforeAll(() => {
    const undiciInstrumentation = new UndiciInstrumentation();
    undiciInstrumentation.setTracerProvider(otel.tracerProvider);
  });
  defineCooperationSuite('undici instrumentation last', otel);
});
