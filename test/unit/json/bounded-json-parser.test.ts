import { describe, it, expect } from 'vitest';
import * as fc from 'fast-check';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  BoundedJsonParser,
  JSON_FAST_PATH_MAX_LENGTH,
  parseJsonBounded,
  type BoundedJsonParserOptions,
  type BoundedJsonResult,
} from '../../../src/json/bounded-json-parser';
import { FIXTURES_DIR as FIXTURES } from '../../support/llm-wire-fixtures';

function parseChunks(chunks: string[], options?: BoundedJsonParserOptions): BoundedJsonResult {
  const parser = new BoundedJsonParser(options);
  for (const chunk of chunks) parser.push(chunk);
  return parser.end();
}

/** The same chunks fed as bytes through pushAscii (the text must be ASCII). */
function parseAsciiChunks(chunks: string[], options?: BoundedJsonParserOptions): BoundedJsonResult {
  const parser = new BoundedJsonParser(options);
  for (const chunk of chunks) parser.pushAscii(Buffer.from(chunk, 'latin1'));
  return parser.end();
}

/** `text` with every non-ASCII character written as a \u escape (the same JSON value, ASCII only). */
const asciiOnly = (text: string): string =>
  text.replace(/[\u0080-\uffff]/g, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

const parseOne = (text: string, options?: BoundedJsonParserOptions): BoundedJsonResult => parseChunks([text], options);

function splitAt(text: string, cuts: number[]): string[] {
  const points = [...new Set(cuts.map(c => c % (text.length + 1)))].sort((a, b) => a - b);
  const parts: string[] = [];
  let last = 0;
  for (const p of points) {
    parts.push(text.slice(last, p));
    last = p;
  }
  parts.push(text.slice(last));
  return parts;
}

/** Rough heap size: V8 keeps ASCII strings at a byte per character and numbers in 8 bytes. */
function approximateSize(value: unknown): number {
  if (typeof value === 'string') return value.length + 16;
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + approximateSize(item), 16);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).reduce((sum, [k, v]) => sum + k.length + 16 + approximateSize(v), 16);
  }
  return 8;
}

/** `value` without the object members named in `keys`, at any depth (what skipKeys should keep). */
function withoutMembers(value: unknown, keys: ReadonlySet<string>): unknown {
  if (Array.isArray(value)) return value.map(item => withoutMembers(item, keys));
  if (value === null || typeof value !== 'object') return value;
  const kept: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) {
    if (keys.has(key)) continue;
    Object.defineProperty(kept, key, {
      value: withoutMembers(member, keys),
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }
  return kept;
}

/** Every object member key in `value`, at any depth. */
function keysIn(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) keysIn(item, into);
  else if (value !== null && typeof value === 'object') {
    for (const [key, member] of Object.entries(value)) {
      into.add(key);
      keysIn(member, into);
    }
  }
  return into;
}

/** Every way to cut `text` in two. */
function everySplit(text: string): string[][] {
  return Array.from({ length: text.length + 1 }, (_, cut) => [text.slice(0, cut), text.slice(cut)]);
}

