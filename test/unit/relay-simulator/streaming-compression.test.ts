import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelaySimulator, type RelaySimulator } from '../../../examples/relay-simulator/server.ts';
import { parseSse, rawRequest, sseJson, type RawResponse } from './helpers.ts';

const chat = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  model: 'gpt-4.1',
  messages: [{ role: 'user', content: 'Hello' }],
  stream: true,
  max_tokens: 4,
  ...extra,
});

/** Arrival time of the first data event whose bytes contain `needle` (identity bodies). */
function arrivalOf(res: RawResponse, needle: string): number {
  const chunk = res.chunks.find(c => c.bytes.toString('utf8').includes(needle));
  if (!chunk) throw new Error(`no chunk contains ${needle}`);
  return chunk.at;
}

let sim: RelaySimulator;
beforeAll(async () => {
  sim = await startRelaySimulator({ firstChunkDelayMs: 80, chunkDelayMs: 40 });
});
afterAll(async () => {
  await sim.close();
});

describe('streaming pauses', () => {
  it('waits the first-chunk delay, then the inter-chunk delay between output chunks', async () => {
    const res = await rawRequest(`${sim.url}/v1/chat/completions`, { body: chat() });
    expect(res.status).toBe(200);
    expect(res.headers['transfer-encoding']).toBe('chunked');
    const contentChunks = res.chunks.filter(
      c => c.bytes.toString('utf8').includes('"content":"') && !c.bytes.toString('utf8').includes('"role"'),
    );
    expect(contentChunks.length).toBe(4);
    // Client and server share one event loop: allow for jitter, but every chunk must come apart from the last.
    // Measured from the request's start: a lower bound no scheduling delay can shrink.
    expect(contentChunks[0]!.at - res.startedAt).toBeGreaterThanOrEqual(78);
    for (let i = 1; i < contentChunks.length; i++) {
      expect(contentChunks[i]!.at - contentChunks[i - 1]!.at).toBeGreaterThanOrEqual(5);
    }
    expect(contentChunks.at(-1)!.at - contentChunks[0]!.at).toBeGreaterThanOrEqual(3 * 40 * 0.75);
    expect(res.body.toString('utf8').endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('takes per-request timing from x-sim-first-chunk-ms and x-sim-chunk-delay-ms', async () => {
    const res = await rawRequest(`${sim.url}/v1/messages`, {
      body: { model: 'claude-sonnet-4.5', max_tokens: 3, stream: true, messages: [{ role: 'user', content: 'hi' }] },
      headers: { 'x-sim-first-chunk-ms': '150', 'x-sim-chunk-delay-ms': '0' },
    });
    const first = arrivalOf(res, 'content_block_delta');
    expect(first - res.startedAt).toBeGreaterThanOrEqual(148);
    // message_start goes out with the headers, before the first output chunk.
    expect(arrivalOf(res, 'message_start')).toBeLessThan(first);
  });

  it('adds latency before the headers (x-sim-latency-ms)', async () => {
    const res = await rawRequest(`${sim.url}/v1/chat/completions`, {
      body: chat({ stream: false }),
      headers: { 'x-sim-latency-ms': '120' },
    });
    expect(res.headersAt - res.startedAt).toBeGreaterThanOrEqual(110);
  });
});

describe('compression', () => {
  const decoders = {
    gzip: zlib.gunzipSync,
    deflate: zlib.inflateSync,
    br: zlib.brotliDecompressSync,
    zstd: zlib.zstdDecompressSync,
  } as const;

  for (const [coding, decode] of Object.entries(decoders)) {
    it(`round-trips ${coding} when forced with ?encoding= and when negotiated`, async () => {
      const forced = await rawRequest(`${sim.url}/v1/chat/completions?encoding=${coding}`, {
        body: chat({ stream: false }),
      });
      expect(forced.headers['content-encoding']).toBe(coding);
      expect(Number(forced.headers['content-length'])).toBe(forced.body.length);
      expect(JSON.parse(decode(forced.body).toString('utf8')).object).toBe('chat.completion');

      const negotiated = await rawRequest(`${sim.url}/v1/chat/completions`, {
        body: chat({ stream: true }),
        headers: { 'accept-encoding': coding },
      });
      expect(negotiated.headers['content-encoding']).toBe(coding);
      const text = decode(negotiated.body).toString('utf8');
      expect(parseSse(text).at(-1)!.data).toBe('[DONE]');
    });
  }

  it('negotiates by q-value then client order, * as gzip, identity when nothing fits', async () => {
    const cases: Array<[string, string | undefined]> = [
      ['gzip;q=0.5, br', 'br'],
      ['deflate, gzip', 'deflate'],
      ['*', 'gzip'],
      ['identity', undefined],
      ['gzip;q=0, compress', undefined],
    ];
    for (const [accept, expected] of cases) {
      const res = await rawRequest(`${sim.url}/v1/models`, { headers: { 'accept-encoding': accept } });
      expect(res.headers['content-encoding'], accept).toBe(expected);
    }
  });

  it('forces an encoding with x-sim-encoding, and ignores Accept-Encoding with compression: false', async () => {
    const forced = await rawRequest(`${sim.url}/v1/models`, { headers: { 'x-sim-encoding': 'gzip' } });
    expect(forced.headers['content-encoding']).toBe('gzip');
    const plain = await startRelaySimulator({ compression: false });
    try {
      const res = await rawRequest(`${plain.url}/v1/models`, { headers: { 'accept-encoding': 'gzip, br' } });
      expect(res.headers['content-encoding']).toBeUndefined();
      expect(JSON.parse(res.body.toString('utf8')).object).toBe('list');
    } finally {
      await plain.close();
    }
  });

  const partialDecoders = {
    gzip: (b: Buffer) => zlib.gunzipSync(b, { finishFlush: zlib.constants.Z_SYNC_FLUSH }),
    deflate: (b: Buffer) => zlib.inflateSync(b, { finishFlush: zlib.constants.Z_SYNC_FLUSH }),
    br: (b: Buffer) => zlib.brotliDecompressSync(b, { finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH }),
  } as const;

  for (const [coding, decodePrefix] of Object.entries(partialDecoders)) {
    it(`flushes compressed SSE per event (${coding}): each arrival decodes to more complete events`, async () => {
      const res = await rawRequest(`${sim.url}/v1/chat/completions`, {
        body: chat(),
        headers: { 'accept-encoding': coding, 'x-sim-first-chunk-ms': '30' },
      });
      expect(res.headers['content-encoding']).toBe(coding);
      const completeEvents: number[] = [];
      for (let i = 1; i <= res.chunks.length; i++) {
        const prefix = Buffer.concat(res.chunks.slice(0, i).map(c => c.bytes));
        const text = decodePrefix(prefix).toString('utf8');
        completeEvents.push(text.split('\n\n').length - 1);
      }
      // The first output event is decodable from the bytes that arrived before the later ones were even written.
      const firstOutput = completeEvents.findIndex(n => n >= 2);
      expect(firstOutput).toBeGreaterThanOrEqual(0);
      expect(res.chunks.at(-1)!.at - res.chunks[firstOutput]!.at).toBeGreaterThanOrEqual(3 * 40 * 0.75);
      expect(new Set(completeEvents).size).toBeGreaterThanOrEqual(5);
      const all = sseJson(decodePrefix(res.body).toString('utf8'));
      expect(
        all
          .flatMap(c => c.choices)
          .map((c: any) => c.delta.content ?? '')
          .join('')
          .split(' '),
      ).toHaveLength(4);
    });
  }
});
