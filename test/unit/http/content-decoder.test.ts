import { describe, it, expect } from 'vitest';
import * as fc from 'fast-check';
import * as zlib from 'node:zlib';
import {
  contentCodings,
  createContentDecoder,
  type ContentDecoder,
  type ContentDecoderOptions,
  reusesGunzipEngine,
} from '../../../src/http/content-decoder';

interface Outcome {
  output: Buffer;
  ends: number;
  errors: Error[];
  decoder: ContentDecoder;
}

const hasZstd = typeof zlib.zstdCompressSync === 'function' && typeof zlib.createZstdDecompress === 'function';

const encoders: Record<string, (data: Buffer) => Buffer> = {
  gzip: d => zlib.gzipSync(d),
  'x-gzip': d => zlib.gzipSync(d),
  deflate: d => zlib.deflateSync(d),
  br: d => zlib.brotliCompressSync(d),
  ...(hasZstd ? { zstd: (d: Buffer) => zlib.zstdCompressSync(d) } : {}),
};

/** Applies the codings of a content-encoding value in the order they are listed. */
function encode(data: Buffer, contentEncoding: string): Buffer {
  return contentEncoding
    .split(',')
    .map(c => c.trim().toLowerCase())
    .filter(c => c !== '' && c !== 'identity')
    .reduce((bytes, coding) => encoders[coding](bytes), data);
}

/** Feeds the chunks and waits for the decoder's terminal callback (or a quiet period). */
function decode(
  contentEncoding: string | undefined,
  chunks: Uint8Array[],
  options?: ContentDecoderOptions,
  quietMs = 20,
): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    const outcome = { ends: 0, errors: [] as Error[] } as Omit<Outcome, 'output' | 'decoder'>;
    let settled = false;
    const settle = (): void => {
      if (settled) return;
      settled = true;
      // Let any (wrong) late callback show up before judging.
      setTimeout(() => resolve({ ...outcome, output: Buffer.concat(parts), decoder }), quietMs);
    };
    const created = createContentDecoder(
      contentEncoding,
      {
        onData: chunk => parts.push(Buffer.from(chunk)),
        onEnd: () => {
          outcome.ends++;
          settle();
        },
        onError: err => {
          outcome.errors.push(err);
          settle();
        },
      },
      options,
    );
    if ('unsupported' in created) {
      reject(new Error(`unsupported: ${created.unsupported}`));
      return;
    }
    const decoder = created;
    for (const chunk of chunks) decoder.write(chunk);
    decoder.end();
  });
}

function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map(c => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let last = 0;
  for (const p of points) {
    parts.push(bytes.subarray(last, p));
    last = p;
  }
  parts.push(bytes.subarray(last));
  return parts;
}

const sample = Buffer.from('data: {"choices":[{"delta":{"content":"héllo 😀"}}]}\n\n'.repeat(200));

describe('contentCodings', () => {
  it('lists codings in decoding order, case- and space-insensitively, without identity', () => {
    expect(contentCodings(undefined)).toEqual([]);
    expect(contentCodings('')).toEqual([]);
    expect(contentCodings('identity')).toEqual([]);
    expect(contentCodings(' GZip ')).toEqual(['gzip']);
    expect(contentCodings('x-gzip')).toEqual(['gzip']);
    expect(contentCodings('deflate, identity, br')).toEqual(['br', 'deflate']);
  });

  it('refuses unknown codings and more than five', () => {
    expect(contentCodings('compress')).toEqual({ unsupported: 'compress' });
    expect(contentCodings('gzip, sdch')).toEqual({ unsupported: 'sdch' });
    expect(contentCodings('gzip,gzip,gzip,gzip,gzip')).toHaveLength(5);
    expect(contentCodings('gzip,gzip,gzip,gzip,gzip,gzip')).toEqual({ unsupported: 'too many content codings (6)' });
  });

  it('supports zstd exactly when this Node has a zstd decompressor', () => {
    expect(contentCodings('zstd')).toEqual(hasZstd ? ['zstd'] : { unsupported: 'zstd' });
  });
});

