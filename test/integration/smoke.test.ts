import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { callsInFlight, pointsOf, setupOtel } from '../support/otel-harness';

const otel = setupOtel();
let origin = '';
const server = createServer((req, res) => {
  let body = '';
  req.on('data', c => (body += c));
  req.on('end', async () => {
    const parsed = JSON.parse(body);
    if (parsed.stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(
        `data: {"id":"c1","model":"gpt-4.1-2025-04-14","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}\n\n`,
      );
      await new Promise(r => setTimeout(r, 30));
      res.write(`data: {"id":"c1","model":"gpt-4.1-2025-04-14","choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\n`);
      await new Promise(r => setTimeout(r, 30));
      res.write(
        `data: {"id":"c1","model":"gpt-4.1-2025-04-14","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n`,
      );
      res.write(
        `data: {"id":"c1","model":"gpt-4.1-2025-04-14","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}\n\ndata: [DONE]\n\n`,
      );
      res.end();
    } else {
      const json = JSON.stringify({
        id: 'c2',
        object: 'chat.completion',
        model: 'gpt-4.1-2025-04-14',
        choices: [{ index: 0, message: { role: 'assistant', content: 'Hello' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
      });
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        'x-ratelimit-limit-requests': '100',
        'x-ratelimit-remaining-requests': '99',
      });
      res.end(gzipSync(json));
    }
  });
});

beforeAll(async () => {
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server.close());

describe('smoke', () => {
  it('streams through global fetch', async () => {
    const res = await fetch(`${origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-secret' },
      body: JSON.stringify({
        model: 'gpt-4.1',
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'hi' }],
      }),
    });
    const text = await res.text();
    expect(text).toContain('[DONE]');
    const [span] = await otel.waitForRelaySpans(1);
    expect(span!.name).toBe('chat gpt-4.1');
    expect(span!.attributes['gen_ai.usage.output_tokens']).toBe(2);
    expect(span!.attributes['gen_ai.response.time_to_first_chunk']).toBeGreaterThan(0.02);
  });

  it('reads gzip JSON through undici.request', async () => {
    otel.reset();
    const res = await request(`${origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'hi' }] }),
    });
    await res.body.arrayBuffer();
    const [span] = await otel.waitForRelaySpans(1);
    expect(span!.name).toBe('chat gpt-4.1');
    expect(span!.attributes['gen_ai.usage.input_tokens']).toBe(5);
    expect(span!.attributes['gen_ai.usage.output_tokens']).toBe(1);
    // Both calls' durations and the relay's rate-limit headroom reach the metrics.
    const metrics = await otel.metrics();
    const values = (name: string) => pointsOf(metrics, name).map(p => p.value);
    expect(
      values('gen_ai.client.operation.duration').reduce((n: number, h) => n + (h as { count: number }).count, 0),
    ).toBe(2);
    expect(values('llm_relay.rate_limit.remaining')).toEqual([99]);
    expect(values('llm_relay.rate_limit.limit')).toEqual([100]);
    expect(callsInFlight(otel.instrumentation)).toBe(0);
  });
});
