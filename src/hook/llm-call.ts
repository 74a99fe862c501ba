/*
 * One observed relay call, from `undici:request:create` to the end of its response body.
 * Holds only what it needs (a bounded request-body parser, a response reader, scalars) and
 * hands the finished call to the instrumentation, which records the span and the metrics.
 */
import type { RequestObserver, UndiciResponse } from './undici-channels';
import { ResponseBodyReader } from './response-body-reader';
import type { BodyReadResult } from './response-body-reader';
import { JsonBodyCollector } from '../json/json-body-collector';
import { mediaType, pickHeaders } from '../http/headers';
import { Utf8Text } from '../http/utf8-text';
import { codecFor } from '../wire/index';
import { isTerminalStreamEvent } from '../wire/stream-end';
import type { CodecOptions, RequestInfo, ResponseAccumulator } from '../wire/types';
import type { CallStart, FinishedCall } from '../call/call';
import { transportErrorType } from '../call/error-type';
import { RATE_LIMIT_HEADER_NAMES } from '../http/rate-limit-headers';

/** Largest request body we parse for model and parameters; larger ones are read up to this size. */
const MAX_REQUEST_BODY_BYTES = 8 * 1024 * 1024;
/**
 * Gaps between chunks kept until the call ends, so they are recorded with the call's final labels;
 * a longer stream hands them over in batches of this size (bounded memory on endless streams).
 */
const CHUNK_GAP_BATCH = 1024;
/**
 * A compressed answer to a call that was not streamed is held and decoded in one call at its end
 * up to this size (a zlib stream costs more to set up than a small body costs to decode).
 */
const DECODE_AT_END_MAX_BYTES = 32 * 1024;

const RESPONSE_HEADERS_WANTED: ReadonlySet<string> = new Set([
  'content-type',
  'content-encoding',
  ...RATE_LIMIT_HEADER_NAMES,
]);

export interface LlmCallListener {
  /** The request body was read: model and parameters are known. */
  onRequestParsed(call: LlmCall, request: RequestInfo): void;
  /** A full batch of gaps (seconds) between consecutive output chunks, handed over mid-stream. */
  onChunkGaps(call: LlmCall, gaps: Float64Array, count: number): void;
  onFinished(call: LlmCall, finished: FinishedCall): void;
  /** Our own code threw while handling this call outside a channel subscriber (e.g. in a zlib callback). */
  onInternalError(call: LlmCall, error: unknown): void;
}

export class LlmCall implements RequestObserver {
  readonly start: CallStart;
  /** performance.now() at `create`. */
  readonly startedAt: number;
  lastActivityAt: number;
  private readonly _listener: LlmCallListener;
  private readonly _codecOptions: CodecOptions;
  private _requestBody: JsonBodyCollector | undefined = new JsonBodyCollector();
  private _requestText: Utf8Text | undefined = new Utf8Text();
  private _requestBytes = 0;
  private _request: RequestInfo | undefined;
  private _statusCode: number | undefined;
  private _headers: ReadonlyMap<string, string> = new Map();
  private _reader: ResponseBodyReader | undefined;
  private _accumulator: ResponseAccumulator | undefined;
  private _responseEndedAt: number | undefined;
  private _transportError: string | undefined;
  private _firstChunkAt: number | undefined;
  private _lastChunkAt: number | undefined;
  private _gaps: Float64Array | undefined;
  private _gapCount = 0;
  private _sseEvents = 0;
  /** Events whose data looked like JSON but did not parse: the app's SDK fails on them. */
  private _malformedEvents = 0;
  private _jsonArrayStream = false;
  /** The stream's final event arrived: a cancel after it is the caller's normal clean-up. */
  private _streamComplete = false;
  private _finished = false;

  constructor(start: CallStart, startedAt: number, codecOptions: CodecOptions, listener: LlmCallListener) {
    this.start = start;
    this.startedAt = startedAt;
    this.lastActivityAt = startedAt;
    this._codecOptions = codecOptions;
    this._listener = listener;
  }

  get finished(): boolean {
    return this._finished;
  }

  get request(): RequestInfo | undefined {
    return this._request;
  }

  /** The response model named so far by the response (undefined before its first chunk). */
  get responseModel(): string | undefined {
    return this._accumulator?.responseModel;
  }

