import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BoundedJsonParser } from '../../../src/json/bounded-json-parser';
import { JsonBodyCollector, NATIVE_PARSE_MAX_LENGTH } from '../../../src/json/json-body-collector';

function collect(pieces: string[], skipKeys?: ReadonlySet<string>) {
  const collector = new JsonBodyCollector({ skipKeys });
  for (const piece of pieces) collector.push(piece);
  return collector.end();
}

describe('JsonBodyCollector', () => {
  it('parses a small body in any pieces like JSON.parse', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 1, max: 7 }), (value, size) => {
        const text = JSON.stringify(value);
        const pieces = text.match(new RegExp(`[\\s\\S]{1,${size}}`, 'g')) ?? [''];
        const result = collect(pieces);
        expect(result.ok).toBe(true);
        if (result.ok) expect(result.value).toEqual(JSON.parse(text));
      }),
      { numRuns: 100 },
    );
  });

  it('reports bad and empty bodies without throwing', () => {
    expect(collect(['{"model":', '"gpt'])).toMatchObject({ ok: false });
    expect(collect(['<html>oops</html>'])).toMatchObject({ ok: false });
    expect(collect([])).toMatchObject({ ok: false, error: 'empty' });
  });

  it('switches to the bounded parser past the fast-path size, keeping what matters', () => {
    const vectors = Array.from({ length: 400 }, () => Array.from({ length: 64 }, (_, i) => i / 7));
    const body = JSON.stringify({
      object: 'list',
      data: vectors.map(embedding => ({ embedding })),
      model: 'text-embedding-3-small',
      usage: { prompt_tokens: 42 },
    });
    expect(body.length).toBeGreaterThan(NATIVE_PARSE_MAX_LENGTH);
    const pieces = body.match(/[\s\S]{1,4096}/g)!;
    const result = collect(pieces);
    expect(result.ok).toBe(true);
    const value = (result as { value: { model: string; usage: { prompt_tokens: number }; data: unknown[] } }).value;
    expect(value.model).toBe('text-embedding-3-small');
    expect(value.usage.prompt_tokens).toBe(42);
    // Same result as the bounded parser alone: pruned, not the whole body.
    const direct = new BoundedJsonParser();
    direct.push(body);
    expect(result).toEqual(direct.end());
  });

  it('passes skipKeys to the bounded parser; small bodies, parsed natively, keep those members', () => {
    const skipKeys = new Set(['embedding']);
    const item = (index: number) => ({
      object: 'embedding',
      index,
      embedding: Array.from({ length: 64 }, (_, i) => i / 7),
    });
    const large = {
      object: 'list',
      data: Array.from({ length: 40 }, (_, i) => item(i)),
      model: 'text-embedding-3-small',
      usage: { prompt_tokens: 42 },
    };
    const text = JSON.stringify(large);
    expect(text.length).toBeGreaterThan(NATIVE_PARSE_MAX_LENGTH);
    const result = collect(text.match(/[\s\S]{1,4096}/g)!, skipKeys);
    expect(result).toEqual({
      ok: true,
      value: { ...large, data: large.data.map(({ object, index }) => ({ object, index })) },
      pruned: false,
    });

    const small = { ...large, data: [item(0)] };
    expect(JSON.stringify(small).length).toBeLessThanOrEqual(NATIVE_PARSE_MAX_LENGTH);
    expect(collect([JSON.stringify(small)], skipKeys)).toEqual({ ok: true, value: small, pruned: false });
    // Unless the native parser rejects the body: the bounded parser then says why, skipping as ever.
    expect(collect(['{"embedding":[1,2],"model":"m"'], skipKeys)).toMatchObject({ ok: false, value: { model: 'm' } });
  });

  describe('cost', () => {
    /** CPU milliseconds to collect `text` pushed in pieces of `pieceLength`, and the result. */
    function timed(text: string, pieceLength: number, skipKeys?: ReadonlySet<string>) {
      const collector = new JsonBodyCollector({ skipKeys });
      const started = process.cpuUsage();
      for (let at = 0; at < text.length; at += pieceLength) collector.push(text.slice(at, at + pieceLength));
      const result = collector.end();
      const used = process.cpuUsage(started);
      return { ms: (used.user + used.system) / 1000, result };
    }

    // A hostile relay drips huge strings 1 KB at a time: a kept string (cut at the string limit), a
    // skipped member, a long key and a long number must all cost time linear in the bytes.
    const huge = 'q'.repeat(4_000_000);
    it.each([
      ['a kept string', `{"choices":[{"message":{"content":"${huge}"}}],"usage":{"total_tokens":3}}`, undefined],
      ['a skipped member', `{"data":"${huge}","usage":{"total_tokens":3}}`, new Set(['data'])],
      ['a long key', `{"${huge}":1,"usage":{"total_tokens":3}}`, undefined],
      ['a long number', `{"n":${'7'.repeat(4_000_000)},"usage":{"total_tokens":3}}`, undefined],
    ])('is linear in the bytes when %s arrives in small pieces', (_name, text, skipKeys) => {
      timed(text, 64 * 1024, skipKeys); // warm-up
      const large = timed(text, 64 * 1024, skipKeys);
      const small = timed(text, 1000, skipKeys);
      expect(small.result).toEqual(large.result);
      expect(small.ms).toBeLessThan(10 * large.ms + 100);
    });
  });
});
