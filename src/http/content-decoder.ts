/*
 * Decodes a copy of response body bytes according to `content-encoding`, the way fetch does
 * (undici lib/web/fetch/index.js): codings applied in reverse order, at most 5 of them, and
 * lenient flushing so that a cut stream still yields what arrived.
 */
import * as zlib from 'node:zlib';
import type { Transform } from 'node:stream';

/** Receives the decoded bytes. Exactly one of `onEnd` / `onError` ends the output (none after `destroy()`). */
export interface DecodedSink {
  onData(chunk: Buffer): void;
  onEnd(): void;
  onError(err: Error): void;
}

export interface ContentDecoderOptions {
  /**
   * Stop after this many decoded bytes: the output is cut there, `truncated` becomes true, the
   * decompressors are dropped and `onEnd` is called at once. Guards against decompression bombs.
   * Default 64 MiB.
   */
  maxOutputBytes?: number;
}

export interface ContentDecoder {
  /**
   * Feeds encoded bytes. With no coding (identity) `onData` is called before this returns, with
   * a view of the same memory; otherwise the bytes are copied and decoded on later ticks.
   */
  write(chunk: Uint8Array): void;
  /** No more input: `onEnd` (or `onError`) follows once the decoders have drained. */
  end(): void;
  /** Drops everything; no callback is called afterwards. */
  destroy(): void;
  /** True when the output was cut at `maxOutputBytes`. */
  readonly truncated: boolean;
  /** Decoded bytes passed to the sink so far. */
  readonly outputBytes: number;
}

/** Why a body cannot be decoded: an unknown coding, zstd on a Node without it, or too many codings. */
export interface UnsupportedEncoding {
  unsupported: string;
}

const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024 * 1024;
/** Same cap as undici's fetch (a guard against CVE-2022-32206-style resource exhaustion). */
export const MAX_CONTENT_CODINGS = 5;

type Coding = 'gzip' | 'deflate' | 'br' | 'zstd';

/**
 * The codings of a `content-encoding` value in the order they must be undone (last applied
 * first), without `identity`; or why they cannot be.
 */
export function contentCodings(contentEncoding: string | undefined): Coding[] | UnsupportedEncoding {
  if (contentEncoding === undefined) return [];
  const tokens = contentEncoding
    .split(',')
    .map((token) => token.trim().toLowerCase())
    .filter((token) => token !== '');
  if (tokens.length > MAX_CONTENT_CODINGS) return { unsupported: `too many content codings (${tokens.length})` };
  const codings: Coding[] = [];
  for (let i = tokens.length - 1; i >= 0; i--) {
    const token = tokens[i];
    if (token === 'identity') continue;
    if (token === 'gzip' || token === 'x-gzip') codings.push('gzip');
    else if (token === 'deflate') codings.push('deflate');
    else if (token === 'br') codings.push('br');
    else if (token === 'zstd' && typeof zlib.createZstdDecompress === 'function') codings.push('zstd');
    else return { unsupported: token };
  }
  return codings;
}

interface StageOutput {
  data(chunk: Buffer): void;
  end(): void;
  error(err: Error): void;
}

interface Stage {
  write(chunk: Buffer): void;
  end(): void;
  destroy(): void;
}

const ZLIB_LENIENT = { flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH };

function streamStage(stream: Transform, out: StageOutput): Stage {
  stream.on('data', out.data);
  stream.on('end', out.end);
  // Stays attached after destroy: an 'error' without a listener would crash the process.
  stream.on('error', out.error);
  return {
    write: (chunk) => void stream.write(chunk),
    end: () => void stream.end(),
    destroy: () => void stream.destroy(),
  };
}

/** A zlib header: compression method 8, window ≤ 32 KiB, and a check value dividing by 31. */
function isZlibHeader(first: number, second: number): boolean {
  return (first & 0x0f) === 8 && first >> 4 <= 7 && ((first << 8) | second) % 31 === 0;
}

/**
 * `deflate` should be zlib-wrapped (RFC 9110) but some servers send raw deflate; like browsers
 * and undici, look at the first two bytes and pick inflate or inflateRaw.
 */