  onRequestBodyChunk(chunk: Uint8Array): void {
    if (this._finished) return;
    this.lastActivityAt = performance.now();
    if (!this._requestBody || !this._requestText) return;
    this._requestBytes += chunk.byteLength;
    if (this._requestBytes > MAX_REQUEST_BODY_BYTES) {
      // Model and parameters come first in every SDK's body; what was read so far is parsed as is.
      this._parseRequest();
      return;
    }
    const text = this._requestText.write(chunk);
    if (text) this._requestBody.push(text);
  }

  onRequestBodyEnd(): void {
    if (this._finished) return;
    this._parseRequest();
  }

  onResponseHeaders(response: UndiciResponse): void {
    if (this._finished) return;
    const now = performance.now();
    this.lastActivityAt = now;
    // Some undici paths report headers before `bodySent` (e.g. an early error answer): read the body we have.
    this._parseRequest();
    const status = typeof response.statusCode === 'number' ? response.statusCode : Number(response.statusCode);
    this._statusCode = Number.isFinite(status) ? status : undefined;
    this._headers = pickHeaders(response.headers, RESPONSE_HEADERS_WANTED);
    const request = this._request!;
    this._accumulator = codecFor(this.start.route.format).createResponseAccumulator(request, this._codecOptions);
    // Error answers are read as JSON whatever their content type (Gemini sends JSON errors as text/event-stream).
    // Gemini's streamGenerateContent without `alt=sse` streams one JSON array: its elements are the chunks.
    // Anything else is told apart by its first character, not its label: see BodyKind.
    const ok = (this._statusCode ?? 0) < 400;
    const labelledSse = mediaType(this._headers.get('content-type')) === 'text/event-stream';
    const kind = !ok ? 'json' : this.start.route.urlStream && !labelledSse ? 'json-array' : 'sniff';
    this._jsonArrayStream = kind === 'json-array';
    const streamed = request.stream === true || this.start.route.urlStream;
    const readerOptions = {
      contentEncoding: this._headers.get('content-encoding'),
      skipKeys: codecFor(this.start.route.format).responseSkipKeys,
      // No chunk timing is measured for a call that was not streamed: decode it in one go at its end.
      decodeAtEndUpTo: streamed ? undefined : DECODE_AT_END_MAX_BYTES,
    };
    this._reader = new ResponseBodyReader(kind, readerOptions, {
      onEvent: (name, data, item, arrivedAt) => this._onEvent(name, data, item, arrivedAt),
      onDone: result => this._onBodyDone(result),
      onInternalError: error => this._listener.onInternalError(this, error),
    });
  }

  onResponseChunk(chunk: Uint8Array): void {
    if (this._finished || !this._reader) return;
    const now = performance.now();
    this.lastActivityAt = now;
    this._reader.write(chunk, now);
  }

  onResponseEnd(): void {
    if (this._finished) return;
    this._responseEndedAt = performance.now();
    if (this._reader) this._reader.end();
    else this._finish(undefined);
  }

  onError(error: unknown): void {
    if (this._finished) return;
    if (this._streamComplete && isAbort(error)) {
      this.onResponseEnd();
      return;
    }
    this._responseEndedAt = performance.now();
    this._transportError = transportErrorType(error);
    this._parseRequest();
    if (this._reader) this._reader.end();
    else this._finish(undefined);
  }

  /** Stops following the call without reporting it (after an internal error); later events are ignored. */
  drop(): void {
    this._finished = true;
    this._reader?.destroy();
  }

  /** Ends the call now with `error.type` = reason (idle timeout, internal error); later events are ignored. */
  abandon(reason: string): void {
    if (this._finished) return;
    this._responseEndedAt = performance.now();
    this._transportError = reason;
    this._parseRequest();
    this._reader?.destroy();
    this._finish(undefined);
  }

  private _parseRequest(): void {
    if (this._request) return;
    const parser = this._requestBody;
    const tail = this._requestText?.end() ?? '';
    this._requestBody = undefined;
    this._requestText = undefined;
    let body: unknown;
    if (parser) {
      if (tail) parser.push(tail);
      const result = parser.end();
      body = result.ok ? result.value : undefined;
    }
    const codec = codecFor(this.start.route.format);
    this._request = codec.parseRequest(body, this.start.route, this._codecOptions);
    this._listener.onRequestParsed(this, this._request);
  }

