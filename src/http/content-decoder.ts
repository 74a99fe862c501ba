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
   * decompressors are dropped and `onEnd` is called at once (before `end()` when input goes on).
   * Default 64 MiB.
   */
  maxOutputBytes?: number;
  /**
   * Past `ratioFreeBytes` of output, stop (as at `maxOutputBytes`) once the output outgrows this
   * many times the encoded bytes written so far. A decompression bomb (a KiB that inflates to
   * tens of MiB) is cut after little work; LLM answers compress 3 to 60 times. Default 128.
   */
  maxExpansionRatio?: number;
  /** Output allowed whatever the expansion ratio (a short, very repetitive answer). Default 1 MiB. */
  ratioFreeBytes?: number;
  /**
   * Encoded bodies that end within this many bytes are decoded in one synchronous call at `end()`
   * instead of through zlib streams, which cost far more to set up than a small body costs to
   * decode. Nothing is output before `end()` then: use it only when the arrival time of the
   * decoded bytes does not matter. Past this many bytes the decoder switches to streaming.
   * Default 0 (always stream).
   */
  syncUpTo?: number;
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
  /** True when the output was cut at `maxOutputBytes` or `maxExpansionRatio`. */
  readonly truncated: boolean;
  /** Decoded bytes passed to the sink so far. */
  readonly outputBytes: number;
}

/** Why a body cannot be decoded: an unknown coding, zstd on a Node without it, or too many codings. */
export interface UnsupportedEncoding {
  unsupported: string;
}

const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024 * 1024;
const DEFAULT_MAX_EXPANSION_RATIO = 128;
const DEFAULT_RATIO_FREE_BYTES = 1024 * 1024;
/**
 * Largest output of the one-call decode at `end()`: a larger body goes through the streams, which
 * hand over 16 KiB at a time (a one-call decode holds its whole output, and more while building it).
 */
const SYNC_MAX_OUTPUT_BYTES = 1024 * 1024;
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
    .map(token => token.trim().toLowerCase())
    .filter(token => token !== '');
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
    write: chunk => void stream.write(chunk),
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

/** What `zlib.gunzipSync` itself uses of a Gunzip stream (node:zlib's processChunkSync), on Node 22 to 26. */
interface ZlibEngine extends Transform {
  _handle?: {
    writeSync?: (
      flush: number,
      input: Buffer,
      inOffset: number,
      inLength: number,
      output: Buffer,
      outOffset: number,
      outLength: number,
    ) => void;
    reset?: () => void;
  } | null;
  /** After writeSync: [output bytes left free, input bytes left unread]. */
  _writeState?: Uint32Array;
}

const ENGINE_OUTPUT_BYTES = 16 * 1024;
let gunzipEngine: ZlibEngine | undefined;
let engineOutput: Buffer | undefined;
/** This Node's Gunzip does not have the expected shape: every body goes through gunzipSync. */
let engineUnsupported = false;

/** The process's reusable Gunzip, or undefined when this Node's zlib does not have the expected shape. */
function reusableGunzip(): ZlibEngine | undefined {
  if (gunzipEngine !== undefined && !gunzipEngine.destroyed) return gunzipEngine;
  if (engineUnsupported) return undefined;
  const engine = zlib.createGunzip(ZLIB_LENIENT) as ZlibEngine;
  // A corrupt body destroys the engine and emits 'error' on a later tick: never unhandled.
  engine.on('error', () => undefined);
  const handle = engine._handle;
  if (
    typeof handle?.writeSync !== 'function' ||
    typeof handle.reset !== 'function' ||
    !(engine._writeState instanceof Uint32Array)
  ) {
    engineUnsupported = true;
    engine.destroy();
    return undefined;
  }
  gunzipEngine = engine;
  engineOutput ??= Buffer.allocUnsafe(ENGINE_OUTPUT_BYTES);
  return engine;
}

/**
 * Internal, for the tests: whether gzip bodies decoded in one call go through the reused engine on
 * this Node (false: its Gunzip lacks the internals the engine drives, and gunzipSync does it all).
 */
export function reusesGunzipEngine(): boolean {
  return reusableGunzip() !== undefined;
}

/**
 * `zlib.gunzipSync(data, { ...ZLIB_LENIENT, maxOutputLength })` through one Gunzip kept for the
 * process and reset before each body. gunzipSync builds a whole Transform stream per call (and a
 * 16 KiB output buffer) whose native handle keeps it alive through young-generation collections:
 * promoted, it made major collections more frequent (gzip-json end to end, ours-noop: 5.56 M → 4.38 M
 * instructions per call with the engine reused). The native inflate is the same, so is the output. Only bodies that start with the gzip magic bytes
 * come here: on others Node's Gunzip switches mode for good, and a fresh one must see them.
 */