describe('createContentDecoder', () => {
  it('passes identity bytes through synchronously, as views', () => {
    const got: Buffer[] = [];
    let ended = false;
    const decoder = createContentDecoder(undefined, {
      onData: c => got.push(c),
      onEnd: () => (ended = true),
      onError: () => undefined,
    }) as ContentDecoder;
    const input = new Uint8Array([1, 2, 3, 4]);
    decoder.write(input.subarray(1, 3));
    expect(got).toEqual([Buffer.from([2, 3])]);
    expect(got[0].buffer).toBe(input.buffer);
    decoder.end();
    expect(ended).toBe(true);
  });

  it('returns { unsupported } instead of a decoder for unknown codings', () => {
    const sink = { onData: () => undefined, onEnd: () => undefined, onError: () => undefined };
    expect(createContentDecoder('compress', sink)).toEqual({ unsupported: 'compress' });
  });

  for (const coding of Object.keys(encoders)) {
    it(`decodes ${coding} fed one byte at a time`, async () => {
      const encoded = encode(sample, coding);
      const result = await decode(
        coding,
        [...encoded].map(b => Uint8Array.of(b)),
      );
      expect(result.errors).toEqual([]);
      expect(result.ends).toBe(1);
      expect(result.output.equals(sample)).toBe(true);
    });
  }

  it('undoes several codings in reverse order', async () => {
    const header = hasZstd ? 'gzip, br, deflate, zstd' : 'gzip, br, deflate';
    const result = await decode(header, split(encode(sample, header), [3, 50, 51]));
    expect(result.errors).toEqual([]);
    expect(result.output.equals(sample)).toBe(true);
  });

  it('accepts raw deflate (no zlib header) for "deflate", as browsers do', async () => {
    const raw = zlib.deflateRawSync(sample);
    const result = await decode('deflate', split(raw, [1, 2, 9]));
    expect(result.errors).toEqual([]);
    expect(result.output.equals(sample)).toBe(true);
  });

  it('handles an empty body for every coding', async () => {
    for (const coding of ['gzip', 'deflate', 'br', ...(hasZstd ? ['zstd'] : [])]) {
      const result = await decode(coding, []);
      expect(result, coding).toMatchObject({ ends: 1, errors: [] });
      expect(result.output.length, coding).toBe(0);
    }
  });

  it('yields the decoded prefix of a cut gzip stream and ends normally', async () => {
    const encoded = zlib.gzipSync(Buffer.from(Array.from({ length: 5000 }, (_, i) => `line ${i}\n`).join('')));
    const whole = zlib.gunzipSync(encoded);
    const result = await decode('gzip', [encoded.subarray(0, Math.floor(encoded.length * 0.6))]);
    expect(result).toMatchObject({ ends: 1, errors: [] });
    expect(result.output.length).toBeGreaterThan(whole.length / 3);
    expect(result.output.equals(whole.subarray(0, result.output.length))).toBe(true);
  });

  it('reports corrupt data once, without throwing, and then stays quiet', async () => {
    const bytes = Buffer.from('this is not compressed at all, but it is long enough');
    for (const coding of ['gzip', 'br', ...(hasZstd ? ['zstd'] : [])]) {
      const result = await decode(coding, [bytes, bytes, bytes]);
      expect(result.ends, coding).toBe(0);
      expect(result.errors, coding).toHaveLength(1);
      expect(result.errors[0], coding).toBeInstanceOf(Error);
      // Writing after the failure is a no-op.
      expect(() => result.decoder.write(bytes)).not.toThrow();
    }
  });

  it('reports a corrupt gzip body in the middle of a stream once', async () => {
    const encoded = zlib.gzipSync(sample);
    const corrupt = Buffer.from(encoded);
    corrupt.fill(0xff, 20, 40);
    const result = await decode('gzip', split(corrupt, [10, 30, 60]));
    expect(result.errors).toHaveLength(1);
    expect(result.ends).toBe(0);
  });

  it('stops a decompression bomb at maxOutputBytes and ends', async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(20 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(100 * 1024);
    const result = await decode('gzip', split(bomb, [1000, 5000]), { maxOutputBytes: 1024 * 1024 });
    expect(result).toMatchObject({ ends: 1, errors: [] });
    expect(result.output.length).toBe(1024 * 1024);
    expect(result.decoder.truncated).toBe(true);
    expect(result.decoder.outputBytes).toBe(1024 * 1024);
  });

  describe('expansion ratio', () => {
    const MiB = 1024 * 1024;
    /** 50 MiB of white space: a few KiB or less in every coding. */
    const bombText = Buffer.alloc(50 * MiB, 0x20);
    const bombs = Object.entries(encoders)
      .filter(([coding]) => coding !== 'x-gzip')
      .map(([coding, encode]) => [coding, encode(bombText)] as const);

    it.each(bombs)('cuts a %s bomb once past 1 MiB it outgrows 128 times the bytes written', async (coding, bomb) => {
      for (const options of [undefined, { syncUpTo: 32 * 1024 }]) {
        const result = await decode(coding, split(bomb, [bomb.length >> 1]), options);
        expect(result).toMatchObject({ ends: 1, errors: [] });
        expect(result.decoder.truncated).toBe(true);
        expect(result.output.length).toBe(Math.max(MiB, 128 * bomb.length));
        expect(result.output.equals(bombText.subarray(0, result.output.length))).toBe(true);
      }
    });

    it('stops before end() when the input goes on, and ignores what follows', async () => {
      const bomb = zlib.brotliCompressSync(bombText);
      const outcome = { ends: 0, bytes: 0 };
      const decoder = createContentDecoder('br', {
        onData: chunk => void (outcome.bytes += chunk.length),
        onEnd: () => void outcome.ends++,
        onError: () => expect.fail('no error expected'),
      }) as ContentDecoder;
      decoder.write(bomb);
      // Decoding runs on zlib's thread pool: wait for the stop, however loaded the machine is.
      for (let i = 0; i < 500 && outcome.ends === 0; i++) await new Promise(r => setTimeout(r, 10));
      expect(outcome).toEqual({ ends: 1, bytes: MiB });
      decoder.write(bomb);
      decoder.end();
      await new Promise(r => setTimeout(r, 20));
      expect(outcome).toEqual({ ends: 1, bytes: MiB });
    });

    it('decodes a large answer that compresses like text whole, far past 1 MiB', async () => {
      // 2.7 MiB of one-word chunks drawn from 15 words: 35 to 54 times smaller compressed.
      const words = [
        'the',
        'of',
        'model',
        'relay',
        'token',
        'stream',
        'answer',
        'a',
        'is',
        'to',
        'and',
        'in',
        'that',
        'it',
        'for',
      ];
      let seed = 1;
      const nextWord = () => words[(seed = (seed * 1103515245 + 12345) & 0x7fffffff) % words.length];
      const chunks = Array.from(
        { length: 40_000 },
        () => `data: {"id":"c","choices":[{"index":0,"delta":{"content":" ${nextWord()}"}}]}\n\n`,
      ).join('');
      const body = Buffer.from(chunks);
      const quick: Record<string, (data: Buffer) => Buffer> = {
        ...encoders,
        // Quality 11 (the default) takes seconds on 2.7 MiB and compresses this no better.
        br: d => zlib.brotliCompressSync(d, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } }),
      };
      for (const [coding, encode] of Object.entries(quick)) {
        const result = await decode(coding, [encode(body)]);
        expect(result.decoder.truncated).toBe(false);
        expect(result.output.equals(body)).toBe(true);
      }
    });

    it('is measured against the encoded bytes of every coding applied', async () => {
      const twice = zlib.gzipSync(zlib.gzipSync(bombText));
      const result = await decode('gzip, gzip', [twice], { maxExpansionRatio: 1000 });
      expect(result.decoder.truncated).toBe(true);
      expect(result.output.length).toBe(Math.max(MiB, 1000 * twice.length));
    });
  });

  it('applies maxOutputBytes to identity too, and not when the body fits exactly', async () => {
    const cut = await decode(undefined, [Buffer.alloc(10), Buffer.alloc(10)], { maxOutputBytes: 15 });
    expect(cut.output.length).toBe(15);
    expect(cut.decoder.truncated).toBe(true);
    const exact = await decode(undefined, [Buffer.alloc(10), Buffer.alloc(5)], { maxOutputBytes: 15 });
    expect(exact.output.length).toBe(15);
    expect(exact.decoder.truncated).toBe(false);
  });

  it('calls nothing after destroy()', async () => {
    const calls: string[] = [];
    const decoder = createContentDecoder('gzip', {
      onData: () => calls.push('data'),
      onEnd: () => calls.push('end'),
      onError: () => calls.push('error'),
    }) as ContentDecoder;
    decoder.write(zlib.gzipSync(sample));
    decoder.destroy();
    decoder.write(Buffer.from('garbage'));
    decoder.end();
    await new Promise(r => setTimeout(r, 50));
    expect(calls).toEqual([]);
  });

  it('turns an exception thrown by the sink into one onError, never an uncaught exception', async () => {
    const errors: Error[] = [];
    let ends = 0;
    const decoder = createContentDecoder('gzip', {
      onData: () => {
        throw new Error('sink bug');
      },
      onEnd: () => ends++,
      onError: err => errors.push(err),
    }) as ContentDecoder;
    decoder.write(zlib.gzipSync(sample));
    decoder.end();
    await new Promise(r => setTimeout(r, 50));
    expect(errors.map(e => e.message)).toEqual(['sink bug']);
    expect(ends).toBe(0);
  });

  it("never reads the caller's buffer after write() returns", async () => {
    const encoded = zlib.gzipSync(sample);
    const chunk = Buffer.from(encoded);
    const pending = decode('gzip', [chunk]);
    chunk.fill(0); // the app may reuse its buffer as soon as it has it back
    const result = await pending;
    expect(result.output.equals(sample)).toBe(true);
  });

  describe('properties', () => {
    const codings = Object.keys(encoders);

    it('round-trips random bytes split at arbitrary points', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ maxLength: 2000 }),
          fc.constantFrom(...codings),
          fc.array(fc.nat(), { maxLength: 6 }),
          async (data, coding, cuts) => {
            const input = Buffer.from(data);
            const result = await decode(coding, split(encode(input, coding), cuts), undefined, 1);
            expect(result.errors).toEqual([]);
            expect(result.ends).toBe(1);
            expect(result.output.equals(input)).toBe(true);
          },
        ),
        { numRuns: 60 },
      );
    });

    it('on corrupted input gives at most one terminal callback and never throws', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ minLength: 1, maxLength: 300 }),
          fc.constantFrom(...codings),
          fc.nat(),
          fc.integer({ min: 0, max: 255 }),
          async (data, coding, at, byte) => {
            const encoded = Buffer.from(encode(Buffer.from(data), coding));
            encoded[at % encoded.length] ^= byte || 1;
            const result = await decode(coding, split(encoded, [at, at + 7]), undefined, 1);
            expect(result.ends + result.errors.length).toBe(1);
          },
        ),
        { numRuns: 60 },
      );
    });
  });
});

