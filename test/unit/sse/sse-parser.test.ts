import { describe, it, expect } from 'vitest';
import * as fc from 'fast-check';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SseParser, type SseEvent } from '../../../src/sse/sse-parser';
import { FIXTURES_DIR as FIXTURES } from '../../support/llm-wire-fixtures';

function parse(chunks: string[], options?: { maxEventBytes?: number }): { events: SseEvent[]; parser: SseParser } {
  const events: SseEvent[] = [];
  const parser = new SseParser(e => events.push(e), options);
  for (const chunk of chunks) parser.push(chunk);
  parser.end();
  return { events, parser };
}

const events = (chunks: string[] | string, options?: { maxEventBytes?: number }): SseEvent[] =>
  parse(typeof chunks === 'string' ? [chunks] : chunks, options).events;

/**
 * Straightforward whole-text reading of the same rules (including this package's two choices:
 * `end()` dispatches a terminated pending event, and events over `maxEventBytes` are dropped).
 */
function referenceParse(input: string, maxEventBytes = Infinity): { events: SseEvent[]; dropped: number } {
  const text = input.startsWith('\uFEFF') ? input.slice(1) : input;
  const lines = text.split(/\r\n|\r|\n/);
  const tail = lines.pop();
  const out: SseEvent[] = [];
  let dropped = 0;
  let data: string | undefined;
  let type = '';
  let id: string | undefined;
  let dropping = false;
  const reset = (): void => {
    data = undefined;
    type = '';
    id = undefined;
  };
  const dispatch = (): void => {
    if (data !== undefined) {
      const e: SseEvent = { data };
      if (type !== '') e.event = type;
      if (id !== undefined) e.id = id;
      out.push(e);
    }
    reset();
  };
  // The unterminated tail is never dispatched, but once its field is known (its colon arrived)
  // and its value is too large, it counts as a drop.
  for (const [index, line] of [...lines, tail ?? ''].entries()) {
    const isTail = index === lines.length;
    if (line === '' || (isTail && !line.includes(':'))) {
      if (isTail) break;
      if (dropping) dropping = false;
      else dispatch();
      continue;
    }
    if (dropping || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field !== 'data' && field !== 'event' && field !== 'id') continue;
    const nextData = field === 'data' ? (data === undefined ? value : `${data}\n${value}`) : data;
    const nextType = field === 'event' ? value : type;
    const nextId = field === 'id' && !value.includes('\0') ? value : id;
    const size = (nextData ?? '').length + nextType.length + (field === 'id' ? value.length : (id ?? '').length);
    if (size > maxEventBytes) {
      dropped++;
      dropping = true;
      reset();
      continue;
    }
    if (isTail) break;
    data = nextData;
    type = nextType;
    id = nextId;
  }
  if (tail === '' && !dropping) dispatch();
  return { events: out, dropped };
}

