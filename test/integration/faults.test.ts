/*
 * Bad answers and broken connections: whatever the relay does, the app sees exactly what it would
 * see without the instrumentation (same status, same bytes, same error), and the relay span ends
 * with an error status and a meaningful error.type. Node's fetch only (the undici package is not loaded).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelaySimulator } from '../../examples/relay-simulator/server.ts';
import type { FaultName, RelaySimulator } from '../../examples/relay-simulator/server.ts';
import { callsInFlight, setupOtel } from '../support/otel-harness';

const otel = setupOtel();
let relay: RelaySimulator;

beforeAll(async () => {
  relay = await startRelaySimulator({ slowMs: 200 });
});
afterAll(async () => {
  await relay.close();
});

interface Seen {
  status?: number;
  /** Byte length: the simulator's ids differ per call, so bodies are compared byte for byte in the replay suites. */
  bodyLength?: number;
  contentType?: string | null;
  error?: string;
}

/** What the app observes: status, content type and body length, or the error it got (name and cause code). */
async function callAsApp(
  fault: FaultName | undefined,
  init: { stream?: boolean; encoding?: string; signal?: AbortSignal } = {},
): Promise<Seen> {
  const headers: Record<string, string> = { 'content-type': 'application/json', authorization: 'Bearer sk-fault' };
  if (fault) headers['x-sim-fault'] = fault;
  if (init.encoding) headers['x-sim-encoding'] = init.encoding;
  try {
    const response = await fetch(`${relay.url}/v1/chat/completions`, {
      method: 'POST',
      headers,
      signal: init.signal,
      body: JSON.stringify({
        model: 'gpt-4.1',
        stream: init.stream ?? false,
        ...(init.stream ? { stream_options: { include_usage: true } } : {}),
        messages: [{ role: 'user', content: 'Where is order 42?' }],
      }),
    });
    const body = Buffer.from(await response.arrayBuffer());
    return { status: response.status, contentType: response.headers.get('content-type'), bodyLength: body.length };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    return { error: `${e.name}:${e.cause?.code ?? ''}` };
  }
}

/** Same call with the instrumentation off, then on; returns both views and the relay span. */
async function compare(fault: FaultName | undefined, init: Parameters<typeof callAsApp>[1] = {}) {
  otel.instrumentation.disable();
  const without = await callAsApp(fault, init);
  otel.instrumentation.enable();
  otel.reset();
  const withUs = await callAsApp(fault, init);
  const [span] = await otel.waitForRelaySpans(1);
  return { without, withUs, span: span! };
}