describe('createContentDecoder with syncUpTo (small bodies decoded in one call at the end)', () => {
  const codings = Object.keys(encoders);
  const text = Buffer.from('{"id":"chatcmpl-1","choices":[{"message":{"content":"héllo ✓"}}]}'.repeat(40));

  it('outputs nothing before end(), then the whole body and one end, synchronously', () => {
    const parts: Buffer[] = [];
    let ends = 0;
    const decoder = createContentDecoder(
      'gzip',
      {
        onData: chunk => parts.push(Buffer.from(chunk)),
        onEnd: () => ends++,
        onError: err => {
          throw err;
        },
      },
      { syncUpTo: 64 * 1024 },
    ) as ContentDecoder;
    for (const chunk of split(zlib.gzipSync(text), [5, 100, 101])) decoder.write(chunk);
    expect(parts).toEqual([]);
    decoder.end();
    expect(Buffer.concat(parts).equals(text)).toBe(true);
    expect(ends).toBe(1);
  });

  it('switches to streaming once the encoded body outgrows syncUpTo, output unchanged', async () => {
    const big = Buffer.from(Array.from({ length: 20_000 }, (_, i) => `${i * 7919}`).join(','));
    const encoded = zlib.gzipSync(big);
    expect(encoded.length).toBeGreaterThan(1000);
    const result = await decode('gzip', split(encoded, [300, 900, 1500]), { syncUpTo: 1000 });
    expect(result.errors).toEqual([]);
    expect(result.ends).toBe(1);
    expect(result.output.equals(big)).toBe(true);
  });

  it('still cuts a decompression bomb at maxOutputBytes and ends', async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(8 * 1024 * 1024));
    const result = await decode('gzip', [bomb], { syncUpTo: 64 * 1024, maxOutputBytes: 1024 * 1024 });
    expect(result.errors).toEqual([]);
    expect(result.ends).toBe(1);
    expect(result.output.length).toBe(1024 * 1024);
    expect(result.decoder.truncated).toBe(true);
  });

  it('reports corrupt data once through onError', async () => {
    const corrupt = Buffer.from(zlib.gzipSync(text));
    corrupt[20] ^= 0xff;
    const result = await decode('gzip', [corrupt], { syncUpTo: 64 * 1024 });
    expect(result.ends + result.errors.length).toBe(1);
  });

  it('gives exactly what streaming gives, whole or cut anywhere, for every coding', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 3000 }),
        fc.constantFrom(...codings, 'gzip, br', 'deflate'),
        fc.array(fc.nat(), { maxLength: 4 }),
        fc.option(fc.nat(), { nil: undefined }),
        async (data, coding, cuts, cutAt) => {
          let encoded = encode(Buffer.from(data), coding);
          // A body cut short (connection lost): both modes must yield the same prefix.
          if (cutAt !== undefined) encoded = encoded.subarray(0, cutAt % (encoded.length + 1));
          const streamed = await decode(coding, split(encoded, cuts), undefined, 1);
          const synced = await decode(coding, split(encoded, cuts), { syncUpTo: 64 * 1024 }, 1);
          expect(synced.output.equals(streamed.output)).toBe(true);
          expect(synced.ends).toBe(streamed.ends);
          expect(synced.errors.length).toBe(streamed.errors.length);
        },
      ),
      { numRuns: 120 },
    );
  });
});