describe('SseParser', () => {
  it('dispatches an event on a blank line, with event name, id and data', () => {
    expect(events('event: message_start\nid: 7\ndata: {"a":1}\n\n')).toEqual([
      { event: 'message_start', id: '7', data: '{"a":1}' },
    ]);
  });

  it('handles LF, CRLF and CR line ends, also mixed', () => {
    const expected = [{ data: 'one' }, { data: 'two' }];
    expect(events('data: one\n\ndata: two\n\n')).toEqual(expected);
    expect(events('data: one\r\n\r\ndata: two\r\n\r\n')).toEqual(expected);
    expect(events('data: one\r\rdata: two\r\r')).toEqual(expected);
    expect(events('data: one\r\n\rdata: two\n\r\n')).toEqual(expected);
  });

  it('treats a CR ending one chunk and an LF starting the next as one line end', () => {
    // Were the LF a second line end, it would be a blank line that splits the event in two.
    expect(events(['data: a\r', '\ndata: b\r', '\n\r', '\n'])).toEqual([{ data: 'a\nb' }]);
    expect(events(['data: a\r', '', '\n', 'data: b\r\n\r\n'])).toEqual([{ data: 'a\nb' }]);
  });

  it('treats a CR then a non-LF character in the next chunk as a line end followed by text', () => {
    expect(events(['data: a\r', 'data: b\r', '\r'])).toEqual([{ data: 'a\nb' }]);
  });

  it('removes one byte-order mark at the very start only', () => {
    expect(events('\uFEFFdata: x\n\n')).toEqual([{ data: 'x' }]);
    expect(events(['\uFEFF', 'data: x\n\n'])).toEqual([{ data: 'x' }]);
    // A BOM later is an ordinary character: "\uFEFFdata" is an unknown field name.
    expect(events('data: x\n\n\uFEFFdata: y\n\n')).toEqual([{ data: 'x' }]);
  });

  it('ignores comment lines, including keep-alive comments between events', () => {
    expect(events(': OPENROUTER PROCESSING\n\ndata: {}\n: inside\n\n:\n\n')).toEqual([{ data: '{}' }]);
  });

  it('joins multi-line data with \\n and keeps empty data lines', () => {
    expect(events('data: a\ndata\ndata:\ndata: b\n\n')).toEqual([{ data: 'a\n\n\nb' }]);
  });

  it('removes exactly one space after the colon', () => {
    expect(events('data:x\n\ndata: x\n\ndata:  x\n\ndata:\tx\n\n')).toEqual([
      { data: 'x' },
      { data: 'x' },
      { data: ' x' },
      { data: '\tx' },
    ]);
  });

  it('takes a line without colon as a field name with an empty value', () => {
    expect(events('event\ndata\n\n')).toEqual([{ data: '' }]);
    expect(events('event: a\nevent\ndata: x\n\n')).toEqual([{ data: 'x' }]);
  });

  it('skips events without data, and unknown or retry fields', () => {
    expect(events('event: ping\n\nid: 3\n\nretry: 1000\n\nfoo: bar\ndata: kept\n\n')).toEqual([{ data: 'kept' }]);
  });

  it('dispatches data that is an empty string', () => {
    expect(events('data:\n\n')).toEqual([{ data: '' }]);
  });

  it('keeps the last event and id fields of an event and does not carry them over', () => {
    expect(events('event: a\nevent: b\nid: 1\nid: 2\ndata: x\n\ndata: y\n\n')).toEqual([
      { event: 'b', id: '2', data: 'x' },
      { data: 'y' },
    ]);
  });

  it('ignores an id containing NUL', () => {
    expect(events('id: 1\0\ndata: x\n\n')).toEqual([{ data: 'x' }]);
  });

  it('does not split on U+2028 or other Unicode line separators', () => {
    expect(events('data: a\u2028b\u0085c\n\n')).toEqual([{ data: 'a\u2028b\u0085c' }]);
  });

  describe('end()', () => {
    it('dispatches a final event terminated by a line end but no blank line', () => {
      expect(events('data: {"x":1}\n\ndata: [DONE]\n')).toEqual([{ data: '{"x":1}' }, { data: '[DONE]' }]);
      expect(events('data: [DONE]\r')).toEqual([{ data: '[DONE]' }]);
    });

    it('discards an unterminated final line and the event it belongs to', () => {
      expect(events('data: {"x":1}\n\ndata: [DONE]')).toEqual([{ data: '{"x":1}' }]);
      expect(events('data: a\ndata: {"cut')).toEqual([]);
    });

    it('does nothing twice and ignores input after end', () => {
      const { events: got, parser } = parse(['data: a\n']);
      parser.end();
      parser.push('\ndata: b\n\n');
      expect(got).toEqual([{ data: 'a' }]);
    });
  });

  describe('maxEventBytes', () => {
    it('drops a too large event, counts it and goes on with the next one', () => {
      const big = 'x'.repeat(200);
      const { events: got, parser } = parse([`data: small\n\ndata: ${big}\ndata: more\n\ndata: after\n\n`], {
        maxEventBytes: 100,
      });
      expect(got).toEqual([{ data: 'small' }, { data: 'after' }]);
      expect(parser.droppedEvents).toBe(1);
    });

    it('counts the joined data, event and id against the limit', () => {
      // data "aaaa\nbbbb" (9) + event "e" (1) = 10: fits in 10, not in 9.
      const stream = 'event: e\ndata: aaaa\ndata: bbbb\n\n';
      expect(events(stream, { maxEventBytes: 10 })).toEqual([{ event: 'e', data: 'aaaa\nbbbb' }]);
      const { events: got, parser } = parse([stream], { maxEventBytes: 9 });
      expect(got).toEqual([]);
      expect(parser.droppedEvents).toBe(1);
    });

    it('does not buffer a huge line that arrives in small chunks', () => {
      const max = 1000;
      const got: SseEvent[] = [];
      const parser = new SseParser(e => got.push(e), { maxEventBytes: max });
      parser.push('data: ');
      let largest = 0;
      for (let i = 0; i < 500; i++) {
        parser.push('y'.repeat(97));
        largest = Math.max(largest, parser.bufferedLength);
      }
      parser.push('\n\ndata: ok\n\n');
      parser.end();
      expect(largest).toBeLessThanOrEqual(max + 7);
      expect(got).toEqual([{ data: 'ok' }]);
      expect(parser.droppedEvents).toBe(1);
    });

    it('does not buffer long comment or unknown-field lines', () => {
      const parser = new SseParser(() => undefined, { maxEventBytes: 1000 });
      parser.push(': ');
      parser.push('c'.repeat(5000));
      expect(parser.bufferedLength).toBe(0);
      parser.push('\nunknownfield');
      parser.push('u'.repeat(5000));
      expect(parser.bufferedLength).toBe(0);
      expect(parser.droppedEvents).toBe(0);
    });

    it('keeps an event of exactly the limit, whatever the chunking', () => {
      const stream = `data: ${'z'.repeat(50)}\n\n`;
      for (let cut = 0; cut <= stream.length; cut++) {
        expect(events([stream.slice(0, cut), stream.slice(cut)], { maxEventBytes: 50 })).toEqual([
          { data: 'z'.repeat(50) },
        ]);
        expect(events([stream.slice(0, cut), stream.slice(cut)], { maxEventBytes: 49 })).toEqual([]);
      }
    });
  });

  describe('cost', () => {
    /** CPU milliseconds to parse `stream` pushed in pieces of `pieceLength`, and what it gave. */
    function timed(stream: string, pieceLength: number): { ms: number; got: SseEvent[] } {
      const got: SseEvent[] = [];
      const parser = new SseParser(e => got.push(e));
      const started = process.cpuUsage();
      for (let at = 0; at < stream.length; at += pieceLength) parser.push(stream.slice(at, at + pieceLength));
      parser.end();
      const used = process.cpuUsage(started);
      return { ms: (used.user + used.system) / 1000, got };
    }

    it('is linear in the bytes when long lines arrive in small pieces', () => {
      // Four events just under the 1 MiB cap, in 1 KB pieces (a slow-dripping relay) and in 64 KiB ones.
      const payload = 'p'.repeat(1_000_000);
      const stream = `data: ${payload}\n\n`.repeat(4);
      timed(stream, 64 * 1024); // warm-up
      const large = timed(stream, 64 * 1024);
      const small = timed(stream, 1000);
      expect(small.got).toEqual(large.got);
      expect(small.got.map(e => e.data.length)).toEqual([1_000_000, 1_000_000, 1_000_000, 1_000_000]);
      // Quadratic, this costs seconds; linear, a small multiple of the large-piece run.
      expect(small.ms).toBeLessThan(10 * large.ms + 100);
    });
  });

  it('gives the same events for every two-chunk split of a varied stream', () => {
    const stream =
      '\uFEFF: hi\r\nevent: a\r\ndata: 1\r\ndata:2\r\rid: 9\ndata\n\nfoo\r\nevent:b\rdata: x y \n\r\ndata: [DONE]\n';
    const whole = events(stream);
    expect(whole).toEqual(referenceParse(stream).events);
    for (let cut = 0; cut <= stream.length; cut++) {
      for (const second of [cut, Math.min(stream.length, cut + 1), Math.min(stream.length, cut + 2)]) {
        expect(events([stream.slice(0, cut), stream.slice(cut, second), stream.slice(second)])).toEqual(whole);
      }
    }
  });

  describe('properties', () => {
    const valueChar = fc.constantFrom('a', 'b', ' ', ':', '\0', '\t', 'é', '€', '😀', '\uFEFF', '\u2028', '{', '"');
    const value = fc.string({ unit: valueChar, maxLength: 12 });
    const line = fc.oneof(
      value.map(v => `data: ${v}`),
      value.map(v => `data:${v}`),
      fc.constant('data'),
      value.map(v => `event: ${v}`),
      value.map(v => `id: ${v}`),
      value.map(v => `:${v}`),
      value.map(v => `retry: ${v}`),
      value.map(v => `x${v}`),
      fc.constant(''),
      fc.constant(''),
    );
    const eol = fc.constantFrom('\n', '\r\n', '\r');
    const stream = fc
      .tuple(fc.boolean(), fc.array(fc.tuple(line, eol), { maxLength: 25 }), fc.option(line, { nil: undefined }))
      .map(([bom, lines, tail]) => `${bom ? '\uFEFF' : ''}${lines.map(([l, e]) => l + e).join('')}${tail ?? ''}`);

    function splitAt<T extends { slice(a: number, b?: number): T; length: number }>(whole: T, cuts: number[]): T[] {
      const points = [...new Set(cuts.map(c => c % (whole.length + 1)))].sort((a, b) => a - b);
      const parts: T[] = [];
      let last = 0;
      for (const p of points) {
        parts.push(whole.slice(last, p));
        last = p;
      }
      parts.push(whole.slice(last));
      return parts;
    }

    it('any split of the text gives the same events and drops as the reference reading', () => {
      fc.assert(
        fc.property(
          stream,
          fc.array(fc.nat(), { maxLength: 8 }),
          fc.constantFrom(Infinity, 6, 20),
          (text, cuts, max) => {
            const expected = referenceParse(text, max);
            const { events: got, parser } = parse(splitAt(text, cuts), { maxEventBytes: max });
            expect(got).toEqual(expected.events);
            expect(parser.droppedEvents).toBe(expected.dropped);
          },
        ),
        { numRuns: 300 },
      );
    });

    it('any split of the UTF-8 bytes, decoded by a streaming TextDecoder, gives the same events', () => {
      fc.assert(
        fc.property(stream, fc.array(fc.nat(), { maxLength: 8 }), (text, cuts) => {
          const bytes = Buffer.from(text, 'utf8');
          const decoder = new TextDecoder();
          const got: SseEvent[] = [];
          const parser = new SseParser(e => got.push(e));
          for (const part of splitAt(bytes, cuts)) parser.push(decoder.decode(part, { stream: true }));
          parser.push(decoder.decode());
          parser.end();
          expect(got).toEqual(referenceParse(text).events);
        }),
        { numRuns: 200 },
      );
    });

    // The pending event (≤ max) plus the current line; that line holds at most a field name and
    // a value that fits the limit (a new `event:`/`id:` value is held beside the old one until its line ends).
    it('never throws on arbitrary text and keeps its buffer within maxEventBytes + one line', () => {
      const max = 16;
      const piece = fc.oneof(
        fc.constantFrom('\r', '\n', ':', ' ', 'data', 'data:', 'event:', 'id:', '\uFEFF'),
        // Any UTF-16 code unit, lone surrogates included ('binary' units are slow to generate).
        fc.string({ unit: fc.nat({ max: 0xffff }).map(c => String.fromCharCode(c)), maxLength: 24 }),
      );
      const chunk = fc.array(piece, { maxLength: 8 }).map(pieces => pieces.join(''));
      fc.assert(
        fc.property(fc.array(chunk, { maxLength: 10 }), chunks => {
          let largestEvent = 0;
          let largestBuffer = 0;
          const parser = new SseParser(
            e => {
              largestEvent = Math.max(largestEvent, e.data.length);
            },
            { maxEventBytes: max },
          );
          for (const c of chunks) {
            parser.push(c);
            largestBuffer = Math.max(largestBuffer, parser.bufferedLength);
          }
          parser.end();
          expect(largestEvent).toBeLessThanOrEqual(max);
          expect(largestBuffer).toBeLessThanOrEqual(max + 'event: '.length + max);
        }),
        { numRuns: 300 },
      );
    });
  });

  describe('recorded LLM streams', () => {
    const files = fs.existsSync(FIXTURES)
      ? fs
          .readdirSync(FIXTURES, { recursive: true, encoding: 'utf8' })
          .filter(f => f.endsWith('.json'))
          .map(f => ({ name: f, json: JSON.parse(fs.readFileSync(path.join(FIXTURES, f), 'utf8')) }))
          .filter(({ json }) => typeof json.response?.body === 'string' && json.response.body.includes('data:'))
      : [];

    it.skipIf(files.length === 0)('parses every recorded stream like the reference, in 7-byte chunks', () => {
      for (const { name, json } of files) {
        const body: string = json.response.body;
        const bytes = Buffer.from(body, 'utf8');
        const decoder = new TextDecoder();
        const got: SseEvent[] = [];
        const parser = new SseParser(e => got.push(e));
        for (let i = 0; i < bytes.length; i += 7)
          parser.push(decoder.decode(bytes.subarray(i, i + 7), { stream: true }));
        parser.end();
        const expected = referenceParse(body).events;
        expect(got, name).toEqual(expected);
        expect(got.length, name).toBeGreaterThan(0);
        // Every data payload of these recordings is JSON or the [DONE] sentinel.
        for (const e of got) {
          if (e.data !== '[DONE]') expect(() => JSON.parse(e.data), `${name}: ${e.data.slice(0, 60)}`).not.toThrow();
        }
      }
    });
  });
});
