/*
 * The only code that touches undici. One diagnostics_channel subscription per event sees the
 * undici bundled in Node and every npm copy, whatever API made the request.
 *
 * Body bytes come from `undici:request:bodyChunkSent` / `bodyChunkReceived` where the undici copy
 * publishes them (7.11+). Older copies (Node 22's bundled 6.x, Node 24.0-24.3) don't, so for
 * requests we observe we also tap the request instance's `onBodySent` and `onData` /
 * `onResponseData` with pass-through wrappers. The first observed request of each undici copy
 * calibrates: when a channel fires for a chunk the tap already saw, that copy's `Request`
 * prototype is marked channel-capable and its later requests get no tap.
 */
import * as diagnosticsChannel from 'node:diagnostics_channel';

/** The part of undici's `Request` we read. Shapes vary by version: see docs/ARCHITECTURE.md. */
export interface UndiciRequest {
  origin?: unknown;
  path?: unknown;
  method?: unknown;
  headers?: unknown;
  body?: unknown;
  addHeader?: (name: string, value: string) => unknown;
}

export interface UndiciResponse {
  statusCode?: unknown;
  headers?: unknown;
  statusText?: unknown;
}

/** Receives one observed request's events, in order. */
export interface RequestObserver {
  onRequestBodyChunk(chunk: Uint8Array): void;
  onRequestBodyEnd(): void;
  onResponseHeaders(response: UndiciResponse): void;
  onResponseChunk(chunk: Uint8Array): void;
  onResponseEnd(): void;
  onError(error: unknown): void;
}

export interface ChannelHandlers {
  /** Called for every request undici creates; returns an observer to follow it, or undefined to ignore it. */
  onRequestCreated(request: UndiciRequest): RequestObserver | undefined;
  /** Every exception from our code ends here instead of reaching undici or the app. */
  onInternalError(error: unknown, observer: RequestObserver | undefined): void;
}

/** `bodyChunkSent` / `bodyChunkReceived`: `request` is what `create` published (a WeakMap key). */
interface ChunkMessage {
  request: object;
  chunk: unknown;
}

interface Followed {
  observer: RequestObserver;
  /** True while chunks come from the instance taps rather than the channels. */
  tapping: boolean;
}

const CHANNEL_CREATE = 'undici:request:create';
const CHANNEL_BODY_CHUNK_SENT = 'undici:request:bodyChunkSent';
const CHANNEL_BODY_SENT = 'undici:request:bodySent';
const CHANNEL_HEADERS = 'undici:request:headers';
const CHANNEL_BODY_CHUNK_RECEIVED = 'undici:request:bodyChunkReceived';
const CHANNEL_TRAILERS = 'undici:request:trailers';
const CHANNEL_ERROR = 'undici:request:error';

/** Request prototypes (one per undici copy) known to publish the body-chunk channels. */
const channelCapablePrototypes = new WeakSet<object>();

function firstBytes(args: ArrayLike<unknown>): Uint8Array | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg instanceof Uint8Array) return arg;
  }
  return undefined;
}

/**
 * Subscribes to undici's channels; returns the function that unsubscribes.
 * Every subscriber body runs inside one guard: a throwing subscriber would surface as an
 * `uncaughtException` in the app (documented undici behaviour), so nothing may escape.
 */