function jsonParses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe('BoundedJsonParser', () => {
  it('parses a chat completion split into one-character chunks', () => {
    const body = {
      id: 'chatcmpl-1',
      model: 'gpt-4.1',
      choices: [
        { index: 0, message: { role: 'assistant', content: 'Hi \u00e9\ud83d\ude00 "q" \\ \n' }, finish_reason: 'stop' },
      ],
      usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15, cost: 1.5e-5 },
      flags: [true, false, null, -0.25, 0, 1e3],
    };
    const text = JSON.stringify(body, null, 2);
    expect(parseChunks([...text])).toEqual({ ok: true, value: body, pruned: false });
  });

  it('decodes every escape, including \\uXXXX surrogate pairs split anywhere', () => {
    const text = '"\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00\\u20AC\\ud800x"';
    const expected = JSON.parse(text) as string;
    for (let cut = 0; cut <= text.length; cut++) {
      expect(parseChunks([text.slice(0, cut), text.slice(cut)])).toEqual({ ok: true, value: expected, pruned: false });
    }
  });

  it('parses numbers and literals split at any point', () => {
    const text = '[-0,0.5,-12.75e-3,4E+2,123456789012,true,false,null]';
    const expected = JSON.parse(text) as unknown;
    for (let cut = 0; cut <= text.length; cut++) {
      expect(parseChunks([text.slice(0, cut), text.slice(cut)]).value).toEqual(expected);
    }
  });

  it('parses a top-level number that ends with the input', () => {
    expect(parseChunks(['4', '2'])).toEqual({ ok: true, value: 42, pruned: false });
    expect(parseOne(' -1.5e2 ')).toEqual({ ok: true, value: -150, pruned: false });
  });

  it('accepts a top-level array (Gemini non-SSE streamGenerateContent)', () => {
    const text = '[{"candidates":[{"content":{"parts":[{"text":"a"}]}}]},\r\n{"usageMetadata":{"promptTokenCount":3}}]';
    expect(parseOne(text)).toEqual({ ok: true, value: JSON.parse(text), pruned: false });
  });

  it('keeps "__proto__" as an own key, like JSON.parse', () => {
    const result = parseOne('{"__proto__":{"polluted":true},"a":1}');
    expect(result.ok).toBe(true);
    const value = result.value as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__', 'a']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('reports empty and whitespace-only input as "empty"', () => {
    expect(parseChunks([])).toEqual({ ok: false, error: 'empty', pruned: false });
    expect(parseChunks([' \n', '\t\r '])).toEqual({ ok: false, error: 'empty', pruned: false });
  });

  it('rejects what JSON.parse rejects, without throwing', () => {
    const bad = [
      '{',
      '[1,]',
      '{"a":1,}',
      '{a:1}',
      "{'a':1}",
      '01',
      '1.',
      '.5',
      '-',
      '+1',
      '1e',
      '1e+',
      'tru',
      'nul',
      'truex',
      '"abc',
      '"\\x"',
      '"\\u12G4"',
      '"a\nb"',
      '[1 2]',
      '{"a" 1}',
      '{"a":1 "b":2}',
      '1 2',
      'NaN',
      'Infinity',
      '\uFEFF{}',
      '{}x',
      '[]]',
      '}',
      ']',
      ',',
      ':',
      '{"a":}',
      '[,1]',
      '"\t"',
      '//c\n1',
      '0x10',
    ];
    for (const text of bad) {
      expect(jsonParses(text), text).toBe(false);
      const result = parseOne(text);
      expect(result.ok, text).toBe(false);
      expect(typeof (result as { error: string }).error, text).toBe('string');
    }
  });

  it('gives the part built so far when the input is cut or wrong', () => {
    const result = parseOne('{"id":"chatcmpl-9","model":"gpt-4o","choices":[{"delta":{"content":"He');
    expect(result).toMatchObject({
      ok: false,
      error: 'unexpected end of JSON input',
      value: { id: 'chatcmpl-9', model: 'gpt-4o', choices: [{ delta: {} }] },
    });
    const wrong = parseOne('{"id":"x","n":[1,2,}');
    expect(wrong.ok).toBe(false);
    expect(wrong.value).toEqual({ id: 'x', n: [1, 2] });
    expect((wrong as { error: string }).error).toMatch(/position 19/);
  });

  it('stops at the first error and keeps reporting it', () => {
    const parser = new BoundedJsonParser();
    parser.push('{"a":1,]');
    const first = parser.error;
    parser.push('"b":2}');
    expect(parser.error).toBe(first);
    const result = parser.end();
    expect(result).toMatchObject({ ok: false, error: first, value: { a: 1 } });
    expect(parser.end()).toBe(result);
  });

  describe('limits', () => {
    it('cuts long strings (values and keys) and says so', () => {
      const result = parseOne(JSON.stringify({ content: 'x'.repeat(100), ['k'.repeat(20)]: 1 }), {
        maxStringLength: 10,
      });
      expect(result).toEqual({ ok: true, value: { content: 'x'.repeat(10), ['k'.repeat(10)]: 1 }, pruned: true });
    });

    it('does not leave half a surrogate pair where a string is cut', () => {
      const result = parseOne(JSON.stringify('ab\ud83d\ude00cd'), { maxStringLength: 3 });
      expect(result.value).toBe('ab');
    });

    it('keeps the first maxArrayItems items and still parses the rest', () => {
      const result = parseOne(JSON.stringify({ data: [1, 2, 3, 4, 5], after: 'kept' }), { maxArrayItems: 2 });
      expect(result).toEqual({ ok: true, value: { data: [1, 2], after: 'kept' }, pruned: true });
      // Discarded items are still checked.
      expect(parseOne('{"data":[1,2,3,4,x]}', { maxArrayItems: 2 }).ok).toBe(false);
    });

    it('keeps the first maxKeys members of an object', () => {
      const result = parseOne('{"a":1,"b":{"c":2},"d":3,"e":4}', { maxKeys: 2 });
      expect(result).toEqual({ ok: true, value: { a: 1, b: { c: 2 } }, pruned: true });
    });

    it('skips values deeper than maxDepth', () => {
      const result = parseOne('{"a":{"b":{"c":1}},"d":2,"e":[[1],2]}', { maxDepth: 3 });
      expect(result).toEqual({ ok: true, value: { a: { b: {} }, d: 2, e: [[], 2] }, pruned: true });
    });

    it('errors instead of recursing on absurd nesting', () => {
      const result = parseOne('['.repeat(20_000));
      expect(result.ok).toBe(false);
      expect((result as { error: string }).error).toMatch(/nesting/);
    });

    it('keeps the usage of a response whose texts fill the budget', () => {
      const body = {
        choices: Array.from({ length: 40 }, (_, index) => ({ index, message: { content: 'w'.repeat(4000) } })),
        usage: { prompt_tokens: 10, completion_tokens: 160000 },
      };
      const result = parseOne(JSON.stringify(body));
      expect(result.ok).toBe(true);
      expect(result.pruned).toBe(true);
      expect((result.value as typeof body).usage).toEqual(body.usage);
      expect(approximateSize(result.value)).toBeLessThan(64 * 1024);
    });

    it('bounds what is kept for adversarial shapes', () => {
      // Per-value limits alone would keep 3 x 3 x 64 strings of 4096 characters (2.4 M).
      const leaf = `"${'s'.repeat(4100)}"`;
      const level2 = `[${Array(70).fill(leaf).join(',')}]`;
      const level1 = `[${Array(3).fill(level2).join(',')}]`;
      const result = parseChunks(['[', level1, ',', level1, ',', level1, ']']);
      expect(result.ok).toBe(true);
      expect(result.pruned).toBe(true);
      expect(approximateSize(result.value)).toBeLessThan(64 * 1024);
    });
  });

  describe('skipKeys', () => {
    const skipEmbedding = { skipKeys: new Set(['embedding']) };

    it('drops the named members at any depth and keeps the rest as JSON.parse gives it', () => {
      const body = {
        object: 'list',
        data: [
          { object: 'embedding', index: 0, embedding: [0.1, -2e-3, 3] },
          { object: 'embedding', index: 1, embedding: 'AAAAPwAAgD8=' },
          { object: 'embedding', index: 2, embedding: null, nested: { embedding: { a: [1, { b: '}' }] }, kept: true } },
        ],
        model: 'text-embedding-3-small',
        usage: { prompt_tokens: 8, total_tokens: 8 },
      };
      const text = JSON.stringify(body, null, 2);
      const expected = withoutMembers(body, skipEmbedding.skipKeys);
      expect(parseOne(text, skipEmbedding)).toEqual({ ok: true, value: expected, pruned: false });
      expect((expected as { data: Array<Record<string, unknown>> }).data[2]).toEqual({
        object: 'embedding',
        index: 2,
        nested: { kept: true },
      });
    });

    it('passes over brackets, quotes and escapes inside skipped strings, split anywhere', () => {
      const text = String.raw`{"a":1,"embedding":[{"k]":"[{\"}\\","\u005d":["\uD83D\uDE00 \n \/ ]]"]},-1.5e3,true,null,[]],"z":"end"}`;
      expect(JSON.parse(text)).toBeTruthy();
      const expected = { ok: true, value: { a: 1, z: 'end' }, pruned: false };
      for (const chunks of everySplit(text)) expect(parseChunks(chunks, skipEmbedding), chunks[0]).toEqual(expected);
      expect(parseChunks([...text], skipEmbedding)).toEqual(expected);
    });

    it('matches the whole decoded key, whatever maxStringLength', () => {
      const text = '{"embeddingX":1,"embeddin\\u0067":[1],"embedding":{"x":1},"e":2}';
      expect(parseOne(text, skipEmbedding).value).toEqual({ embeddingX: 1, e: 2 });
      expect(parseOne(text, { ...skipEmbedding, maxStringLength: 3 })).toEqual({
        ok: true,
        value: { emb: 1, e: 2 },
        pruned: true,
      });
    });

    it('does not count skipped members against maxKeys or the budget', () => {
      const text = `{"embedding":[1,2],"a":1,"embedding2":3,"b":{"embedding":"${'x'.repeat(500)}"},"c":3,"embedding":{}}`;
      const options = { skipKeys: new Set(['embedding', 'embedding2']), maxKeys: 3, maxTotalSize: 150 };
      expect(parseOne(text, options)).toEqual({ ok: true, value: { a: 1, b: {}, c: 3 }, pruned: false });
    });

    it('skips members inside containers that are dropped anyway (past maxArrayItems)', () => {
      // `[1,,2]` is only accepted where it is skipped: item 3 is past the limit, yet still skipped.
      const text = '[{"embedding":[0]},{"embedding":[0]},{"embedding":[1,,2],"i":3}]';
      expect(parseOne(text, skipEmbedding).ok).toBe(true);
      expect(parseOne(text, { ...skipEmbedding, maxArrayItems: 1 })).toEqual({ ok: true, value: [{}], pruned: true });
      expect(parseOne(text).ok).toBe(false);
    });

    it('applies to the items handed to onRootArrayItem', () => {
      const items: unknown[] = [];
      const text = JSON.stringify([
        { embedding: [1, 2], usage: 1 },
        { embedding: { values: [3] }, usage: 2 },
      ]);
      const result = parseOne(text, { ...skipEmbedding, onRootArrayItem: item => items.push(item) });
      expect(result).toEqual({ ok: true, value: [], pruned: false });
      expect(items).toEqual([{ usage: 1 }, { usage: 2 }]);
    });

    it('checks skipped strings, numbers and literals in full', () => {
      for (const text of [
        '{"embedding":tru}',
        '{"embedding":01}',
        '{"embedding":"\\x"}',
        '{"embedding":"a\tb"}',
        '{"embedding":-}',
      ]) {
        expect(parseOne(text, skipEmbedding).ok, text).toBe(false);
      }
    });

    it('still rejects a skipped container that is cut, unbalanced or holds a bad string', () => {
      const bad = [
        '{"embedding":[1,2',
        '{"embedding":[1,"]"',
        '{"embedding":[1,2}}',
        '{"embedding":{"a":[1}]}',
        '{"embedding":[1,2]]}',
        '{"embedding":["a\u0001"]}',
        '{"embedding":["\\q"]}',
        '{"embedding":["\\u12G4"]}',
        '{"embedding":[1,2]',
      ];
      for (const text of bad) {
        expect(jsonParses(text), text).toBe(false);
        for (const chunks of everySplit(text)) {
          const result = parseChunks(chunks, skipEmbedding);
          expect(result.ok, text).toBe(false);
          expect(result).toEqual(parseOne(text, skipEmbedding));
        }
      }
      expect(parseOne('{"embedding":[1,2', skipEmbedding)).toMatchObject({ error: 'unexpected end of JSON input' });
      expect(parseOne('{"embedding":[1,2}}', skipEmbedding)).toMatchObject({
        error: "unexpected '}' in a skipped value at position 17",
      });
      const deep = `{"embedding":${'['.repeat(20_000)}`;
      expect((parseOne(deep, skipEmbedding) as { error: string }).error).toMatch(/nesting deeper than/);
    });

    it('passes over the vectors of a 5 MB embeddings body, keeping model and usage', () => {
      let text = '{"object":"list","data":[';
      for (let n = 0; text.length < 5 * 1024 * 1024; n++) {
        const vector = Array.from({ length: 1536 }, (_, i) => Math.sin(n * 1536 + i) * 0.05);
        text += `${n > 0 ? ',' : ''}{"object":"embedding","index":${n},"embedding":${JSON.stringify(vector)}}`;
      }
      text += '],"model":"text-embedding-3-small","usage":{"prompt_tokens":8,"total_tokens":8}}';
      const chunks = splitAt(
        text,
        Array.from({ length: 320 }, (_, i) => i * 16384 + 7),
      );
      const started = performance.now();
      const result = parseChunks(chunks, skipEmbedding);
      console.log(`5 MB embeddings body, embedding skipped: ${(performance.now() - started).toFixed(1)} ms`);
      expect(result.ok).toBe(true);
      const value = result.value as { data: unknown[]; model: string; usage: unknown };
      expect(value.model).toBe('text-embedding-3-small');
      expect(value.usage).toEqual({ prompt_tokens: 8, total_tokens: 8 });
      expect(value.data.slice(0, 2)).toEqual([
        { object: 'embedding', index: 0 },
        { object: 'embedding', index: 1 },
      ]);
    });

    it('pushAscii: skipped containers passed over in the bytes, split at every position, as push gives', () => {
      const text =
        '{"a":1,"embedding":[[1,2],{"k":"]}\\"[{"},"x\\\\",[[[]]],-0.5e3],"b":"s","embedding":{"q":[]},"c":[true]}';
      const expected = parseOne(text, skipEmbedding);
      expect(expected).toEqual({ ok: true, value: { a: 1, b: 's', c: [true] }, pruned: false });
      for (const chunks of everySplit(text))
        expect(parseAsciiChunks(chunks, skipEmbedding), chunks[0]).toEqual(expected);
      const unbalanced = '{"embedding":[1,2}';
      for (const chunks of everySplit(unbalanced)) {
        expect(parseAsciiChunks(chunks, skipEmbedding)).toEqual(parseOne(unbalanced, skipEmbedding));
      }
      const deep = `{"embedding":${'['.repeat(20_000)}`;
      const deepResult = parseAsciiChunks([deep.slice(0, 7), deep.slice(7)], skipEmbedding);
      expect(deepResult).toEqual(parseOne(deep, skipEmbedding));
      expect(deepResult.ok).toBe(false);
    });

    it('does not look between the strings and brackets of a skipped container (documented)', () => {
      for (const text of [
        '{"embedding":[1,,2]}',
        '{"embedding":{1:2}}',
        '{"embedding":[tru]}',
        '{"embedding":[01]}',
        '{"embedding":[<x>]}',
      ]) {
        expect(jsonParses(text), text).toBe(false);
        expect(parseOne(text, skipEmbedding), text).toEqual({ ok: true, value: {}, pruned: false });
      }
    });
  });

  describe('onRootArrayItem', () => {
    it('hands every item over, beyond maxArrayItems, and keeps none', () => {
      const items = Array.from({ length: 100 }, (_, i) => ({ i, text: 'x'.repeat(2000) }));
      const seen: Array<[unknown, number]> = [];
      const text = JSON.stringify(items);
      const result = parseChunks(splitAt(text, [5, 999, 4321, 77777]), {
        onRootArrayItem: (item, index) => seen.push([item, index]),
      });
      expect(result).toEqual({ ok: true, value: [], pruned: false });
      expect(seen).toEqual(items.map((item, index) => [item, index]));
    });

    it('is not used when the top-level value is an object', () => {
      const seen: unknown[] = [];
      const result = parseOne('{"a":[1,2]}', { onRootArrayItem: item => seen.push(item) });
      expect(result.value).toEqual({ a: [1, 2] });
      expect(seen).toEqual([]);
    });
  });

  describe('parseJsonBounded', () => {
    it('returns JSON.parse results for small bodies, without limits', () => {
      const text = JSON.stringify({ a: Array.from({ length: 100 }, (_, i) => i) });
      expect(text.length).toBeLessThan(JSON_FAST_PATH_MAX_LENGTH);
      expect(parseJsonBounded(text)).toEqual({ ok: true, value: JSON.parse(text), pruned: false });
    });

    it('prunes large bodies', () => {
      const text = JSON.stringify({ data: Array.from({ length: 20_000 }, (_, i) => i) });
      expect(text.length).toBeGreaterThan(JSON_FAST_PATH_MAX_LENGTH);
      const result = parseJsonBounded(text);
      expect(result.pruned).toBe(true);
      expect((result.value as { data: number[] }).data).toEqual(Array.from({ length: 64 }, (_, i) => i));
    });

    it('explains invalid small bodies', () => {
      expect(parseJsonBounded('{"error":')).toMatchObject({
        ok: false,
        error: 'unexpected end of JSON input',
        value: {},
      });
      expect(parseJsonBounded('')).toMatchObject({ ok: false, error: 'empty' });
    });
  });

  it('parses a 5 MB embeddings response quickly and keeps it small', () => {
    const embedding = (seed: number): number[] =>
      Array.from({ length: 1536 }, (_, i) => Math.sin(seed * 1536 + i) * 0.05);
    let text = '{"object":"list","data":[';
    let n = 0;
    while (text.length < 5 * 1024 * 1024) {
      text += `${n > 0 ? ',' : ''}{"object":"embedding","index":${n},"embedding":${JSON.stringify(embedding(n))}}`;
      n++;
    }
    text += '],"model":"text-embedding-3-small","usage":{"prompt_tokens":8,"total_tokens":8}}';
    const chunks = splitAt(
      text,
      Array.from({ length: 320 }, (_, i) => i * 16384),
    );
    const started = performance.now();
    const result = parseChunks(chunks);
    const elapsed = performance.now() - started;
    console.log(`5 MB embeddings body (${n} vectors, ${text.length} chars): ${elapsed.toFixed(1)} ms`);
    expect(result.ok).toBe(true);
    const value = result.value as { data: Array<{ embedding: number[] }>; usage: unknown; model: string };
    expect(value.usage).toEqual({ prompt_tokens: 8, total_tokens: 8 });
    expect(value.model).toBe('text-embedding-3-small');
    expect(value.data).toHaveLength(64);
    expect(value.data[3].embedding).toEqual(embedding(3).slice(0, 64));
    expect(approximateSize(result.value)).toBeLessThan(64 * 1024);
    expect(elapsed).toBeLessThan(3000);
  });

  describe('recorded LLM bodies', () => {
    const bodies = fs.existsSync(FIXTURES)
      ? fs
          .readdirSync(FIXTURES, { recursive: true, encoding: 'utf8' })
          .filter(f => f.endsWith('.json'))
          .map(f => ({
            name: f,
            body: (JSON.parse(fs.readFileSync(path.join(FIXTURES, f), 'utf8')) as { response: { body: unknown } })
              .response.body,
          }))
          .filter(({ body }) => typeof body === 'object' && body !== null)
      : [];

    it.skipIf(bodies.length === 0)(
      'parses every recorded JSON body, in 5-character chunks, to what JSON.parse gives',
      () => {
        for (const { name, body } of bodies) {
          const text = JSON.stringify(body, null, 1);
          const chunks = splitAt(
            text,
            Array.from({ length: Math.ceil(text.length / 5) }, (_, i) => i * 5),
          );
          const result = parseChunks(chunks);
          expect(result.ok, name).toBe(true);
          if (!result.pruned) expect(result.value, name).toEqual(body);
        }
      },
    );
  });

  describe('properties', () => {
    const whitespace = fc.constantFrom('', ' ', '\n', '\r\n\t');
    const jsonText = fc
      .tuple(fc.jsonValue({ maxDepth: 4 }), fc.constantFrom(undefined, 1, '\t'), whitespace, whitespace)
      .map(([value, indent, before, after]) => before + JSON.stringify(value, null, indent) + after);
    const cuts = fc.array(fc.nat(), { maxLength: 10 });

    it('any split gives the same value as one push, and JSON.parse when nothing was pruned', () => {
      fc.assert(
        fc.property(jsonText, cuts, (text, at) => {
          const whole = parseOne(text);
          expect(whole.ok).toBe(true);
          if (!whole.pruned) expect(whole.value).toEqual(JSON.parse(text));
          expect(parseChunks(splitAt(text, at))).toEqual(whole);
        }),
        { numRuns: 300 },
      );
    });

    it('any split gives the same pruned value under tight limits', () => {
      const limits = { maxStringLength: 3, maxArrayItems: 2, maxKeys: 2, maxDepth: 3, maxTotalSize: 200 };
      fc.assert(
        fc.property(jsonText, cuts, (text, at) => {
          const whole = parseOne(text, limits);
          expect(whole.ok).toBe(true);
          expect(parseChunks(splitAt(text, at), limits)).toEqual(whole);
        }),
        { numRuns: 300 },
      );
    });

    it('accepts exactly what JSON.parse accepts, for near-JSON and arbitrary text, and never throws', () => {
      const mutated = fc
        .tuple(
          jsonText,
          fc.nat(),
          fc.nat({ max: 3 }),
          fc.constantFrom('"', '\\', ',', ':', '[', ']', '{', '}', '0', '-', 'e', '.', 'u', 't', '\u0001', ' ', 'x'),
        )
        .map(([text, at, removed, insert]) => {
          const i = at % (text.length + 1);
          return text.slice(0, i) + insert + text.slice(i + removed);
        });
      const anyText = fc.string({ unit: fc.nat({ max: 0xffff }).map(c => String.fromCharCode(c)), maxLength: 30 });
      fc.assert(
        fc.property(fc.oneof(mutated, anyText, fc.string({ maxLength: 20 })), cuts, (text, at) => {
          const result = parseChunks(splitAt(text, at));
          expect(result.ok).toBe(jsonParses(text));
          if (!result.ok) expect(typeof result.error).toBe('string');
        }),
        { numRuns: 1000 },
      );
    });
    describe('with skipKeys', () => {
      /** A JSON text and a set of keys to skip, most of them keys the value has. */
      const textAndSkipKeys = fc
        .tuple(
          fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.jsonValue({ maxDepth: 4, stringUnit: 'binary' })),
          fc.constantFrom(undefined, 1, '\t'),
        )
        .chain(([value, indent]) => {
          const text = JSON.stringify(value, null, indent);
          return fc
            .tuple(fc.subarray([...keysIn(value)]), fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 }))
            .map(([present, other]) => ({ text, skipKeys: new Set([...present, ...other]) }));
        });

      it('keeps what JSON.parse gives minus the skipped members, and any split gives the same', () => {
        fc.assert(
          fc.property(textAndSkipKeys, cuts, ({ text, skipKeys }, at) => {
            const whole = parseOne(text, { skipKeys });
            expect(whole.ok).toBe(true);
            if (!whole.pruned) expect(whole.value).toEqual(withoutMembers(JSON.parse(text), skipKeys));
            expect(parseChunks(splitAt(text, at), { skipKeys })).toEqual(whole);
            const ascii = asciiOnly(text);
            expect(parseAsciiChunks(splitAt(ascii, at), { skipKeys })).toEqual(parseOne(ascii, { skipKeys }));
          }),
          { numRuns: 300 },
        );
      });

      it('under tight limits, gives what the text without those members gives', () => {
        const limits = { maxStringLength: 3, maxArrayItems: 2, maxKeys: 2, maxDepth: 3, maxTotalSize: 200 };
        fc.assert(
          fc.property(textAndSkipKeys, cuts, ({ text, skipKeys }, at) => {
            const without = JSON.stringify(withoutMembers(JSON.parse(text), skipKeys));
            const expected = parseOne(without, limits);
            expect(parseOne(text, { ...limits, skipKeys })).toEqual(expected);
            expect(parseChunks(splitAt(text, at), { ...limits, skipKeys })).toEqual(expected);
          }),
          { numRuns: 300 },
        );
      });

      it('never throws on near-JSON, accepts all valid JSON, and any split gives the same outcome', () => {
        const skipKeys = new Set(['a', 'embedding', '']);
        const skippable = fc
          .tuple(fc.jsonValue({ maxDepth: 3 }), fc.jsonValue({ maxDepth: 3 }))
          .map(([value, other]) => JSON.stringify({ a: value, b: other, embedding: [other, value] }));
        const mutated = fc
          .tuple(
            skippable,
            fc.nat(),
            fc.nat({ max: 3 }),
            fc.constantFrom('"', '\\', ',', ':', '[', ']', '{', '}', '0', '-', 'e', 'u', '\u0001', ' ', 'x'),
          )
          .map(([text, at, removed, insert]) => {
            const i = at % (text.length + 1);
            return text.slice(0, i) + insert + text.slice(i + removed);
          });
        fc.assert(
          fc.property(mutated, cuts, (text, at) => {
            const whole = parseOne(text, { skipKeys });
            if (jsonParses(text)) expect(whole.ok).toBe(true);
            if (!whole.ok) expect(typeof whole.error).toBe('string');
            expect(parseChunks(splitAt(text, at), { skipKeys })).toEqual(whole);
            // Skipped containers passed over in the bytes: the same outcome, error positions included.
            const ascii = asciiOnly(text);
            expect(parseAsciiChunks(splitAt(ascii, at), { skipKeys })).toEqual(parseOne(ascii, { skipKeys }));
          }),
          { numRuns: 1000 },
        );
      });
    });
  });
});
