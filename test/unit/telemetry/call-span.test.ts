/*
 * The parent of a call's span: a traceparent injected into the request before us when it belongs
 * to the caller's trace (or the caller has none), else the caller's active span.
 */
import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import type { SpanContext } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { callParentContext } from '../../../src/telemetry/call-span';

const spanContext = (traceId: string, spanId: string): SpanContext => ({ traceId, spanId, traceFlags: TraceFlags.SAMPLED, isRemote: false });
const CALLER = spanContext('a'.repeat(32), '1'.repeat(16));
const HTTP_SPAN = spanContext('a'.repeat(32), '2'.repeat(16));
const ELSEWHERE = spanContext('b'.repeat(32), '3'.repeat(16));
const callerContext = trace.setSpanContext(ROOT_CONTEXT, CALLER);

describe('callParentContext', () => {
  it('nests under the injected span when it is in the caller trace', () => {
    expect(trace.getSpanContext(callParentContext(callerContext, HTTP_SPAN))).toEqual(HTTP_SPAN);
  });

  it('nests under the injected span when the caller has no span', () => {
    expect(trace.getSpanContext(callParentContext(ROOT_CONTEXT, ELSEWHERE))).toEqual(ELSEWHERE);
  });

  it("keeps the caller's span when the injected one is from another trace, or there is none", () => {
    expect(callParentContext(callerContext, ELSEWHERE)).toBe(callerContext);
    expect(callParentContext(callerContext, undefined)).toBe(callerContext);
  });
});
