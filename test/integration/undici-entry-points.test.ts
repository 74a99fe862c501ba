/*
 * Every way the undici package makes a request is observed: request, fetch, stream, and Client,
 * Pool, Agent, and an explicit dispatcher (plus Node's global fetch, which runs on this package's
 * global dispatcher once it is loaded). One relay span per call, with the relay's own token counts.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, Client, Pool, fetch as undiciFetch, request, stream } from 'undici';
import { startRelaySimulator } from '../../examples/relay-simulator/server.ts';
import type { RelaySimulator } from '../../examples/relay-simulator/server.ts';
import { callsInFlight, setupOtel } from '../support/otel-harness';

const otel = setupOtel();
let relay: RelaySimulator;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  relay = await startRelaySimulator();
});
afterAll(async () => {
  for (const close of closers) await close();
  await relay.close();
});

const body = (stream: boolean) =>
  JSON.stringify({
    model: 'gpt-4.1',
    stream,
    ...(stream ? { stream_options: { include_usage: true } } : {}),
    messages: [{ role: 'user', content: 'Where is my parcel?' }],
  });
const headers = { 'content-type': 'application/json' };
const path = '/v1/chat/completions';

const entryPoints: Array<[string, (streamed: boolean) => Promise<void>]> = [
  [
    'undici.request',
    async s => void (await (await request(relay.url + path, { method: 'POST', headers, body: body(s) })).body.text()),
  ],
  [
    'undici.fetch',
    async s => void (await (await undiciFetch(relay.url + path, { method: 'POST', headers, body: body(s) })).text()),
  ],
  [
    'global fetch',
    async s => void (await (await fetch(relay.url + path, { method: 'POST', headers, body: body(s) })).text()),
  ],
  [
    'undici.stream',
    async s => {
      await stream(
        relay.url + path,
        { method: 'POST', headers, body: body(s) },
        () => new Writable({ write: (_c, _e, done) => done() }),
      );
    },
  ],
  [
    'Client',
    async s => {
      const client = new Client(relay.url);
      closers.push(() => client.close());
      await (await client.request({ path, method: 'POST', headers, body: body(s) })).body.text();
    },
  ],
  [
    'Pool',
    async s => {
      const pool = new Pool(relay.url, { connections: 2 });
      closers.push(() => pool.close());
      await (await pool.request({ path, method: 'POST', headers, body: body(s) })).body.text();
    },
  ],
  [
    'Agent as an explicit dispatcher',
    async s => {
      const agent = new Agent({ keepAliveTimeout: 1000 });
      closers.push(() => agent.close());
      await (
        await request(relay.url + path, { method: 'POST', headers, body: body(s), dispatcher: agent })
      ).body.text();
    },
  ],
];

describe.each(entryPoints)('%s', (_name, call) => {
  it.each([false, true])('streamed: %s', async streamed => {
    otel.reset();
    const before = relay.requests.length;
    await call(streamed);
    const [span] = await otel.waitForRelaySpans(1);
    const truth = relay.requests[before]!.response!;
    expect(relay.requests.length).toBe(before + 1);
    expect(span!.name).toBe('chat gpt-4.1');
    expect(span!.attributes['gen_ai.request.stream']).toBe(streamed ? true : undefined);
    expect(span!.attributes['gen_ai.response.model']).toBe(truth.responseModel);
    expect(span!.attributes['gen_ai.usage.input_tokens']).toBe(truth.inputTokens);
    expect(span!.attributes['gen_ai.usage.output_tokens']).toBe(truth.outputTokens);
    expect(otel.relaySpans()).toHaveLength(1);
    expect(callsInFlight(otel.instrumentation)).toBe(0);
  });
});
