/*
 * What we read a body with must not keep the body's chunks alive. Two ways V8 would:
 * - a substring of 13 characters or more is a "sliced string" that shares its parent's memory, so
 *   a model name sliced from a 64 KB chunk would hold all 64 KB for as long as the parsed value
 *   lives. Measured over many bodies, each value kept, each from a fresh chunk;
 * - the subject of the last successful regex match stays alive (`RegExp.input`) until another
 *   regex matches anywhere in the process. Measured with one 8 MB chunk.
 * Memory is the heap plus external memory (Node 24 and later decode large texts to external
 * strings), after forced GCs.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { BoundedJsonParser, type BoundedJsonParserOptions } from '../../../src/json/bounded-json-parser';
import { JsonBodyCollector } from '../../../src/json/json-body-collector';
import { ResponseBodyReader } from '../../../src/hook/response-body-reader';
import type { BodyReadResult } from '../../../src/hook/response-body-reader';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const BODIES = 200;
const CHUNK_LENGTH = 64 * 1024;
/**
 * Were every chunk pinned, the heap would grow by BODIES × 64 KiB (12.5 MiB); what is meant to be
 * kept is well under 1 KiB a body. A quarter of the pinned figure leaves room for GC noise.
 */
const MAX_GROWTH = (BODIES * CHUNK_LENGTH) / 4;

function heapAfterGc(): number {
  gc();
  gc();
  const { heapUsed, external } = process.memoryUsage();
  return heapUsed + external;
}

const decoder = new TextDecoder();

/** Runs `feed` in a frame of its own: the interpreter's registers keep a frame's temporaries alive. */
function feedBig(feed: () => void): void {
  feed();
}

/** A chunk as ResponseBodyReader gets it: a fresh flat string decoded from bytes, `head` then filler. */
function chunk(head: string): string {
  const filler = '0,'.repeat((CHUNK_LENGTH - head.length) / 2);
  return decoder.decode(Buffer.from(`${head}${filler}0`, 'utf8'));
}

interface Case {
  what: string;
  /** The body's first chunk for body `n`, and the rest of the body. */
  body(n: number): [string, string];
  options?: BoundedJsonParserOptions;
  /** Reads the kept string back from the parsed value. */
  read(value: unknown): string;
}

const cases: Case[] = [
  {
    what: 'a string value',
    body: n => [chunk(`{"model":"text-embedding-3-large-${n}","data":[`), ']}'],
    read: value => (value as { model: string }).model,
  },
  {
    what: 'a string value cut to maxStringLength',
    body: n => [chunk(`{"id":"embd-${n}-${'x'.repeat(100)}","data":[`), ']}'],
    options: { maxStringLength: 20 },
    read: value => (value as { id: string }).id,
  },
  {
    what: 'an object key',
    body: n => [chunk(`{"a_rather_long_member_name_${n}":[`), ']}'],
    read: value => Object.keys(value as object)[0]!,
  },
];

describe('strings kept by the bounded parser', () => {
  it.each(cases)('$what does not keep its chunk alive', ({ body, options, read }) => {
    const kept: unknown[] = [];
    const before = heapAfterGc();
    for (let n = 0; n < BODIES; n++) {
      const parser = new BoundedJsonParser(options);
      for (const piece of body(n)) parser.push(piece);
      const result = parser.end();
      expect(result.ok).toBe(true);
      kept.push(result.value);
    }
    const grown = heapAfterGc() - before;
    expect(read(kept[7])).toContain('7');
    expect(grown).toBeLessThan(MAX_GROWTH);
  });

  it('nor through JsonBodyCollector, which replays its first pieces into the parser', () => {
    const kept: unknown[] = [];
    const before = heapAfterGc();
    for (let n = 0; n < BODIES; n++) {
      const collector = new JsonBodyCollector({ skipKeys: new Set(['embedding']) });
      collector.push(chunk(`{"object":"list","model":"text-embedding-3-large-${n}","data":[{"embedding":[`));
      collector.push(']}]}');
      const result = collector.end();
      expect(result.ok).toBe(true);
      kept.push(result.value);
    }
    const grown = heapAfterGc() - before;
    expect(kept[7]).toEqual({ object: 'list', model: 'text-embedding-3-large-7', data: [{}] });
    expect(grown).toBeLessThan(MAX_GROWTH);
  });
});

describe('values open at the end of a chunk', () => {
  const BIG = 8 * 1024 * 1024;

  it.each([
    {
      what: 'a kept string',
      head: '{"model":"text-embedding-3-large',
      tail: '"}',
      value: { model: 'text-embedding-3-large' },
    },
    { what: 'a kept key', head: '{"a_rather_long_member_name', tail: '":1}', value: { a_rather_long_member_name: 1 } },
    { what: 'a kept number', head: '{"n":-12345678901234.5', tail: '6}', value: { n: -12345678901234.56 } },
  ])('$what that goes on in the next chunk does not hold the previous one', ({ head, tail, value }) => {
    const parser = new BoundedJsonParser();
    const before = heapAfterGc();
    feedBig(() => parser.push(decoder.decode(Buffer.from(`{"pad":"${'x'.repeat(BIG)}","body":${head}`, 'latin1'))));
    const held = heapAfterGc() - before;
    parser.push(tail);
    parser.push('}');
    expect(parser.end()).toEqual({ ok: true, value: { pad: 'x'.repeat(4096), body: value }, pruned: true });
    expect(held).toBeLessThan(BIG / 4);
  });
});

describe('the last regex match', () => {
  const BIG = 8 * 1024 * 1024;

  it('does not keep the chunk the parser searched last', () => {
    const before = heapAfterGc();
    const parser = new BoundedJsonParser();
    // A long string run is searched by regex; a fresh flat string, as a decoded chunk is.
    feedBig(() => parser.push(decoder.decode(Buffer.from(`{"text":"${'x'.repeat(BIG)}","n":1}`, 'latin1'))));
    const result = parser.end();
    expect(result).toMatchObject({ ok: true, value: { text: 'x'.repeat(4096), n: 1 } });
    expect(heapAfterGc() - before).toBeLessThan(BIG / 4);
  });

  it('does not keep the first chunk ResponseBodyReader looked at to tell JSON from SSE', () => {
    let done: BodyReadResult | undefined;
    const events: string[] = [];
    const reader = new ResponseBodyReader(
      'sniff',
      {},
      {
        onEvent: (_name, data) => events.push(data.slice(0, 10)),
        onDone: result => (done = result),
        onInternalError: error => {
          throw error;
        },
      },
    );
    const before = heapAfterGc();
    // An SSE body: its parser runs no regex of its own that would replace the sniff's match.
    feedBig(() => reader.write(Buffer.from(`\ndata: {"pad":"${'x'.repeat(BIG)}"}\n\n`, 'latin1'), 0));
    const held = heapAfterGc() - before;
    reader.write(Buffer.from('data: [DONE]\n\n'), 0);
    reader.end();
    expect(done).toMatchObject({ json: undefined, droppedEvents: 1 });
    expect(events).toEqual(['[DONE]']);
    expect(held).toBeLessThan(BIG / 4);
  });
});
