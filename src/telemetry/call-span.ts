/*
 * A call's CLIENT span, from its start to its end. A traceparent injected into the request before us (an HTTP
 * instrumentation, or an SDK tracing its own call such as @anthropic-ai/sdk) names the span closest
 * to the wire: the call's span nests under it when it is in the caller's trace (or the caller has none).
 */
import { propagation, SeverityNumber, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Context, Logger, Span, SpanContext, Tracer } from '@opentelemetry/api';
import type { CallOutcome, CallStart, FinishedCall } from '../call/call';
import { callOutcome } from '../call/outcome';
import { screenEchoes, screenedModel } from '../call/screen-echoes';
import { headerValue, requestStartHeaders, resendCountOf, secretHeaderValues } from '../http/headers';
import { lastTraceparent } from '../http/traceparent';
import type { SubstitutionCheck } from '../pricing/model-names';
import type { RequestInfo } from '../wire/types';
import { EVENT_GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS, inferenceDetailsAttributes } from './content-event';
import { ATTR_HTTP_REQUEST_RESEND_COUNT } from './semconv';
import { outcomeAttributes, requestAttributes, spanName, startAttributes } from './span-attributes';
import { insideSdkGenAiSpan, withoutUsage } from './span-usage';
import type { SpanUsageMode } from './span-usage';

/** The parent of the call's span: the injected span context, or the caller's active context. */
export function callParentContext(activeContext: Context, injected: SpanContext | undefined): Context {
  const active = trace.getSpanContext(activeContext);
  return injected && (!active || active.traceId === injected.traceId)
    ? trace.setSpanContext(activeContext, injected)
    : activeContext;
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
    parent,
  );
}

/** The request as undici holds it, as far as the span reads it (src/hook/undici-channels.ts has the whole). */
export interface SpanRequest {
  origin?: unknown;
  path?: unknown;
  headers?: unknown;
  addHeader?: (name: string, value: string) => unknown;
}

/** The call a span follows (src/hook/llm-call.ts). */
export interface SpanCall {
  readonly start: CallStart;
  /** performance.now() of the request's creation. */
  readonly startedAt: number;
  readonly request: RequestInfo | undefined;
}

/** The settings a call's span reads (src/config.ts). */
export interface CallSpanSettings {
  readonly spanUsage: SpanUsageMode;
  readonly contentOnSpans: boolean;
  readonly contentOnEvents: boolean;
  readonly maxContentAttributeLength: number;
}

/** What every call's span shares with the instrumentation: asked on each use, so a new config or provider applies. */
export interface CallSpanHost {
  tracer(): Tracer;
  logger(): Logger;
  settings(): CallSpanSettings;
  readonly substitutions: SubstitutionCheck;
  /** The user's requestHook, when the span starts. */
  requestHook(span: Span, start: CallStart, requestModel: string | undefined): void;
  /** The user's responseHook, before the span ends. */
  responseHook(span: Span, start: CallStart, requestModel: string | undefined, outcome: CallOutcome): void;
  /** Adds the call's cost to the outcome (src/call/call-pricing.ts). */
  price(outcome: CallOutcome): void;
  /** An error of ours that spared the span (the call's own failures go through the caller of the method). */
  onInternalError(error: unknown): void;
}

/** The status description of a span whose call our own code failed on (the diag log has the error). */
const INTERNAL_ERROR_STATUS = 'otel-llm-relay internal error: this span is incomplete (the call itself was unaffected)';

/**
 * One call's CLIENT span, from its start (at the request's creation, or deferred to when undici
 * starts writing it: see LlmRelayInstrumentation) to its end with the call's outcome.
 */
export class CallSpan {
  readonly #host: CallSpanHost;
  readonly #call: SpanCall;
  readonly #request: SpanRequest;
  readonly #activeContext: Context;
  /** Started by `start`, or by the first event that needs it. */
  #span: Span | undefined;
  /** The request's traceparent header as read when the span started (undefined: none). */
  #traceparent: string | undefined;
  /** The call runs inside another layer's GenAI span (see span-usage.ts); only read when the option asks. */
  #insideSdkSpan: boolean | undefined;
  /** The SDK's retry count of this attempt, when above 0 (read with the traceparent). */
  #resendCount: number | undefined;
  /** The values of the request's secret headers (read with the traceparent), to screen the response against. */
  #secrets: readonly string[] | undefined;

  constructor(host: CallSpanHost, call: SpanCall, request: SpanRequest, activeContext: Context) {
    this.#host = host;
    this.#call = call;
    this.#request = request;
    this.#activeContext = activeContext;
  }

  /** Starts the span if not yet, and injects its context into the request when `propagate` asks. */
  start(propagate: boolean): void {
    const span = this.#spanNow();
    if (propagate) this.#propagate(span);
  }

