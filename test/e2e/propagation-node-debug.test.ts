/*
 * NODE_DEBUG=undici (or fetch) makes undici's own debug logger subscribe to
 * `undici:client:sendHeaders`, the channel other HTTP instrumentations also use. The relay must still
 * receive the relay span as its traceparent, through fetch and through the undici package, in a
 * child process started with that environment (built dist/, as an app would load it).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNode } from '../support/child-process';
import { startRelaySimulator } from '../../examples/relay-simulator/server.ts';
import type { RelaySimulator } from '../../examples/relay-simulator/server.ts';

const root = resolve(__dirname, '../..');

// Prints one line per call: the relay span's trace and span ids, as the exporter saw them.
const APP = `
const { context, propagation } = require('@opentelemetry/api');
const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks');
const { W3CTraceContextPropagator } = require('@opentelemetry/core');
const { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } = require('@opentelemetry/sdk-trace');
const { LlmRelayInstrumentation } = require('./dist/index.js');
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
const exporter = new InMemorySpanExporter();
const instrumentation = new LlmRelayInstrumentation();
instrumentation.setTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }));
const body = JSON.stringify({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'hi' }] });
const headers = { 'content-type': 'application/json' };
const url = process.env.RELAY_URL + '/v1/chat/completions';
(async () => {
  const viaFetch = await fetch(url, { method: 'POST', headers, body });
  await viaFetch.arrayBuffer();
  const viaUndici = await require('undici').request(url, { method: 'POST', headers, body });
  await viaUndici.body.arrayBuffer();
  for (const span of exporter.getFinishedSpans()) {
    const { traceId, spanId } = span.spanContext();
    console.log(JSON.stringify({ traceId, spanId }));
  }
})();
`;

let relay: RelaySimulator;

beforeAll(async () => {
  if (!existsSync(resolve(root, 'dist/index.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  relay = await startRelaySimulator();
});
afterAll(async () => {
  await relay?.close();
});

describe('trace context propagation under NODE_DEBUG', () => {
  it.each(['undici', 'fetch', ''])('NODE_DEBUG=%s: the relay receives the relay span as traceparent', async debug => {
    const before = relay.requests.length;
    const result = await runNode(['-e', APP], { RELAY_URL: relay.url, NODE_DEBUG: debug });
    expect(result.code, result.stderr).toBe(0);
    // The debug logger is really on: it wrote to stderr about the requests.
    if (debug) expect(result.stderr).toMatch(/sending request to POST/);
    const spans = result.stdout
      .trim()
      .split('\n')
      .map(line => JSON.parse(line) as { traceId: string; spanId: string });
    const received = relay.requests.slice(before).map(r => r.headers['traceparent']);
    expect(spans).toHaveLength(2);
    expect(received).toEqual(spans.map(s => `00-${s.traceId}-${s.spanId}-01`));
  });
});
