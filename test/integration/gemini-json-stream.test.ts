// Gemini's streamGenerateContent without `alt=sse` answers with one JSON array that arrives piece by
// piece: its elements are the stream's chunks (time to first chunk, usage from the last element).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startRelaySimulator } from '../../examples/relay-simulator/server.ts';
import type { RelaySimulator } from '../../examples/relay-simulator/server.ts';
import { metricTotal, setupOtel } from '../support/otel-harness';

const otel = setupOtel();
let relay: RelaySimulator;
beforeAll(async () => {
  relay = await startRelaySimulator({ firstChunkDelayMs: 40, chunkDelayMs: 10 });
});
afterAll(() => relay.close());

it('reads a streamed JSON array as chunks', async () => {
  const response = await fetch(`${relay.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-goog-api-key': 'g-secret' },
    body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Where is parcel 7?' }] }] }),
  });
  const elements = (await response.json()) as unknown[];
  const [span] = await otel.waitForRelaySpans(1);
  const truth = relay.requests.at(-1)!.response!;
  expect(span!.name).toBe('generate_content gemini-2.5-flash');
  expect(span!.attributes['gen_ai.usage.input_tokens']).toBe(truth.inputTokens);
  expect(span!.attributes['gen_ai.usage.output_tokens']).toBe(truth.outputTokens);
  expect(span!.attributes['gen_ai.response.time_to_first_chunk']).toBeGreaterThanOrEqual(0.04);
  const metrics = await otel.metrics();
  expect(metricTotal(metrics, 'gen_ai.client.operation.time_to_first_chunk', {}, 'count')).toBe(1);
  // One gap per element after the first that carried output.
  expect(metricTotal(metrics, 'gen_ai.client.operation.time_per_output_chunk', {}, 'count')).toBe(elements.length - 1);
});