function gunzipReusingEngine(data: Buffer, maxOutputLength: number): Buffer {
  const engine = data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b ? reusableGunzip() : undefined;
  if (engine === undefined) return zlib.gunzipSync(data, { ...ZLIB_LENIENT, maxOutputLength });
  const handle = engine._handle!;
  const state = engine._writeState!;
  const output = engineOutput!;
  handle.reset!();
  const pieces: Buffer[] = [];
  let outputLength = 0;
  let inOffset = 0;
  let inLength = data.length;
  for (;;) {
    handle.writeSync!(zlib.constants.Z_SYNC_FLUSH, data, inOffset, inLength, output, 0, output.length);
    // A zlib error destroys the engine synchronously (its handle's onerror): the next body gets a new one.
    if (engine.destroyed) throw engine.errored ?? new Error('zlib error');
    const outputFree = state[0];
    const produced = output.length - outputFree;
    if (produced > 0) {
      outputLength += produced;
      if (outputLength > maxOutputLength) throw new RangeError('Cannot create a Buffer larger than maxOutputLength');
      pieces.push(Buffer.from(output.subarray(0, produced)));
    }
    // Output room left over: zlib took all it could from the input.
    if (outputFree !== 0) break;
    inOffset += inLength - state[1];
    inLength = state[1];
  }
  return pieces.length === 1 ? pieces[0] : Buffer.concat(pieces, outputLength);
}

/** One coding undone in a single call, as leniently as the streams (a cut body gives what arrived). */
function decodeSync(coding: Coding, data: Buffer, maxOutputLength: number): Buffer {
  if (data.length === 0) return data;
  switch (coding) {
    case 'gzip':
      return gunzipReusingEngine(data, maxOutputLength);
    case 'deflate': {
      const wrapped = data.length >= 2 && isZlibHeader(data[0], data[1]);
      return (wrapped ? zlib.inflateSync : zlib.inflateRawSync)(data, { ...ZLIB_LENIENT, maxOutputLength });
    }
    case 'br':
      return zlib.brotliDecompressSync(data, {
        flush: zlib.constants.BROTLI_OPERATION_FLUSH,
        finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH,
        maxOutputLength,
      });
    case 'zstd':
      return zlib.zstdDecompressSync(data, {
        flush: zlib.constants.ZSTD_e_continue,
        finishFlush: zlib.constants.ZSTD_e_continue,
        maxOutputLength,
      });
  }
}

function isOutputTooLarge(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError;
}

function nonNegative(value: number | undefined, fallback: number): number {
  return value !== undefined && value >= 0 ? value : fallback;
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
  const stagesUsed = codings.length > 0;
  const maxOutputBytes = nonNegative(options.maxOutputBytes, DEFAULT_MAX_OUTPUT_BYTES);
  const maxExpansionRatio = nonNegative(options.maxExpansionRatio, DEFAULT_MAX_EXPANSION_RATIO);
  const ratioFreeBytes = nonNegative(options.ratioFreeBytes, DEFAULT_RATIO_FREE_BYTES);

  /** Encoded bytes written (identity: the same as the output, so the ratio never binds). */
  let inputBytes = 0;
  let outputBytes = 0;
  /** Output allowed by the bytes written so far. */
  const outputLimit = (): number =>
    stagesUsed ? Math.min(maxOutputBytes, Math.max(ratioFreeBytes, maxExpansionRatio * inputBytes)) : maxOutputBytes;
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
    const room = outputLimit() - outputBytes;
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
  const buildChain = (): StageOutput => {
    let next: StageOutput = { data: emit, end: finish, error: fail };
    for (let i = codings.length - 1; i >= 0; i--) {
      const stage = createStage(codings[i], next);
      stages.unshift(stage);
      const target = stage;
      next = {
        data: chunk => {
          if (!closed) target.write(chunk);
        },
        end: () => {
          if (!closed) target.end();
        },
        error: fail,
      };
    }
    return next;
  };

  const syncUpTo = stagesUsed && options.syncUpTo !== undefined && options.syncUpTo > 0 ? options.syncUpTo : 0;
  /** Encoded bytes held for one synchronous decode at `end()`, until they exceed `syncUpTo`. */
  let held: Buffer[] | undefined = syncUpTo > 0 ? [] : undefined;
  let heldBytes = 0;
  let entry: StageOutput | undefined = held ? undefined : buildChain();

  /** Leaves the synchronous mode: what was held goes through the streams, in order. */
  const startStreaming = (pending: Buffer[]): StageOutput => {
    held = undefined;
    const chain = buildChain();
    for (const piece of pending) chain.data(piece);
    return chain;
  };

  const endSync = (pending: Buffer[]): void => {
    let data = pending.length === 1 ? pending[0] : Buffer.concat(pending);
    // One byte over the limit is enough to know the output must be cut (or is too large to hold at
    // once): the streams then cut it, 16 KiB at a time.
    const maxOutputLength = Math.min(outputLimit(), SYNC_MAX_OUTPUT_BYTES) - outputBytes + 1;
    try {
      for (const coding of codings) data = decodeSync(coding, data, maxOutputLength);
    } catch (err) {
      if (!isOutputTooLarge(err)) throw err;
      entry = startStreaming(pending);
      entry.end();
      return;
    }
    emit(data);
    finish();
  };

  return {
    write(chunk) {
      if (closed || inputEnded || chunk.byteLength === 0) return;
      inputBytes += chunk.byteLength;
      try {
        if (held) {
          // Copied: undici may reuse the chunk's memory once this returns.
          held.push(Buffer.from(chunk));
          heldBytes += chunk.byteLength;
          if (heldBytes > syncUpTo) entry = startStreaming(held);
          return;
        }
        // Identity is synchronous: a view is enough. Decompressors read later: copy.
        entry!.data(stages.length === 0 ? asBuffer(chunk) : Buffer.from(chunk));
      } catch (err) {
        fail(err);
      }
    },
    end() {
      if (closed || inputEnded) return;
      inputEnded = true;
      try {
        if (held) {
          const pending = held;
          held = undefined;
          endSync(pending);
          return;
        }
        entry!.end();
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
