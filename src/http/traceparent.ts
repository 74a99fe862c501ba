/*
 * Reading a W3C traceparent header value, as undici holds it: repeated headers are joined with
 * ", ", so the value may hold several; the last valid one is the one injected closest to the wire.
 */

/** A W3C trace context as the header carries it (the shape of OpenTelemetry's SpanContext). */
export interface TraceparentContext {
  traceId: string;
  spanId: string;
  traceFlags: number;
  isRemote: false;
}

const TRACEPARENT = /00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})/g;
const INVALID_TRACE_ID = '0'.repeat(32);
const INVALID_SPAN_ID = '0'.repeat(16);

/** The last valid version-00 traceparent in a header value (all-zero ids are invalid), or undefined. */
export function lastTraceparent(value: string | undefined): TraceparentContext | undefined {
  if (value === undefined) return undefined;
  let found: TraceparentContext | undefined;
  for (const [, traceId, spanId, flags] of value.toLowerCase().matchAll(TRACEPARENT)) {
    if (traceId === INVALID_TRACE_ID || spanId === INVALID_SPAN_ID) continue;
    found = { traceId: traceId!, spanId: spanId!, traceFlags: parseInt(flags!, 16), isRemote: false };
  }
  return found;
}
