import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ResponseBodyReader } from '../../../src/hook/response-body-reader';
import type { BodyReadResult, BodyReaderOptions } from '../../../src/hook/response-body-reader';

interface BodyEvent {
  event?: string;
  data: string;
  item?: unknown;
  arrivedAt: number;
}

function reader(kind: 'sniff' | 'json', options: BodyReaderOptions) {
  const events: BodyEvent[] = [];
  let done: BodyReadResult | undefined;
  const body = new ResponseBodyReader(kind, options, {
    onEvent: (event, data, item, arrivedAt) =>
      events.push({
        ...(event === undefined ? {} : { event }),
        data,
        ...(item === undefined ? {} : { item }),
        arrivedAt,
      }),
    onDone: result => (done = result),
    onInternalError: error => {
      throw error;
    },
  });
  return { body, events, done: () => done };
}

const until = async (check: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise(resolve => setTimeout(resolve, 5));
};

describe('ResponseBodyReader content decoding', () => {
  const json = { id: 'chatcmpl-1', model: 'gpt-4.1-mini', usage: { prompt_tokens: 3, completion_tokens: 5 } };

  it('decodes a small compressed answer to an unstreamed call in one go when it ends (decodeAtEndUpTo)', () => {
    const gz = zlib.gzipSync(JSON.stringify(json));
    const { body, done } = reader('sniff', { contentEncoding: 'gzip', decodeAtEndUpTo: 32 * 1024 });
    body.write(gz.subarray(0, 10), 1);
    body.write(gz.subarray(10), 2);
    body.end();
    // Synchronous: no zlib stream, no later tick.
    expect(done()?.json).toEqual({ ok: true, value: json });
  });

  it('keeps each event of a compressed stream at the time its bytes arrived (no decodeAtEndUpTo)', async () => {
    const frames = ['data: {"n":1}\n\n', 'data: {"n":2}\n\n', 'data: [DONE]\n\n'];
    const gzip = zlib.createGzip();
    const { body, events, done } = reader('sniff', { contentEncoding: 'gzip' });
    let at = 100;
    gzip.on('data', (chunk: Buffer) => body.write(chunk, at));
    for (const frame of frames) {
      gzip.write(frame);
      await new Promise<void>(resolve => gzip.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve()));
      await until(() => events.length >= frames.indexOf(frame) + 1);
      at += 100;
    }
    await new Promise<void>(resolve => gzip.end(() => resolve()));
    body.end();
    await until(() => done() !== undefined);
    expect(events.map(e => [e.data, e.arrivedAt])).toEqual([
      ['{"n":1}', 100],
      ['{"n":2}', 200],
      ['[DONE]', 300],
    ]);
  });

  it('switches to streaming when the held compressed bytes outgrow decodeAtEndUpTo', async () => {
    const big = {
      data: Array.from({ length: 4000 }, (_, i) => ({ index: i, text: `item ${i * 7919}` })),
      usage: { prompt_tokens: 9 },
    };
    const gz = zlib.gzipSync(JSON.stringify(big));
    expect(gz.length).toBeGreaterThan(1024);
    const { body, done } = reader('json', { contentEncoding: 'gzip', decodeAtEndUpTo: 1024 });
    for (let i = 0; i < gz.length; i += 700) body.write(gz.subarray(i, i + 700), i);
    body.end();
    await until(() => done() !== undefined);
    const result = done()!;
    expect(result.json?.ok).toBe(true);
    expect((result.json as { value: { usage: unknown } }).value.usage).toEqual({ prompt_tokens: 9 });
  });

  describe('a decompression bomb', () => {
    const MiB = 1024 * 1024;
    const events2 = 'data: {"n":1}\n\ndata: {"n":2}\n\n';

    it("is read up to the decoder's limit, and onDone waits for the end of the body", async () => {
      // Two events, then 50 MiB of one endless line: a few KiB of brotli.
      const bomb = zlib.brotliCompressSync(Buffer.concat([Buffer.from(events2), Buffer.alloc(50 * MiB, 0x61)]));
      const { body, events, done } = reader('sniff', { contentEncoding: 'br' });
      body.write(bomb.subarray(0, 100), 1);
      body.write(bomb.subarray(100), 2);
      await new Promise(resolve => setTimeout(resolve, 100));
      expect(events.map(e => e.data)).toEqual(['{"n":1}', '{"n":2}']);
      expect(done()).toBeUndefined(); // the body has not ended: neither has the call
      body.end();
      await until(() => done() !== undefined);
      expect(done()).toMatchObject({ decodeLimitReached: true, droppedEvents: 0 });
      expect(done()!.decodedBytes).toBe(MiB);
    });

    it('after a complete JSON answer still gives that answer (decoded at the end)', () => {
      const bomb = zlib.gzipSync(Buffer.concat([Buffer.from(JSON.stringify(json)), Buffer.alloc(20 * MiB, 0x20)]));
      const { body, done } = reader('sniff', { contentEncoding: 'gzip', decodeAtEndUpTo: 32 * 1024 });
      body.write(bomb, 1);
      body.end();
      return until(() => done() !== undefined).then(() => {
        expect(done()).toMatchObject({ json: { ok: true, value: json }, decodeLimitReached: true });
        expect(done()!.decodedBytes).toBeLessThanOrEqual(Math.max(MiB, 128 * bomb.length));
      });
    });

    it('inside a JSON answer leaves it unreadable, not half-read as whole', async () => {
      const head = '{"id":"chatcmpl-1","choices":[{"message":{"content":"';
      const bomb = zlib.brotliCompressSync(
        Buffer.concat([Buffer.from(head), Buffer.alloc(50 * MiB, 0x61), Buffer.from('"}}]}')]),
      );
      const { body, done } = reader('sniff', { contentEncoding: 'br', decodeAtEndUpTo: 32 * 1024 });
      body.write(bomb, 1);
      body.end();
      await until(() => done() !== undefined);
      expect(done()).toMatchObject({ json: { ok: false }, decodeLimitReached: true, decodedBytes: MiB });
    });
  });
});
