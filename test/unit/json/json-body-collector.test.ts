import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BoundedJsonParser } from '../../../src/json/bounded-json-parser';
import { JsonBodyCollector, NATIVE_PARSE_MAX_LENGTH } from '../../../src/json/json-body-collector';

function collect(pieces: string[]) {
  const collector = new JsonBodyCollector();
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
      { numRuns: 100 }
    );
  });

  it('reports bad and empty bodies without throwing', () => {
    expect(collect(['{"model":', '"gpt'])).toMatchObject({ ok: false });
    expect(collect(['<html>oops</html>'])).toMatchObject({ ok: false });
    expect(collect([])).toMatchObject({ ok: false, error: 'empty' });
  });

  it('switches to the bounded parser past the fast-path size, keeping what matters', () => {
    const vectors = Array.from({ length: 400 }, () => Array.from({ length: 64 }, (_, i) => i / 7));
    const body = JSON.stringify({ object: 'list', data: vectors.map(embedding => ({ embedding })), model: 'text-embedding-3-small', usage: { prompt_tokens: 42 } });
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
});
