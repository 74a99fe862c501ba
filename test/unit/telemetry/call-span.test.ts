/*
 * The parent of a call's span: a traceparent injected into the request before us when it belongs
 * to the caller's trace (or the caller has none), else the caller's active span. A call's span
 * (CallSpan): started on first use, propagated unless someone injected first, ended by the outcome
 * or as an internal error.
 */
import { propagation, ROOT_CONTEXT, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api';
import type { Logger, SpanContext } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SubstitutionCheck } from '../../../src/pricing/model-names';
import { CallSpan, callParentContext } from '../../../src/telemetry/call-span';
import type { CallSpanHost, CallSpanSettings, SpanRequest } from '../../../src/telemetry/call-span';
import { CHAT_CALL_START, finishedCall } from '../../support/calls';

const spanContext = (traceId: string, spanId: string): SpanContext => ({
  traceId,
  spanId,
  traceFlags: TraceFlags.SAMPLED,
  isRemote: false,
});
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

describe('CallSpan', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  beforeAll(() => propagation.setGlobalPropagator(new W3CTraceContextPropagator()));
  afterAll(() => propagation.disable());

  const settings: CallSpanSettings = {
    spanUsage: 'always',
    contentOnSpans: false,
    contentOnEvents: false,
    maxContentAttributeLength: 1000,
  };
  function callSpan(request: SpanRequest, overrides: Partial<CallSpanSettings> = {}) {
    exporter.reset();
    const errors: unknown[] = [];
    const requestHooks: string[] = [];
    const host: CallSpanHost = {
      tracer: () => provider.getTracer('test'),
      logger: (): Logger => ({ emit: () => undefined, enabled: () => false }),
      settings: () => ({ ...settings, ...overrides }),
      substitutions: new SubstitutionCheck(),
      requestHook: (_span, _start, model) => requestHooks.push(String(model)),
      responseHook: () => undefined,
      price: () => undefined,
      onInternalError: error => errors.push(error),
    };
    const call = { start: CHAT_CALL_START, startedAt: performance.now(), request: undefined };
    return { span: new CallSpan(host, call, request, callerContext), errors, requestHooks };
  }
  const ended = () => exporter.getFinishedSpans();

  it('injects its own traceparent when the request has none; the requestHook runs once, at its start', () => {
    const added: string[][] = [];
    const { span, requestHooks } = callSpan({ headers: [], addHeader: (name, value) => added.push([name, value]) });
    span.start(true);
    span.requestParsed({ model: 'gpt-4.1', stream: false, params: {} });
    span.finish(finishedCall());
    expect(ended()).toHaveLength(1);
    const { traceId, spanId } = ended()[0]!.spanContext();
    expect(traceId).toBe(CALLER.traceId);
    expect(added).toEqual([['traceparent', `00-${traceId}-${spanId}-01`]]);
    expect(requestHooks).toEqual(['undefined']);
  });

  it('nests under a traceparent found when it starts, and injects none', () => {
    const added: string[][] = [];
    const { span } = callSpan({
      headers: ['traceparent', `00-${HTTP_SPAN.traceId}-${HTTP_SPAN.spanId}-01`],
      addHeader: (name, value) => added.push([name, value]),
    });
    span.start(true);
    span.finish(finishedCall());
    expect(ended()[0]!.parentSpanContext?.spanId).toBe(HTTP_SPAN.spanId);
    expect(added).toEqual([]);
  });

  it('starts on its first event when not started: named by the request body, ended with the outcome at its end time', () => {
    const { span } = callSpan({ headers: [] });
    span.requestParsed({ model: 'gpt-4.1', stream: false, params: {} });
    span.finish(
      finishedCall({
        response: { responseModel: 'gpt-4.1-x', finishReasons: ['stop'], usage: { inputTokens: 3, outputTokens: 1 } },
      }),
    );
    const [finished] = ended();
    expect(finished!.name).toBe('chat gpt-4.1');
    expect(finished!.attributes).toMatchObject({ 'gen_ai.request.model': 'gpt-4.1', 'gen_ai.usage.input_tokens': 3 });
    expect(finished!.status.code).toBe(SpanStatusCode.UNSET);
  });

  it("leaves the usage to another layer's span when spanUsage is never", () => {
    const { span } = callSpan({ headers: [] }, { spanUsage: 'never' });
    span.finish(finishedCall());
    expect(ended()[0]!.attributes['gen_ai.usage.input_tokens']).toBeUndefined();
  });

  it('ends as an internal error, started now if it was not', () => {
    const { span } = callSpan({ headers: [] });
    span.failInternally();
    expect(ended()).toHaveLength(1);
    expect(ended()[0]!.status).toMatchObject({
      code: SpanStatusCode.ERROR,
      message: expect.stringMatching(/internal error/),
    });
  });

  it('keeps a header undici refuses from the call: the error goes to the host, the span goes on', () => {
    const { span, errors } = callSpan({
      headers: [],
      addHeader: () => {
        throw new Error('invalid header');
      },
    });
    span.start(true);
    span.finish(finishedCall());
    expect(errors).toHaveLength(1);
    expect(ended()).toHaveLength(1);
  });
});
