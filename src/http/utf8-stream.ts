/**
 * Streaming UTF-8 → text decoding for body bytes that arrive in arbitrary chunks.
 * A multi-byte character split between two chunks comes out whole with the second chunk;
 * invalid bytes become U+FFFD instead of throwing. A leading BOM is removed.
 */
export interface Utf8Stream {
  /** Decodes the next chunk; bytes of an unfinished character are held for the next call. */
  write(bytes: Uint8Array): string;
  /** Flushes held bytes (an unfinished character becomes U+FFFD). Later writes start afresh. */
  end(): string;
}

export function createUtf8Stream(): Utf8Stream {
  const decoder = new TextDecoder('utf-8', { fatal: false });
  return {
    write: (bytes) => decoder.decode(bytes, { stream: true }),
    end: () => decoder.decode(),
  };
}
