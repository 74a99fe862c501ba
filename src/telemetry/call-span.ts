/*
 * Starting a call's CLIENT span. A traceparent injected into the request before us (an HTTP
 * instrumentation, or an SDK tracing its own call such as @anthropic-ai/sdk) names the span closest
 * to the wire: the call's span nests under it when it is in the caller's trace (or the caller has none).
 */
import { SpanKind, trace } from '@opentelemetry/api';
import type { Context, Span, SpanContext, Tracer } from '@opentelemetry/api';
import type { CallStart } from '../call/call';
import { spanName, startAttributes } from './span-attributes';

/** The parent of the call's span: the injected span context, or the caller's active context. */
export function callParentContext(activeContext: Context, injected: SpanContext | undefined): Context {
  const active = trace.getSpanContext(activeContext);
  return injected && (!active || active.traceId === injected.traceId) ? trace.setSpanContext(activeContext, injected) : activeContext;
}

/** The call's span, started at `startedAt` (performance.now() of the request's creation) under `parent`. */
export function startCallSpan(tracer: Tracer, start: CallStart, startedAt: number, parent: Context): Span {
  const route = start.route;
  return tracer.startSpan(
    spanName(route.operation, route.urlModel),
    {
      kind: SpanKind.CLIENT,
      startTime: performance.timeOrigin + startedAt,
      attributes: startAttributes(start, route.urlModel),
    },
    parent
  );
}