function deflateStage(out: StageOutput): Stage {
  let inner: Stage | undefined;
  let head: Buffer | undefined;
  const start = (bytes: Buffer): void => {
    const zlibWrapped = bytes.length >= 2 && isZlibHeader(bytes[0], bytes[1]);
    inner = streamStage(zlibWrapped ? zlib.createInflate(ZLIB_LENIENT) : zlib.createInflateRaw(ZLIB_LENIENT), out);
    inner.write(bytes);
  };
  return {
    write(chunk) {
      if (inner !== undefined) {
        inner.write(chunk);
        return;
      }
      const bytes = head === undefined ? chunk : Buffer.concat([head, chunk]);
      if (bytes.length < 2) head = bytes;
      else start(bytes);
    },
    end() {
      if (inner === undefined) {
        if (head === undefined) {
          out.end(); // an empty body
          return;
        }
        start(head);
      }
      inner?.end();
    },
    destroy() {
      inner?.destroy();
    },
  };
}

function createStage(coding: Coding, out: StageOutput): Stage {
  switch (coding) {
    case 'gzip':
      return streamStage(zlib.createGunzip(ZLIB_LENIENT), out);
    case 'deflate':
      return deflateStage(out);
    case 'br':
      return streamStage(
        zlib.createBrotliDecompress({
          flush: zlib.constants.BROTLI_OPERATION_FLUSH,
          finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH,
        }),
        out,
      );
    case 'zstd':
      // ZSTD_e_continue also at the end: ZSTD_e_end makes a cut stream an error on some Node versions.
      return streamStage(
        zlib.createZstdDecompress({
          flush: zlib.constants.ZSTD_e_continue,
          finishFlush: zlib.constants.ZSTD_e_continue,
        }),
        out,
      );
  }
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * Creates a decoder for one response body, or says why it cannot.
 *
 * Never throws and never lets an exception escape on a later tick: corrupt data reaches
 * `onError` once; an exception thrown by a sink callback stops the decoder and is passed to
 * `onError` (unless it was `onError` that threw, or the output had already ended).
 */
export function createContentDecoder(
  contentEncoding: string | undefined,
  sink: DecodedSink,
  options: ContentDecoderOptions = {},
): ContentDecoder | UnsupportedEncoding {
  const codings = contentCodings(contentEncoding);
  if (!Array.isArray(codings)) return codings;
  const maxOutputBytes =
    options.maxOutputBytes !== undefined && options.maxOutputBytes >= 0 ? options.maxOutputBytes : DEFAULT_MAX_OUTPUT_BYTES;

  let outputBytes = 0;
  let truncated = false;
  let inputEnded = false;
  /** No more callbacks: ended, failed or destroyed. */
  let closed = false;
  const stages: Stage[] = [];

  const dropStages = (): void => {
    for (const stage of stages) {
      try {
        stage.destroy();
      } catch {
        // Destroying a zlib stream does not throw; this only keeps the promise of this module.
      }
    }
    stages.length = 0;
  };

  const fail = (err: unknown): void => {
    if (closed) return;
    closed = true;
    dropStages();
    try {
      sink.onError(toError(err));
    } catch {
      // The sink's own failure has nowhere else to go.
    }
  };

  const finish = (): void => {
    if (closed) return;
    closed = true;
    dropStages();
    try {
      sink.onEnd();
    } catch {
      // Output has ended: reporting onEnd's failure through onError would break "exactly one".
    }
  };

  const emit = (chunk: Buffer): void => {
    if (closed) return;
    let out = chunk;
    const room = maxOutputBytes - outputBytes;
    if (out.length > room) {
      out = out.subarray(0, room);
      truncated = true;
    }
    outputBytes += out.length;
    if (out.length > 0) {
      try {
        sink.onData(out);
      } catch (err) {
        fail(err);
        return;
      }
    }
    if (truncated) finish();
  };

  // Build the chain from the output end: stage i feeds stage i + 1, the last one feeds the sink.
  let next: StageOutput = { data: emit, end: finish, error: fail };
  for (let i = codings.length - 1; i >= 0; i--) {
    const stage = createStage(codings[i], next);
    stages.unshift(stage);
    const target = stage;
    next = {
      data: (chunk) => {
        if (!closed) target.write(chunk);
      },
      end: () => {
        if (!closed) target.end();
      },
      error: fail,
    };
  }
  const entry = next;

  return {
    write(chunk) {
      if (closed || inputEnded || chunk.byteLength === 0) return;
      try {
        // Identity is synchronous: a view is enough. Decompressors read later: copy.
        entry.data(stages.length === 0 ? asBuffer(chunk) : Buffer.from(chunk));
      } catch (err) {
        fail(err);
      }
    },
    end() {
      if (closed || inputEnded) return;
      inputEnded = true;
      try {
        entry.end();
      } catch (err) {
        fail(err);
      }
    },
    destroy() {
      closed = true;
      dropStages();
    },
    get truncated() {
      return truncated;
    },
    get outputBytes() {
      return outputBytes;
    },
  };
}
