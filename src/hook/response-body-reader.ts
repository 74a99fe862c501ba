/*
 * Reads a copy of a response body as it passes: content-decoding, then SSE events or one
 * bounded JSON value. Never holds the whole body. Each SSE event carries the arrival time of
 * the raw bytes that completed it, so time-to-first-chunk is measured at the socket, not after
 * our own decompression.
 */
import { createContentDecoder } from '../http/content-decoder';
import type { ContentDecoder } from '../http/content-decoder';
import { Utf8Text } from '../http/utf8-text';
import { BoundedJsonParser } from '../json/bounded-json-parser';
import { JsonBodyCollector } from '../json/json-body-collector';
import { SseParser } from '../sse/sse-parser';

export interface BodyReaderSink {
  /**
   * One event (arguments, not an object: one allocation less per streamed chunk).
   * @param name the SSE `event:` field, if any
   * @param data the SSE `data:` field (empty for JSON-array items, see `item`)
   * @param item an element of a streamed JSON array body (Gemini `streamGenerateContent` without `alt=sse`), already parsed
   * @param arrivedAt performance.now() when the bytes completing this event arrived
   */
  onEvent(name: string | undefined, data: string, item: unknown, arrivedAt: number): void;
  /** The body is fully read (or cut): `json` holds the parsed JSON body when the body was JSON. */
  onDone(result: BodyReadResult): void;
  /** Our code threw inside an asynchronous decoder callback, where no channel guard protects the app. */
  onInternalError(error: unknown): void;
}

export interface BodyReadResult {
  /** Bytes of decoded body seen. */
  decodedBytes: number;
  json?: { ok: true; value: unknown } | { ok: false; error: string };
  /** Set when the content-encoding could not be decoded or the decoded bytes were corrupt. */
  decodeError?: string;
  /**
   * The decoded body outgrew the decoder's limits (see ContentDecoderOptions): it was read up to
   * there, and everything else describes that part.
   */
  decodeLimitReached?: boolean;
  /** SSE events dropped for exceeding the size cap. */
  droppedEvents: number;
}

/**
 * `json-array`: a JSON array whose elements are streamed events (each handed over as it completes).
 * `sniff`: JSON when the body starts with `{` or `[`, else SSE — whatever the content type claims
 * (SDKs read an SSE stream labelled application/json, and so must we).
 */
export type BodyKind = 'sse' | 'json' | 'json-array' | 'sniff';

export interface BodyReaderOptions {
  /** The response's `content-encoding` header. */
  contentEncoding?: string;
  /**
   * Object members of a JSON body whose values the codec never reads (its `responseSkipKeys`),
   * passed over unkept (see BoundedJsonParserOptions.skipKeys).
   */
  skipKeys?: ReadonlySet<string>;
  /**
   * A compressed body that ends within this many bytes is decoded in one call at its end instead of
   * through a zlib stream (see ContentDecoderOptions.syncUpTo): only for bodies whose events' arrival
   * times do not matter, i.e. responses to calls that were not streamed.
   */
  decodeAtEndUpTo?: number;
}

export class ResponseBodyReader {
  private readonly _sink: BodyReaderSink;
  private readonly _skipKeys: ReadonlySet<string> | undefined;
  private _kind: BodyKind;
  private readonly _text = new Utf8Text();
  private _sse: SseParser | undefined;
  private _json: BoundedJsonParser | JsonBodyCollector | undefined;
  private readonly _decoder: ContentDecoder | undefined;
  private _lastArrival = 0;
  private _decodedBytes = 0;
  private _decodeError: string | undefined;
  /** The decoder stopped at its limits before the body ended: the rest is not read. */
  private _decodeStopped = false;
  private _ended = false;
  private _done = false;