describe('the app sees the same answer with and without us', () => {
  it.each([
    ['JSON, plain', { stream: false }],
    ['JSON, gzip', { stream: false, encoding: 'gzip' }],
    ['SSE, plain', { stream: true }],
    ['SSE, br', { stream: true, encoding: 'br' }],
  ])('%s', async (_name, init) => {
    const { without, withUs, span } = await compare(undefined, init);
    expect(withUs).toEqual(without);
    expect(withUs.status).toBe(200);
    expect(span.status.code).toBe(0);
    expect(span.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
  });
});

describe('faults end the span with an error and leave the app alone', () => {
  it.each<[FaultName, boolean, string]>([
    ['invalid-json', false, 'invalid_response'],
    ['garbage', false, 'invalid_response'],
    ['empty-200', false, 'empty_response'],
    ['html-502', false, '502'],
    ['500', false, '500'],
    ['429', false, '429'],
    ['401', false, '401'],
    ['stream-error-event', true, 'server_error'],
  ])('%s', async (fault, stream, errorType) => {
    const { without, withUs, span } = await compare(fault, { stream });
    expect(withUs).toEqual(without);
    expect(span.status.code).toBe(2);
    expect(span.attributes['error.type']).toBe(errorType);
    expect(callsInFlight(otel.instrumentation)).toBe(0);
  });

  it.each<[FaultName, boolean]>([
    ['truncate', true],
    ['reset', true],
    ['reset', false],
  ])('%s (stream: %s): the connection breaks', async (fault, stream) => {
    const { without, withUs, span } = await compare(fault, { stream });
    expect(withUs).toEqual(without);
    expect(withUs.error).toBeDefined();
    expect(span.status.code).toBe(2);
    expect(span.attributes['error.type']).toMatch(/^(UND_ERR_SOCKET|ECONNRESET|incomplete_response)$/);
    expect(callsInFlight(otel.instrumentation)).toBe(0);
  });

  it('429 records retry-after and the rate-limit headroom', async () => {
    const { span } = await compare('429');
    expect(span.attributes['http.response.header.retry-after']).toEqual(['1']);
    const metrics = await otel.metrics();
    expect(metrics.map(m => m.descriptor.name)).toContain('llm_relay.rate_limit.remaining');
  });

  it('a caller abort mid-stream reaches the app unchanged and ends the span', async () => {
    const abortMidStream = async () => {
      const controller = new AbortController();
      const response = await fetch(`${relay.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        signal: controller.signal,
        body: JSON.stringify({
          model: 'gpt-4.1',
          stream: true,
          max_tokens: 200,
          messages: [{ role: 'user', content: 'long' }],
        }),
      });
      const reader = response.body!.getReader();
      await reader.read();
      controller.abort();
      try {
        while (!(await reader.read()).done);
        return 'completed';
      } catch (err) {
        return (err as Error).name;
      }
    };
    otel.instrumentation.disable();
    const without = await abortMidStream();
    otel.instrumentation.enable();
    otel.reset();
    const withUs = await abortMidStream();
    expect(withUs).toBe(without);
    expect(withUs).toBe('AbortError');
    const [span] = await otel.waitForRelaySpans(1);
    expect(span!.status.code).toBe(2);
    expect(span!.attributes['error.type']).toBe('AbortError');
    expect(callsInFlight(otel.instrumentation)).toBe(0);
  });

  it('a cancel after the final [DONE] event (what the openai SDK does) is a successful call', async () => {
    // A relay that keeps the stream open after [DONE], so the cancel surely comes before the body ends.
    const lingering = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: {"id":"c","model":"gpt-4.1","choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\n');
        res.write('data: {"id":"c","model":"gpt-4.1","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n');
        res.write(
          'data: {"id":"c","model":"gpt-4.1","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1}}\n\n',
        );
        res.write('data: [DONE]\n\n');
        setTimeout(() => res.end(), 2000);
      });
    });
    await new Promise<void>(r => lingering.listen(0, '127.0.0.1', r));
    try {
      otel.reset();
      const controller = new AbortController();
      const response = await fetch(
        `http://127.0.0.1:${(lingering.address() as AddressInfo).port}/v1/chat/completions`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          signal: controller.signal,
          body: JSON.stringify({
            model: 'gpt-4.1',
            stream: true,
            stream_options: { include_usage: true },
            messages: [],
          }),
        },
      );
      const reader = response.body!.getReader();
      let text = '';
      while (!text.includes('[DONE]')) text += Buffer.from((await reader.read()).value!).toString();
      controller.abort();
      const [span] = await otel.waitForRelaySpans(1);
      expect(span!.status.code).toBe(0);
      expect(span!.attributes['error.type']).toBeUndefined();
      expect(span!.attributes['gen_ai.usage.output_tokens']).toBe(1);
    } finally {
      lingering.closeAllConnections();
      lingering.close();
    }
  });

  it('a relay that never answers: the caller times out, the span ends', async () => {
    otel.reset();
    const seen = await callAsApp('hang', { signal: AbortSignal.timeout(150) });
    expect(seen.error).toMatch(/^TimeoutError/);
    const [span] = await otel.waitForRelaySpans(1);
    expect(span!.status.code).toBe(2);
    expect(span!.attributes['error.type']).toMatch(/TimeoutError|AbortError/);
  });
});
