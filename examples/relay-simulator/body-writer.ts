/*
 * Content-coding negotiation and a body writer that keeps streaming incremental: every write
 * is its own socket write and, when compressed, is flushed (Z_SYNC_FLUSH for gzip/deflate) so
 * the client can decode each SSE event as soon as it arrives.
 */
import type { ServerResponse } from 'node:http';
import { finished } from 'node:stream/promises';
import zlib from 'node:zlib';
import type { ContentCoding } from './types.ts';

export function zstdAvailable(): boolean {
  return typeof zlib.createZstdCompress === 'function';
}

const CODINGS: readonly ContentCoding[] = ['identity', 'gzip', 'deflate', 'br', 'zstd'];

/** A coding name we can send (for a forced `?encoding=` / `x-sim-encoding`), else undefined. */
export function parseCoding(value: string | undefined): ContentCoding | undefined {
  const name = value?.trim().toLowerCase();
  const coding = CODINGS.find(c => c === name);
  if (coding === 'zstd' && !zstdAvailable()) return undefined;
  return coding;
}

/**
 * Picks a coding from `Accept-Encoding`: highest q first, then the client's order; `*` means gzip.
 * Identity when nothing we support is acceptable.
 */
export function negotiateCoding(acceptEncoding: string | undefined): ContentCoding {
  if (!acceptEncoding) return 'identity';
  const offers = acceptEncoding.split(',').map((item, order) => {
    const [name = '', ...params] = item.trim().split(';');
    const qParam = params.map(p => p.trim()).find(p => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    return { name: name.trim().toLowerCase(), q: Number.isFinite(q) ? q : 0, order };
  });
  offers.sort((a, b) => b.q - a.q || a.order - b.order);
  for (const offer of offers) {
    if (offer.q <= 0) continue;
    if (offer.name === '*') return 'gzip';
    const coding = parseCoding(offer.name);
    if (coding && coding !== 'identity') return coding;
  }
  return 'identity';
}

function createCompressor(
  coding: Exclude<ContentCoding, 'identity'>,
): zlib.Gzip | zlib.Deflate | zlib.BrotliCompress | zlib.ZstdCompress {
  switch (coding) {
    case 'gzip':
      return zlib.createGzip();
    case 'deflate':
      return zlib.createDeflate();
    case 'br':
      return zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } });
    case 'zstd':
      return zlib.createZstdCompress();
  }
}

/** Whole-body compression (for bodies sent with a content-length). */
export function compressSync(bytes: Buffer, coding: ContentCoding): Buffer {
  switch (coding) {
    case 'identity':
      return bytes;
    case 'gzip':
      return zlib.gzipSync(bytes);
    case 'deflate':
      return zlib.deflateSync(bytes);
    case 'br':
      return zlib.brotliCompressSync(bytes, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } });
    case 'zstd':
      return zlib.zstdCompressSync(bytes);
  }
}

export interface BodyWriter {
  /** Writes (and flushes) one piece; resolves when it has been handed to the socket. */
  write(chunk: string | Buffer): Promise<void>;
  /** Ends the body; resolves when the response has finished. */
  end(): Promise<void>;
}

/** Settles with `promise`, or rejects as soon as `signal` aborts (the client went away). */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      value => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}

/** A writer for a response whose headers are set (including content-encoding when not identity). */
export function createBodyWriter(res: ServerResponse, coding: ContentCoding, signal: AbortSignal): BodyWriter {
  if (coding === 'identity') {
    return {
      async write(chunk) {
        if (!res.write(chunk)) {
          await untilAborted(new Promise<void>(resolve => res.once('drain', () => resolve())), signal);
        }
      },
      async end() {
        res.end();
        await untilAborted(finished(res), signal);
      },
    };
  }
  const compressor = createCompressor(coding);
  compressor.on('error', () => res.destroy());
  compressor.pipe(res);
  const flushKind = coding === 'gzip' || coding === 'deflate' ? zlib.constants.Z_SYNC_FLUSH : undefined;
  return {
    async write(chunk) {
      compressor.write(chunk);
      await untilAborted(
        new Promise<void>(resolve => {
          if (flushKind === undefined) compressor.flush(() => resolve());
          else compressor.flush(flushKind, () => resolve());
        }),
        signal,
      );
    },
    async end() {
      compressor.end();
      await untilAborted(finished(res), signal);
    },
  };
}