  constructor(kind: BodyKind, options: BodyReaderOptions, sink: BodyReaderSink) {
    this._sink = sink;
    this._skipKeys = options.skipKeys;
    this._kind = kind;
    if (kind !== 'sniff') this._createParser(kind);
    const encoding = options.contentEncoding?.trim().toLowerCase();
    if (encoding && encoding !== 'identity') {
      const decoder = createContentDecoder(
        encoding,
        {
          onData: chunk => this._guard(() => this._decoded(chunk)),
          // Before end(): the decoder stopped at its limits. The call still ends with the body.
          onEnd: () => this._guard(() => (this._ended ? this._finish() : void (this._decodeStopped = true))),
          onError: err =>
            this._guard(() => {
              this._decodeError = err.message || 'decode_error';
              this._finish();
            }),
        },
        { syncUpTo: options.decodeAtEndUpTo },
      );
      if ('unsupported' in decoder) {
        this._decodeError = `unsupported content-encoding: ${decoder.unsupported}`;
      } else {
        this._decoder = decoder;
      }
    }
  }

  /** A raw (still content-coded) chunk arrived at `arrivedAt`. */
  write(chunk: Uint8Array, arrivedAt: number): void {
    if (this._ended || this._decodeError !== undefined) return;
    this._lastArrival = arrivedAt;
    if (this._decoder) {
      // The decoder copies what it keeps past this call (undici may reuse the chunk's memory).
      this._decoder.write(chunk);
    } else {
      this._decoded(chunk);
    }
  }

  /** The body ended (or was cut); results follow through `onDone`, possibly asynchronously. */
  end(): void {
    if (this._ended) return;
    this._ended = true;
    if (this._decoder && this._decodeError === undefined && !this._decodeStopped) {
      this._decoder.end();
    } else {
      this._finish();
    }
  }

  /** Stops all work; `onDone` is not called afterwards. */
  destroy(): void {
    this._ended = true;
    this._done = true;
    this._decoder?.destroy();
  }

  private _createParser(kind: Exclude<BodyKind, 'sniff'>): void {
    this._kind = kind;
    if (kind === 'sse') {
      this._sse = new SseParser(e => this._sink.onEvent(e.event, e.data, undefined, this._lastArrival));
    } else if (kind === 'json-array') {
      this._json = new BoundedJsonParser({
        onRootArrayItem: item => this._sink.onEvent(undefined, '', item, this._lastArrival),
        skipKeys: this._skipKeys,
      });
    } else {
      this._json = new JsonBodyCollector({ skipKeys: this._skipKeys });
    }
  }

  /** `sniff`: picks the parser from the first character that is not white space. */
  private _sniff(text: string): void {
    // Not /\S/.exec(text): V8 keeps the subject of the last regex match alive (RegExp.input), and so
    // the whole first chunk while the body passes. trimStart skips the same white space.
    const first = text.trimStart().charAt(0);
    if (first === '') return;
    this._createParser(first === '{' || first === '[' ? 'json' : 'sse');
  }

  private _guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.destroy();
      try {
        this._sink.onInternalError(err);
      } catch {
        // nothing safe left to do
      }
    }
  }

  private _decoded(chunk: Uint8Array): void {
    if (this._done) return;
    this._decodedBytes += chunk.byteLength;
    // A JSON body's ASCII bytes go to the parser as they are: what it skips is never decoded.
    if (this._json !== undefined && chunk.byteLength > 0 && this._text.takeAscii(chunk)) {
      this._json.pushAscii(chunk);
      return;
    }
    const text = this._text.write(chunk);
    if (text.length === 0) return;
    if (this._kind === 'sniff') this._sniff(text);
    if (this._sse) this._sse.push(text);
    else this._json?.push(text);
  }

  private _finish(): void {
    if (this._done) return;
    this._done = true;
    const tail = this._text.end();
    if (this._kind === 'sniff') this._sniff(tail);
    // Nothing but white space came: an empty body, reported as a JSON one.
    if (this._kind === 'sniff') this._createParser('json');
    let json: BodyReadResult['json'];
    let droppedEvents = 0;
    if (this._sse) {
      if (tail) this._sse.push(tail);
      this._sse.end();
      droppedEvents = this._sse.droppedEvents;
    } else if (this._json) {
      if (tail) this._json.push(tail);
      const result = this._json.end();
      json = result.ok ? { ok: true, value: result.value } : { ok: false, error: result.error };
    }
    const result: BodyReadResult = {
      decodedBytes: this._decodedBytes,
      json: this._kind === 'sse' ? undefined : json,
      decodeError: this._decodeError,
      droppedEvents,
    };
    if (this._decoder?.truncated) result.decodeLimitReached = true;
    this._sink.onDone(result);
  }
}
