/*
 * Streaming UTF-8 → text decoding that leaves ASCII chunks to a native one-byte copy: LLM APIs
 * send ASCII JSON almost always, and `TextDecoder.decode` costs several times more per chunk
 * (some 2,000 instructions against a few hundred). The result is the same text as one
 * `TextDecoder('utf-8')` fed the same chunks: a character split between chunks comes out whole,
 * invalid bytes become U+FFFD, a BOM at the very start is removed.
 */
import { isAscii } from 'node:buffer';
import { TextDecoder } from 'node:util';

// Buffer's native latin1 copy, which accepts any Uint8Array: for ASCII bytes it is their UTF-8 text.
const latin1Slice = Buffer.prototype.latin1Slice as (this: Uint8Array, start: number, end: number) => string;

/** The text of `bytes[start, end)`, which the caller knows to be ASCII (one character per byte). */
export function asciiText(bytes: Uint8Array, start = 0, end = bytes.byteLength): string {
  return latin1Slice.call(bytes, start, end);
}

export class Utf8Text {
  private _decoder: TextDecoder | undefined;
  /** The decoder may hold the start of a character: the next chunk must go through it. */
  private _pending = false;
  /** Text came out already: a BOM from here on is a character, not a byte-order mark. */
  private _started = false;

  /** Decodes the next chunk; bytes of an unfinished character are held for the next call. */
  write(chunk: Uint8Array): string {
    const length = chunk.byteLength;
    if (length === 0) return '';
    if (!this._pending && isAscii(chunk)) {
      this._started = true;
      return asciiText(chunk, 0, length);
    }
    this._decoder ??= new TextDecoder('utf-8', { ignoreBOM: this._started });
    this._started = true;
    // An ASCII last byte completes or ends every sequence: only a non-ASCII one can leave bytes held.
    this._pending = chunk[length - 1]! >= 0x80;
    return this._decoder.decode(chunk, { stream: true });
  }

  /**
   * Whether `chunk` is ASCII with no character held from before: then its bytes are its text, one
   * character each, and the caller may read them as such instead of calling `write` (it counts as
   * written).
   */
  takeAscii(chunk: Uint8Array): boolean {
    if (this._pending || !isAscii(chunk)) return false;
    this._started = true;
    return true;
  }

  /** Flushes held bytes (an unfinished character becomes U+FFFD). */
  end(): string {
    if (!this._pending || !this._decoder) return '';
    this._pending = false;
    return this._decoder.decode();
  }
}