export function subscribeToUndici(handlers: ChannelHandlers): () => void {
  const followed = new WeakMap<object, Followed>();

  /** What a subscriber threw: the call it was following is dropped and reported. */
  const failed = (message: unknown, err: unknown): void => {
    try {
      const request = (message as { request?: object } | undefined)?.request;
      const observer = request ? followed.get(request)?.observer : undefined;
      if (request) followed.delete(request);
      handlers.onInternalError(err, observer);
    } catch {
      // The error reporter itself failed: there is nothing safe left to do.
    }
  };

  const guarded = (fn: (message: Record<string, unknown>) => void) => (message: unknown) => {
    try {
      fn(message as Record<string, unknown>);
    } catch (err) {
      failed(message, err);
    }
  };

  const installTaps = (request: object, entry: Followed) => {
    const proto = Object.getPrototypeOf(request) as Record<string, unknown> | null;
    if (!proto || channelCapablePrototypes.has(proto)) {
      entry.tapping = false;
      return;
    }
    entry.tapping = true;
    const target = request as Record<string, unknown>;
    const tap = (method: string, deliver: (chunk: Uint8Array) => void) => {
      const original = proto[method];
      if (typeof original !== 'function') return;
      // Own-property wrapper on this one instance: the prototype, and so every other request, stays untouched.
      // `arguments` with Reflect.apply, not rest parameters: no array is allocated per chunk.
      target[method] = function tapped(this: unknown) {
        // eslint-disable-next-line prefer-rest-params -- see above
        const args = arguments;
        if (entry.tapping) {
          try {
            const chunk = firstBytes(args);
            if (chunk) deliver(chunk);
          } catch (err) {
            entry.tapping = false;
            followed.delete(request);
            try {
              handlers.onInternalError(err, entry.observer);
            } catch {
              // see guarded()
            }
          }
        }
        return Reflect.apply(original as (...a: unknown[]) => unknown, this, args);
      };
    };
    tap('onBodySent', chunk => entry.observer.onRequestBodyChunk(chunk));
    tap(typeof proto.onResponseData === 'function' ? 'onResponseData' : 'onData', chunk =>
      entry.observer.onResponseChunk(chunk),
    );
  };

  /** A channel delivered a chunk: returns true when the channel (not the tap) is this request's source. */
  const fromChannel = (request: object, entry: Followed): boolean => {
    if (!entry.tapping) return true;
    // The tap runs before the prototype method that publishes, so it already has this chunk.
    const proto = Object.getPrototypeOf(request) as object | null;
    if (proto) channelCapablePrototypes.add(proto);
    entry.tapping = false;
    return false;
  };

  /**
   * A body chunk from a channel, to the request's observer. Not made by guarded(): closures made by
   * one function share their call-site feedback, and this is the hot path.
   */
  const onChunk = (message: unknown, received: boolean): void => {
    try {
      const { request, chunk } = message as ChunkMessage;
      const entry = followed.get(request);
      if (entry === undefined || !fromChannel(request, entry) || !(chunk instanceof Uint8Array)) return;
      if (received) entry.observer.onResponseChunk(chunk);
      else entry.observer.onRequestBodyChunk(chunk);
    } catch (err) {
      failed(message, err);
    }
  };

  const subscriptions: Array<[string, (message: unknown) => void]> = [
    [
      CHANNEL_CREATE,
      guarded(({ request }) => {
        if (!request || typeof request !== 'object') return;
        const observer = handlers.onRequestCreated(request as UndiciRequest);
        if (!observer) return;
        const entry: Followed = { observer, tapping: false };
        followed.set(request, entry);
        installTaps(request, entry);
      }),
    ],
    [CHANNEL_BODY_CHUNK_SENT, (message: unknown) => onChunk(message, false)],
    [
      CHANNEL_BODY_SENT,
      guarded(({ request }) => {
        followed.get(request as object)?.observer.onRequestBodyEnd();
      }),
    ],
    [
      CHANNEL_HEADERS,
      guarded(({ request, response }) => {
        followed.get(request as object)?.observer.onResponseHeaders((response ?? {}) as UndiciResponse);
      }),
    ],
    [CHANNEL_BODY_CHUNK_RECEIVED, (message: unknown) => onChunk(message, true)],
    [
      CHANNEL_TRAILERS,
      guarded(({ request }) => {
        const entry = followed.get(request as object);
        if (!entry) return;
        followed.delete(request as object);
        entry.tapping = false;
        // No longer in `followed`, so guarded() could not name the call: report with it here.
        try {
          entry.observer.onResponseEnd();
        } catch (err) {
          handlers.onInternalError(err, entry.observer);
        }
      }),
    ],
    [
      CHANNEL_ERROR,
      guarded(({ request, error }) => {
        const entry = followed.get(request as object);
        if (!entry) return;
        followed.delete(request as object);
        entry.tapping = false;
        try {
          entry.observer.onError(error);
        } catch (err) {
          handlers.onInternalError(err, entry.observer);
        }
      }),
    ],
  ];

  for (const [name, fn] of subscriptions) diagnosticsChannel.subscribe(name, fn);
  return () => {
    for (const [name, fn] of subscriptions) diagnosticsChannel.unsubscribe(name, fn);
  };
}

/**
 * Runs `fn` once, when undici starts writing this request (its `onRequestStart`, `onConnect` before
 * undici 8): after every `undici:request:create` subscriber, and before HTTP/1.1 headers are
 * serialised, so a header added with `addHeader` then is still sent (over HTTP/2, undici 8 builds
 * the headers first). An own-property wrapper on this instance only; what `fn` throws is dropped.
 * Returns false when this undici copy has neither method.
 */
export function beforeRequestStart(request: object, fn: () => void): boolean {
  const proto = Object.getPrototypeOf(request) as Record<string, unknown> | null;
  const method =
    typeof proto?.onRequestStart === 'function'
      ? 'onRequestStart'
      : typeof proto?.onConnect === 'function'
        ? 'onConnect'
        : undefined;
  if (!proto || !method) return false;
  const original = proto[method] as (...a: unknown[]) => unknown;
  const target = request as Record<string, unknown>;
  let pending = true;
  target[method] = function started(this: unknown) {
    if (pending) {
      pending = false;
      try {
        fn();
      } catch {
        // fn reports its own errors; a throw here would fail the app's request inside undici
      }
    }
    // eslint-disable-next-line prefer-rest-params -- as in installTaps: no array per call
    return Reflect.apply(original, this, arguments);
  };
  return true;
}
