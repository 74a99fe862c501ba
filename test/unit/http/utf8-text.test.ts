import { describe, it, expect } from 'vitest';
import { TextDecoder } from 'node:util';
import { Utf8Text } from '../../../src/http/utf8-text';

/** What one TextDecoder makes of the same chunks: the reference Utf8Text must match. */
function reference(chunks: Uint8Array[]): string {
  const decoder = new TextDecoder('utf-8');
  return chunks.map(c => decoder.decode(c, { stream: true })).join('') + decoder.decode();
}

function decoded(chunks: Uint8Array[]): string {
  const text = new Utf8Text();
  return chunks.map(c => text.write(c)).join('') + text.end();
}

const bytes = (...parts: Array<string | number[]>) =>
  Buffer.concat(parts.map(p => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

describe('Utf8Text', () => {
  const cases: Record<string, Uint8Array[]> = {
    'ASCII chunks': [bytes('data: {"a":1}\n\n'), bytes('data: [DONE]\n\n')],
    'a character split after ASCII chunks': [bytes('data: "h'), bytes([0xc3]), bytes([0xa9]), bytes('llo"\n\n')],
    'a 4-byte character split three ways': [bytes('x', [0xf0, 0x9f]), bytes([0x98]), bytes([0x80], 'y')],
    'a BOM at the very start': [bytes([0xef, 0xbb, 0xbf], 'data: 1\n\n')],
    'a BOM split at the start': [bytes([0xef, 0xbb]), bytes([0xbf], 'ok')],
    'a BOM after ASCII text (a character there)': [bytes('ab'), bytes([0xef, 0xbb, 0xbf], 'c')],
    'a BOM after non-ASCII text': [bytes('é'), bytes([0xef, 0xbb, 0xbf], 'c')],
    'invalid bytes, then ASCII': [bytes('a', [0xff]), bytes('b'), bytes([0xc3]), bytes('c')],
    'a body cut inside a character': [bytes('abc'), bytes([0xe2, 0x82])],
    'empty chunks': [bytes(''), bytes('a'), bytes(''), bytes([0xc3]), bytes(''), bytes([0xa9])],
  };
  for (const [name, chunks] of Object.entries(cases)) {
    it(`gives what TextDecoder gives: ${name}`, () => {
      expect(decoded(chunks)).toBe(reference(chunks));
    });
  }

  it('reads a Uint8Array that is not a Buffer, and a view into a larger buffer', () => {
    const whole = new TextEncoder().encode('xxdata: hi\n\n');
    expect(decoded([new Uint8Array(whole.buffer, 2, whole.byteLength - 2)])).toBe('data: hi\n\n');
  });
});