  /** The request's model, read from its body: the span's name and request attributes. */
  requestParsed(request: RequestInfo): void {
    const span = this.#spanNow();
    const model = request.model ?? this.#call.start.route.urlModel;
    span.updateName(spanName(this.#call.start.route.operation, model));
    const settings = this.#host.settings();
    span.setAttributes(
      requestAttributes({ ...request, model }, settings.contentOnSpans, settings.maxContentAttributeLength),
    );
  }

  /** The response model named so far, as metrics may show it mid-stream: undefined when it echoes the request's credentials. */
  shownResponseModel(model: string | undefined): string | undefined {
    const call = this.#call;
    const request = this.#request;
    // The span started when the request was sent, with the secret headers' values.
    const secrets = this.#span === undefined ? secretHeaderValues(request.headers) : this.#secrets;
    return screenedModel(model, secrets, requestPath(request), call.request?.model ?? call.start.route.urlModel);
  }

  /** Ends the span with the call's outcome (priced), which the metrics record next. */
  finish(finished: FinishedCall): CallOutcome {
    const host = this.#host;
    const settings = host.settings();
    // Started now if not yet: its start reads the resend count.
    const span = this.#spanNow();
    const request = this.#request;
    const outcome = callOutcome(finished, {
      screen: (response, requestModel) => screenEchoes(response, this.#secrets, requestPath(request), requestModel),
      substitutions: host.substitutions,
      resendCount: this.#resendCount,
    });
    try {
      try {
        host.price(outcome);
      } catch (err) {
        host.onInternalError(err);
      }
      const attributes = outcomeAttributes(outcome, settings.contentOnSpans, settings.maxContentAttributeLength);
      const usageElsewhere =
        settings.spanUsage === 'never' || (settings.spanUsage === 'unless-sdk-span' && this.#insideSdkSpan === true);
      span.setAttributes(usageElsewhere ? withoutUsage(attributes) : attributes);
      if (settings.contentOnEvents) this.#emitDetailsEvent(outcome, span, finished.endedAt);
      if (outcome.errorType !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.errorType });
      host.responseHook(span, this.#call.start, outcome.request.model, outcome);
    } finally {
      // Whatever failed above, the span ends (the caller never sees it).
      span.end(performance.timeOrigin + finished.endedAt);
    }
    return outcome;
  }

  /** Our own code failed on the call: the span (started now if not yet) ends as an error, so the failed call still shows. */
  failInternally(): void {
    try {
      const span = this.#spanNow();
      // Without a status the span would read as a success; its attributes are only what was read so far.
      span.setStatus({ code: SpanStatusCode.ERROR, message: INTERNAL_ERROR_STATUS });
      span.end();
    } catch {
      // a broken tracer must not hurt the app either
      try {
        this.#span?.end();
      } catch {
        // see above
      }
    }
  }

  /** The span, started on first use: under a traceparent injected before us, when there is one. */
  #spanNow(): Span {
    if (this.#span) return this.#span;
    const call = this.#call;
    const host = this.#host;
    const startHeaders = requestStartHeaders(this.#request.headers);
    this.#traceparent = startHeaders.traceparent;
    this.#secrets = startHeaders.secrets;
    const injected = lastTraceparent(this.#traceparent);
    const span = startCallSpan(
      host.tracer(),
      call.start,
      call.startedAt,
      callParentContext(this.#activeContext, injected),
    );
    this.#span = span;
    if (host.settings().spanUsage === 'unless-sdk-span') {
      this.#insideSdkSpan = insideSdkGenAiSpan(
        trace.getSpan(this.#activeContext),
        injected !== undefined,
        headerValue(this.#request.headers, 'user-agent'),
      );
    }
    // An SDK's retry: its attempt number on the span (HTTP semconv), and the call counts in llm_relay.retries.
    this.#resendCount = resendCountOf(startHeaders.retryCount);
    if (this.#resendCount !== undefined) span.setAttribute(ATTR_HTTP_REQUEST_RESEND_COUNT, this.#resendCount);
    host.requestHook(span, call.start, call.request?.model ?? call.start.route.urlModel);
    return span;
  }

  /** Injects the span's context into the request, unless a traceparent was there when the span started. */
  #propagate(span: Span): void {
    const request = this.#request;
    if (this.#traceparent !== undefined || typeof request.addHeader !== 'function') return;
    try {
      const carrier: Record<string, string> = {};
      propagation.inject(trace.setSpan(this.#activeContext, span), carrier);
      for (const [name, value] of Object.entries(carrier)) request.addHeader.call(request, name, value);
    } catch (err) {
      // E.g. a propagator value undici refuses as a header: the call is still followed, just not propagated.
      this.#host.onInternalError(err);
    }
  }

  /** Content as the `gen_ai.client.inference.operation.details` event, in the span's context (content-event.ts). */
  #emitDetailsEvent(outcome: CallOutcome, span: Span, endedAt: number): void {
    try {
      this.#host.logger().emit({
        eventName: EVENT_GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS,
        timestamp: performance.timeOrigin + endedAt,
        severityNumber: SeverityNumber.INFO,
        context: trace.setSpan(this.#activeContext, span),
        attributes: inferenceDetailsAttributes(outcome, this.#host.settings().maxContentAttributeLength),
      });
    } catch (err) {
      this.#host.onInternalError(err);
    }
  }
}

/** The request's path and query as undici holds it, credentials and all: for screening only. */
function requestPath(request: SpanRequest): string {
  return typeof request.path === 'string' ? request.path : '';
}