describe('createContentDecoder with syncUpTo: gzip bodies one after another (one gunzip engine reused)', () => {
  const variants = ['whole', 'cut', 'corrupt', 'two members', 'trailing bytes', 'not gzip'] as const;

  function gzipBody(data: Buffer, variant: (typeof variants)[number], at: number): Buffer {
    const whole = zlib.gzipSync(data);
    switch (variant) {
      case 'whole':
        return whole;
      case 'cut':
        return whole.subarray(0, at % (whole.length + 1));
      case 'corrupt': {
        const corrupt = Buffer.from(whole);
        corrupt[at % corrupt.length] ^= 0x5a;
        return corrupt;
      }
      case 'two members':
        return Buffer.concat([whole, zlib.gzipSync(data.subarray(0, at % (data.length + 1)))]);
      case 'trailing bytes':
        return Buffer.concat([whole, Buffer.from([0, 0, 0x41, 0x42].slice(at % 4))]);
      case 'not gzip':
        return zlib.deflateSync(data);
    }
  }

  it('decodes each body as streaming decodes it, whatever the bodies before it were', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            data: fc.uint8Array({ maxLength: 2000 }),
            // Repeated: outputs past the engine's 16 KiB buffer, in several pieces.
            repeat: fc.constantFrom(1, 1, 40),
            variant: fc.constantFrom(...variants),
            at: fc.nat(),
          }),
          { minLength: 1, maxLength: 5 },
        ),
        async bodies => {
          for (const { data, repeat, variant, at } of bodies) {
            const encoded = gzipBody(
              Buffer.concat(Array.from({ length: repeat }, () => Buffer.from(data))),
              variant,
              at,
            );
            const streamed = await decode('gzip', [encoded], undefined, 1);
            const synced = await decode('gzip', [encoded], { syncUpTo: 64 * 1024 }, 1);
            expect(synced.output.equals(streamed.output)).toBe(true);
            expect(synced.ends).toBe(streamed.ends);
            expect(synced.errors.length).toBe(streamed.errors.length);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('after a corrupt body, decodes the next one whole', async () => {
    const text = Buffer.from('{"usage":{"total_tokens":12}}'.repeat(30));
    const corrupt = Buffer.from(zlib.gzipSync(text));
    corrupt[15] ^= 0xff;
    expect((await decode('gzip', [corrupt], { syncUpTo: 64 * 1024 })).errors).toHaveLength(1);
    const next = await decode('gzip', [zlib.gzipSync(text)], { syncUpTo: 64 * 1024 });
    expect(next.errors).toEqual([]);
    expect(next.output.equals(text)).toBe(true);
  });
});

describe('the reused Gunzip engine', () => {
  it('is what small gzip bodies go through on the Node running the tests (not the gunzipSync fallback)', async () => {
    const body = Buffer.from(
      JSON.stringify({ model: 'gpt-4.1', choices: [{ message: { content: 'Hi'.repeat(500) } }] }),
    );
    for (let i = 0; i < 3; i++) {
      const { output, errors } = await decode('gzip', [zlib.gzipSync(body)], { syncUpTo: 32 * 1024 });
      expect(errors).toEqual([]);
      expect(output.equals(body)).toBe(true);
    }
    // A Node whose Gunzip lost the internals the engine drives (_handle.writeSync, _writeState,
    // reset) would still decode, through gunzipSync, slower: CI on every supported Node says so.
    expect(reusesGunzipEngine()).toBe(true);
  });
});