  /** One event of the body: SSE `name` and `data`, or a JSON-array `item` (see BodyReaderSink.onEvent). */
  private _onEvent(name: string | undefined, text: string, item: unknown, at: number): void {
    if (this._finished || !this._accumulator) return;
    this._sseEvents++;
    // The codec's parse-free look first: a content-only delta is valid JSON and never ends a stream.
    let output = item === undefined ? this._accumulator.onEventText?.(name, text) : undefined;
    if (output === undefined) {
      let data: unknown = item ?? text;
      const first = text.charCodeAt(0);
      // `{` or `[`: JSON. Anything else stays a string, `[DONE]` too: a failed JSON.parse builds a
      // SyntaxError with its stack, the dearest event of a stream (other `[` junk still tries).
      if (item === undefined && (first === 123 || first === 91) && text !== '[DONE]') {
        try {
          data = JSON.parse(text);
        } catch {
          data = text;
          if (first === 123) this._malformedEvents++;
        }
      }
      if (!this._streamComplete && isTerminalStreamEvent(this.start.route.format, name, data)) {
        this._streamComplete = true;
      }
      output = this._accumulator.onEvent(name, data);
    }
    if (!output) return;
    if (this._firstChunkAt === undefined) {
      this._firstChunkAt = at;
    } else if (this._lastChunkAt !== undefined) {
      this._gaps ??= new Float64Array(CHUNK_GAP_BATCH);
      this._gaps[this._gapCount++] = (at - this._lastChunkAt) / 1000;
      if (this._gapCount === CHUNK_GAP_BATCH) this._flushGaps();
    }
    this._lastChunkAt = at;
  }

  private _flushGaps(): void {
    if (this._gaps && this._gapCount > 0) this._listener.onChunkGaps(this, this._gaps, this._gapCount);
    this._gapCount = 0;
  }

  private _onBodyDone(result: BodyReadResult): void {
    if (this._finished) return;
    let bodyProblem: FinishedCall['bodyProblem'];
    if (result.decodeError !== undefined) bodyProblem = 'decode_error';
    if (result.json) {
      // A streamed JSON array was already handed over element by element.
      if (result.json.ok) {
        if (!this._jsonArrayStream) this._accumulator?.onJson(result.json.value);
      } else if (this._transportError === undefined) {
        bodyProblem = result.decodedBytes === 0 ? 'empty_response' : 'invalid_response';
      }
    } else if (this._transportError === undefined && bodyProblem === undefined && this._sseEvents === 0) {
      bodyProblem = result.decodedBytes === 0 ? 'empty_response' : 'invalid_response';
    }
    this._finish(bodyProblem);
  }

  private _finish(bodyProblem: FinishedCall['bodyProblem']): void {
    if (this._finished) return;
    this._finished = true;
    const response = this._accumulator?.finish();
    if (bodyProblem === undefined && this._transportError === undefined && this._malformedEvents > 0) {
      bodyProblem = 'invalid_response';
    }
    if (
      bodyProblem === undefined &&
      this._transportError === undefined &&
      response &&
      this._sseEvents > 0 &&
      response.finishReasons.length === 0 &&
      response.error === undefined &&
      response.usage.outputTokens === undefined
    ) {
      // A stream that closed cleanly but never said it was done (no finish reason, no usage, no error).
      bodyProblem = 'incomplete_response';
    }
    this._listener.onFinished(this, {
      start: this.start,
      request: this._request!,
      response,
      statusCode: this._statusCode,
      headers: this._headers,
      transportError: this._transportError,
      bodyProblem,
      startedAt: this.startedAt,
      endedAt: this._responseEndedAt ?? performance.now(),
      firstChunkAt: this._firstChunkAt,
      chunkGaps: this._gaps?.subarray(0, this._gapCount),
    });
  }
}

function isAbort(error: unknown): boolean {
  const e = error as { name?: unknown; code?: unknown } | undefined;
  return e?.name === 'AbortError' || e?.code === 'UND_ERR_ABORTED';
}
