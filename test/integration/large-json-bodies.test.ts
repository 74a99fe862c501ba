/*
 * Large embeddings responses (5 MB and 50 MB of JSON floats, the bench's memory cases) through
 * the real instrumentation and the relay simulator: the vectors are passed over unkept (the
 * codec's `responseSkipKeys`), and the model and token count that follow them at the end of the
 * body still reach the span. The body is read with fetch and dropped chunk by chunk, as an app
 * streaming it would. Memory per request is measured by the bench (bench/memory.cjs), not here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelaySimulator } from '../../examples/relay-simulator/server.ts';
import type { RelaySimulator } from '../../examples/relay-simulator/server.ts';
import { callsInFlight, setupOtel } from '../support/otel-harness';

/** Bytes of one 3072-float embedding as the simulator writes it (as in bench/memory.cjs). */
const BYTES_PER_EMBEDDING = 65_500;

const otel = setupOtel();
let relay: RelaySimulator;

beforeAll(async () => {
  // Uncompressed unless a request asks (x-sim-encoding): gzipping 50 MB would take seconds.
  relay = await startRelaySimulator({ compression: false });
});
afterAll(() => relay.close());

async function embeddingsCall(targetBytes: number, headers: Record<string, string> = {}): Promise<number> {
  const inputs = Math.round(targetBytes / BYTES_PER_EMBEDDING);
  const response = await fetch(`${relay.url}/v1/embeddings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test', ...headers },
    body: JSON.stringify({
      model: 'text-embedding-3-large',
      encoding_format: 'float',
      input: Array.from({ length: inputs }, (_, i) => `document ${i}`),
    }),
  });
  let bytes = 0;
  for await (const chunk of response.body!) bytes += (chunk as Uint8Array).byteLength;
  return bytes;
}

describe('large JSON response bodies', () => {
  it.each<{ size: string; targetBytes: number; headers: Record<string, string> }>([
    { size: '5 MB', targetBytes: 5_000_000, headers: {} },
    { size: '5 MB, gzip', targetBytes: 5_000_000, headers: { 'x-sim-encoding': 'gzip' } },
    { size: '50 MB', targetBytes: 50_000_000, headers: {} },
  ])('$size of embeddings: input tokens and model from the end of the body', async ({ targetBytes, headers }) => {
    otel.reset();
    const bytes = await embeddingsCall(targetBytes, headers);
    const [span] = await otel.waitForRelaySpans(1);
    const truth = relay.requests.at(-1)!.response!;
    if (!('x-sim-encoding' in headers)) expect(bytes).toBeGreaterThan(targetBytes * 0.95);
    expect(truth.inputTokens).toBeGreaterThan(0);
    expect(span!.name).toBe('embeddings text-embedding-3-large');
    expect(span!.attributes['gen_ai.usage.input_tokens']).toBe(truth.inputTokens);
    expect(span!.attributes['gen_ai.response.model']).toBe(truth.responseModel);
    expect(span!.attributes['error.type']).toBeUndefined();
    expect(callsInFlight(otel.instrumentation)).toBe(0);
  });
});
