import * as diagnosticsChannel from 'node:diagnostics_channel';
import { context, propagation, SeverityNumber, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Attributes, Context, Span, SpanContext } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import { InstrumentationBase, safeExecuteInTheMiddle } from '@opentelemetry/instrumentation';
import { resolveConfig } from './config';
import { loadPriceBook } from './config/load-pricing-file';
import type { ResolvedConfig } from './config';
import { LlmCall } from './hook/llm-call';
import type { FinishedCall, LlmCallListener } from './hook/llm-call';
import { RelayMatcher } from './hook/relay-matcher';
import { beforeRequestStart, subscribeToUndici } from './hook/undici-channels';
import type { RequestObserver, UndiciRequest } from './hook/undici-channels';
import { echoesCredential, headerValue, redactUrl, requestCredentials, requestStartHeaders, resendCountOf } from './http/headers';
import { resolveCallCost } from './pricing/cost';
import { isSubstitution } from './pricing/model-names';
import { PriceBook } from './pricing/price-book';
import {
  outcomeAttributes,
  requestAttributes,
  spanName,
  startAttributes,
  withoutEchoes,
} from './telemetry/call-outcome';
import type { CallOutcome, CallStart } from './telemetry/call-outcome';
import { LlmMetrics } from './telemetry/metrics';
import { ATTR_HTTP_REQUEST_RESEND_COUNT } from './telemetry/semconv';
import { parseRateLimitHeaders } from './telemetry/rate-limit-headers';
import { UnknownRouteLog } from './telemetry/unknown-routes';
import { HookAttributeGuard } from './telemetry/hook-attribute-guard';
import { insideSdkGenAiSpan, withoutUsage } from './telemetry/span-usage';
import { EVENT_GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS, inferenceDetailsAttributes } from './telemetry/content-event';
import type { LlmCallInfo, LlmRelayInstrumentationConfig } from './types';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version';
import { providerName } from './wire/provider';
import { matchRoute } from './wire/routes';
import type { RequestInfo, ResponseInfo } from './wire/types';
import { PROBE_CONTEXT_KEY } from './probe/probe-context';
import { createRelayProbe } from './probe/relay-probe';
import type { RelayProbe } from './probe/relay-probe';

/** At most this many internal errors are written to the diag log; then one line says the rest are muted. */
const MAX_LOGGED_INTERNAL_ERRORS = 10;
/** The status description of a span whose call our own code failed on (the diag log has the error). */
const INTERNAL_ERROR_STATUS = 'otel-llm-relay internal error: this span is incomplete (the call itself was unaffected)';

interface CallState {
  /**
   * Started at `create`, or at the call's next event when an HTTP instrumentation that subscribed
   * after us has yet to inject its traceparent: then our span nests under its HTTP span.
   */
  span: Span | undefined;
  request: UndiciRequest;
  activeContext: Context;
  /** The request's traceparent header as read when the span started (undefined: none). */
  traceparent?: string;
  /** The call runs inside another layer's GenAI span (see spanUsage); only read when the option asks. */
  insideSdkSpan?: boolean;
  /** The SDK's retry count of this attempt, when above 0 (read with the traceparent). */
  resendCount?: number;
}

/**
 * Observes every HTTP request undici makes (Node's `fetch` and the `undici` package) to an LLM API
 * relay, and turns each into a GenAI CLIENT span and GenAI, cost and rate-limit metrics.
 */
export class LlmRelayInstrumentation extends InstrumentationBase<LlmRelayInstrumentationConfig> {
  // `declare`: the base constructor calls enable() and _updateMetricInstruments() before field
  // initialisers would run, and initialisers would then wipe what they set.
  declare private _unsubscribe: (() => void) | undefined;
  declare private _metrics: LlmMetrics | undefined;
  declare private _resolved: ResolvedConfig | undefined;
  declare private _matcher: RelayMatcher | undefined;
  declare private _priceBook: PriceBook | undefined;
  declare private _calls: Map<LlmCall, CallState> | undefined;
  declare private _sweeper: NodeJS.Timeout | undefined;
  declare private _internalErrors: number | undefined;
  declare private _unpricedLogged: Set<string> | undefined;
  declare private _listener: LlmCallListener | undefined;
  declare private _probe: RelayProbe | undefined;
  declare private _unknownRoutes: UnknownRouteLog | undefined;
  declare private _notPropagatedLogged: boolean | undefined;
  declare private _hookAttributeGuard: HookAttributeGuard | undefined;
  /** False after disable(): no new calls are followed, but calls in flight still end their spans. */
  declare private _accepting: boolean | undefined;

  constructor(config: LlmRelayInstrumentationConfig = {}) {
    super(PACKAGE_NAME, PACKAGE_VERSION, config);
  }

  protected init(): void {
    // Nothing to patch: everything comes through diagnostics channels.
  }

  /** The whole new config applies from now on: everything derived from the old one is rebuilt. */
  override setConfig(config: LlmRelayInstrumentationConfig = {}): void {
    super.setConfig(config);
    this._resolved = undefined;
    this._priceBook = undefined;
    this._matcher = undefined;
    this._hookAttributeGuard = undefined;
    // The metric instruments' model cap (maxModelsPerMetric); the base constructor calls setConfig before it has a meter.
    if (this._metrics) this._updateMetricInstruments();
    // The sweeper's period and threshold come from idleTimeoutMs.
    if (this._sweeper) {
      clearInterval(this._sweeper);
      this._sweeper = undefined;
      this._ensureSweeper();
    }
    if (this._accepting) this._prices();
    this._probe?.stop();
    this._probe = undefined;
    if (this._accepting) this._startProbe();
  }

  override enable(): void {
    super.enable();
    this._accepting = true;
    this._calls ??= new Map();
    this._unsubscribe ??= subscribeToUndici({
      onRequestCreated: request => this._onRequestCreated(request),
      onInternalError: (error, observer) => this._onInternalError(error, observer as LlmCall | undefined),
    });
    // Read the pricing file now: problems show at start-up, and no file is read on a request's path.
    this._prices();
    this._startProbe();
  }

  override disable(): void {
    super.disable();
    this._accepting = false;
    this._probe?.stop();
    // Calls in flight keep their subscription and the idle sweeper until they end: their spans still close.
    this._releaseWhenIdle();
  }

  /** After disable(), unsubscribes once the last call in flight has ended. */
  private _releaseWhenIdle(): void {
    if (this._accepting || (this._calls?.size ?? 0) > 0) return;
    this._unsubscribe?.();
    this._unsubscribe = undefined;
    if (this._sweeper) clearInterval(this._sweeper);
    this._sweeper = undefined;
  }

  private _startProbe(): void {
    this._probe ??= createRelayProbe(this.getConfig().probe, process.env, this.meter, this._diag);
    this._probe?.start();
  }

  protected override _updateMetricInstruments(): void {
    // Under NodeSDK the meter provider arrives after enable(): the probe follows it.
    this._probe?.setMeter(this.meter);
    this._metrics = new LlmMetrics(this.meter, this._settings().maxModelsPerMetric, (what, value) =>
      this._diag.warn(
        `more than ${this._settings().maxModelsPerMetric} distinct ${what} values: "${value}" and later new ones ` +
          'are recorded as _OTHER in metrics (raise maxModelsPerMetric if this is expected)'
      )
    );
  }

  /** Bounds the metricAttributesHook's labels like model names (src/telemetry/hook-attribute-guard.ts). */
  private _hookGuard(): HookAttributeGuard {
    const max = this._settings().maxModelsPerMetric;
    this._hookAttributeGuard ??= new HookAttributeGuard(max, (what, value) =>
      this._diag.warn(
        `more than ${max} distinct ${what} values: "${value}" and later new ones are recorded as _OTHER ` +
          '(or, for keys, left out) in metrics; keep metricAttributesHook values low-cardinality'
      )
    );
    return this._hookAttributeGuard;
  }

  /** One diag line per unknown route shape on a configured relay host (src/telemetry/unknown-routes.ts). */
  private _noteUnknownRoute(host: string, path: string): void {
    this._unknownRoutes ??= new UnknownRouteLog();
    const line = this._unknownRoutes.note('POST', host, path);
    if (line !== undefined) this._diag.warn(line);
  }

  private _settings(): ResolvedConfig {
    this._resolved ??= resolveConfig(this.getConfig(), process.env, message => this._diag.warn(message));
    return this._resolved;
  }

  private _prices(): PriceBook {
    this._priceBook ??= loadPriceBook(this._settings().pricingFile, this.getConfig().pricing, this._diag);
    return this._priceBook;
  }

  private _callListener(): LlmCallListener {
    this._listener ??= {
      onRequestParsed: (call, request) => this._onRequestParsed(call, request),
      onChunkGaps: (call, gaps, count) => {
        if (!this._metrics) return;
        const models = { requestModel: this._requestModel(call), responseModel: call.responseModel };
        this._metrics.recordChunkGaps(gaps, count, this._metrics.baseAttributes(call.start, models, this._hookAttributes(call)));
      },
      onFinished: (call, finished) => this._onFinished(call, finished),
      onInternalError: (call, error) => this._onInternalError(error, call),
    };
    return this._listener;
  }

  // 1st event of every request: decide whether it is a relay call, start its span.
  private _onRequestCreated(request: UndiciRequest): RequestObserver | undefined {
    // LLM API calls are POSTs; this keeps every other request at one comparison.
    if (request.method !== 'POST' || !this._accepting) return undefined;
    const config = this._settings();
    let origin = String(request.origin ?? '');
    let path = typeof request.path === 'string' ? request.path : '';
    if (path.startsWith('http://') || path.startsWith('https://')) {
      // Through an HTTP proxy the path is the absolute target URL.
      try {
        const target = new URL(path);
        origin = target.origin;
        path = target.pathname + target.search;
      } catch {
        return undefined;
      }
    }
    this._matcher ??= new RelayMatcher(config.relayHosts);
    const server = this._matcher.match(origin);
    if (!server) return undefined;
    const route = matchRoute('POST', path);
    if (!route) {
      // Only hosts the user named: by default every host is a candidate and the route decides.
      if (config.relayHosts) this._noteUnknownRoute(server.address, path);
      return undefined;
    }
    const activeContext = context.active();
    if (isTracingSuppressed(activeContext)) return undefined;

    const probeKind = activeContext.getValue(PROBE_CONTEXT_KEY);
    const start: CallStart = {
      method: 'POST',
      url: redactUrl(origin + path),
      route,
      provider: providerName(server.address, route.format),
      serverAddress: server.address,
      serverPort: server.port,
      probe: typeof probeKind === 'string' ? probeKind : undefined,
    };

    const call = new LlmCall(
      start,
      performance.now(),
      { captureContent: config.captureMessageContent, maxContentLength: config.maxContentLength },
      this._callListener()
    );
    const state: CallState = { span: undefined, request, activeContext };
    this._calls!.set(call, state);
    this._ensureSweeper();
    // Another HTTP instrumentation (e.g. @opentelemetry/instrumentation-undici) subscribes to
    // sendHeaders; if it subscribed after us, it injects its traceparent only after this returns.
    // Starting our span later lets it nest under that HTTP span whatever the order. The subscriber
    // may also inject nothing (undici's debug logger under NODE_DEBUG=undici or fetch): so the span
    // starts, and ours is injected if still none is there, when undici starts writing the request.
    if (diagnosticsChannel.hasSubscribers('undici:client:sendHeaders')) {
      if (config.propagateContext && !beforeRequestStart(request, () => this._startAndPropagate(call, state))) {
        this._noteNotPropagated();
      }
      return call;
    }
    let span: Span;
    try {
      span = this._spanOf(call, state);
    } catch (err) {
      this._calls!.delete(call);
      throw err;
    }
    if (config.propagateContext) this._propagate(span, state);
    return call;
  }

  /** The deferred start (see _onRequestCreated): runs inside undici's own call, so nothing may throw. */
  private _startAndPropagate(call: LlmCall, state: CallState): void {
    if (!this._calls?.has(call)) return;
    let span: Span;
    try {
      span = this._spanOf(call, state);
    } catch (err) {
      this._onInternalError(err, call);
      return;
    }
    this._propagate(span, state);
  }

  /** Injects the span's context into the request, unless a traceparent was there when the span started. */
  private _propagate(span: Span, state: CallState): void {
    const request = state.request;
    if (state.traceparent !== undefined || typeof request.addHeader !== 'function') return;
    try {
      const carrier: Record<string, string> = {};
      propagation.inject(trace.setSpan(state.activeContext, span), carrier);
      for (const [name, value] of Object.entries(carrier)) request.addHeader.call(request, name, value);
    } catch (err) {
      // E.g. a propagator value undici refuses as a header: the call is still followed, just not propagated.
      this._onInternalError(err, undefined);
    }
  }

  /** Said once: an undici copy too unlike the known ones to inject a traceparent after other subscribers. */
  private _noteNotPropagated(): void {
    if (this._notPropagatedLogged) return;
    this._notPropagatedLogged = true;
    this._diag.warn(
      'propagateContext: this undici version offers no point to inject a traceparent after other ' +
        'undici:client:sendHeaders subscribers (e.g. NODE_DEBUG=undici); relay calls carry none unless another instrumentation injects it'
    );
  }

  /** The call's span, started on first use (see CallState.span). */
  private _spanOf(call: LlmCall, state: CallState): Span {
    if (state.span) return state.span;
    // A traceparent injected before us (an HTTP instrumentation, or an SDK tracing its own call such
    // as @anthropic-ai/sdk) names the span closest to the wire: nest under it, in the same trace.
    const startHeaders = requestStartHeaders(state.request.headers);
    state.traceparent = startHeaders.traceparent;
    const injected = lastTraceparent(state.traceparent);
    const active = trace.getSpanContext(state.activeContext);
    const parentContext =
      injected && (!active || active.traceId === injected.traceId)
        ? trace.setSpanContext(state.activeContext, injected)
        : state.activeContext;
    const route = call.start.route;
    const span = this.tracer.startSpan(
      spanName(route.operation, route.urlModel),
      {
        kind: SpanKind.CLIENT,
        startTime: performance.timeOrigin + call.startedAt,
        attributes: startAttributes(call.start, route.urlModel),
      },
      parentContext
    );
    state.span = span;
    if (this._settings().spanUsage === 'unless-sdk-span') {
      state.insideSdkSpan = insideSdkGenAiSpan(
        trace.getSpan(state.activeContext),
        injected !== undefined,
        headerValue(state.request.headers, 'user-agent')
      );
    }
    // An SDK's retry: its attempt number on the span (HTTP semconv), and the call counts in llm_relay.retries.
    state.resendCount = resendCountOf(startHeaders.retryCount);
    if (state.resendCount !== undefined) span.setAttribute(ATTR_HTTP_REQUEST_RESEND_COUNT, state.resendCount);
    this._runHook('requestHook', span, call);
    return span;
  }

  private _onRequestParsed(call: LlmCall, request: RequestInfo): void {
    const state = this._calls?.get(call);
    if (!state) return;
    const span = this._spanOf(call, state);
    const model = request.model ?? call.start.route.urlModel;
    span.updateName(spanName(call.start.route.operation, model));
    const settings = this._settings();
    span.setAttributes(
      requestAttributes({ ...request, model }, settings.contentOnSpans, settings.maxContentAttributeLength)
    );
  }

  private _requestModel(call: LlmCall): string | undefined {
    return call.request?.model ?? call.start.route.urlModel;
  }

  private _onFinished(call: LlmCall, finished: FinishedCall): void {
    const state = this._calls?.get(call);
    if (!state) return;
    this._calls!.delete(call);
    const config = this._settings();
    const requestModel = finished.request.model ?? call.start.route.urlModel;
    const status = finished.statusCode;
    const failed =
      finished.transportError !== undefined ||
      finished.bodyProblem !== undefined ||
      (status !== undefined && status >= 400) ||
      finished.response?.error !== undefined;
    // A relay may echo the caller's key into an error body; only failed calls pay for the check.
    const response = failed && finished.response ? screenEchoes(finished.response, state.request) : finished.response;
    const responseModel = response?.responseModel;
    // Already a bounded label (src/wire/errors.ts), like every error class the codecs report.
    const vendorErrorType = response?.error?.type;
    const errorType =
      finished.transportError ??
      (status !== undefined && status >= 400 ? String(status) : undefined) ??
      vendorErrorType ??
      finished.bodyProblem;

    const outcome: CallOutcome = {
      ...finished.start,
      request: { ...finished.request, model: requestModel },
      response,
      statusCode: status,
      errorType,
      vendorErrorType,
      retryAfterHeader: finished.headers.get('retry-after'),
      timeToFirstChunk:
        finished.firstChunkAt !== undefined && (finished.request.stream || call.start.route.urlStream)
          ? (finished.firstChunkAt - finished.startedAt) / 1000
          : undefined,
      unpriced: false,
      substituted: isSubstitution(requestModel, responseModel),
    };
    const span = this._spanOf(call, state);
    if (state.resendCount !== undefined) outcome.resendCount = state.resendCount;
    try {
      try {
        this._price(outcome);
      } catch (err) {
        this._onInternalError(err, undefined);
      }
      const attributes = outcomeAttributes(outcome, config.contentOnSpans, config.maxContentAttributeLength);
      const usageElsewhere = config.spanUsage === 'never' || (config.spanUsage === 'unless-sdk-span' && state.insideSdkSpan === true);
      span.setAttributes(usageElsewhere ? withoutUsage(attributes) : attributes);
      if (config.contentOnEvents) this._emitDetailsEvent(outcome, span, state, finished.endedAt);
      if (errorType !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: errorType });
      this._runHook('responseHook', span, call, outcome);
    } finally {
      // Whatever failed above, the span ends and the call is released (the caller never sees it).
      span.end(performance.timeOrigin + finished.endedAt);
      this._releaseWhenIdle();
    }

    if (this._metrics) {
      const extra = this._hookAttributes(call, outcome);
      const base = this._metrics.baseAttributes(call.start, { requestModel, responseModel }, extra);
      this._metrics.recordCall(outcome, (finished.endedAt - finished.startedAt) / 1000, base);
      if (finished.chunkGaps) this._metrics.recordChunkGaps(finished.chunkGaps, finished.chunkGaps.length, base);
      const readings = parseRateLimitHeaders(finished.headers);
      // Headroom is a property of the relay and the requested model, whatever model answered.
      if (readings.length > 0) {
        this._metrics.recordRateLimits(readings, this._metrics.baseAttributes(call.start, { requestModel }, extra));
      }
    }
  }

  /** Content as the `gen_ai.client.inference.operation.details` event, in the span's context (src/telemetry/content-event.ts). */
  private _emitDetailsEvent(outcome: CallOutcome, span: Span, state: CallState, endedAt: number): void {
    try {
      this.logger.emit({
        eventName: EVENT_GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS,
        timestamp: performance.timeOrigin + endedAt,
        severityNumber: SeverityNumber.INFO,
        context: trace.setSpan(state.activeContext, span),
        attributes: inferenceDetailsAttributes(outcome, this._settings().maxContentAttributeLength),
      });
    } catch (err) {
      this._onInternalError(err, undefined);
    }
  }

  /** The metricAttributesHook's extra attributes for a call's metric points (undefined when none or it threw). */
  private _hookAttributes(call: LlmCall, outcome?: CallOutcome): Attributes | undefined {
    const hook = this.getConfig().metricAttributesHook;
    if (!hook) return undefined;
    const info = this._callInfo(call, outcome);
    const attributes =
      safeExecuteInTheMiddle(
        () => hook(info),
        e => e && this._diag.error('metricAttributesHook threw:', e),
        true
      ) ?? undefined;
    return this._hookGuard().cap(attributes);
  }

  /** Cost: what the relay reported wins; else the price table; else the call counts as unpriced. */
  private _price(outcome: CallOutcome): void {
    const response = outcome.response;
    if (!response) return;
    const usage = response.usage;
    const hasUsage = usage.inputTokens !== undefined || usage.outputTokens !== undefined;
    if (!hasUsage && response.reportedCostUsd === undefined) return;
    const host = `${outcome.serverAddress}:${outcome.serverPort}`;
    const prices = this._prices();
    // The answering model is what was billed; the requested one is the fallback (e.g. an Azure deployment name).
    const found = prices.lookup(response.responseModel, host) ?? prices.lookup(outcome.request.model, host);
    outcome.cost = resolveCallCost(usage, found?.price, response.reportedCostUsd);
    if (outcome.cost || found) return;
    outcome.unpriced = true;
    const model = response.responseModel ?? outcome.request.model ?? '(none)';
    this._unpricedLogged ??= new Set();
    if (!this._unpricedLogged.has(model) && this._unpricedLogged.size < 100) {
      this._unpricedLogged.add(model);
      this._diag.warn(
        `no price for model "${model}": its calls are counted in llm_relay.cost.unpriced; ` +
          'add it with a pricing file (OTEL_LLM_RELAY_PRICING)'
      );
    }
  }

  private _callInfo(call: LlmCall, outcome?: CallOutcome): LlmCallInfo {
    return {
      method: call.start.method,
      url: call.start.url,
      operation: call.start.route.operation,
      requestModel: outcome?.request.model ?? this._requestModel(call),
      responseModel: outcome?.response?.responseModel,
      statusCode: outcome?.statusCode,
      errorType: outcome?.errorType,
      probe: call.start.probe,
    };
  }

  private _runHook(name: 'requestHook' | 'responseHook', span: Span, call: LlmCall, outcome?: CallOutcome): void {
    const hook = this.getConfig()[name];
    if (!hook) return;
    safeExecuteInTheMiddle(
      () => hook(span, this._callInfo(call, outcome)),
      e => e && this._diag.error(`${name} threw:`, e),
      true
    );
  }

  private _onInternalError(error: unknown, call: LlmCall | undefined): void {
    this._internalErrors = (this._internalErrors ?? 0) + 1;
    if (this._internalErrors <= MAX_LOGGED_INTERNAL_ERRORS) {
      this._diag.error('internal error while observing a relay call (the call itself is unaffected):', error);
      if (this._internalErrors === MAX_LOGGED_INTERNAL_ERRORS) {
        this._diag.error(`further internal errors are not logged (${MAX_LOGGED_INTERNAL_ERRORS} so far)`);
      }
    }
    if (!call) return;
    call.drop();
    const state = this._calls?.get(call);
    this._calls?.delete(call);
    this._releaseWhenIdle();
    if (!state) return;
    try {
      // Not yet started (see CallState.span): start it, so the failed call still shows.
      const span = state.span ?? this._spanOf(call, state);
      // Without a status the span would read as a success; its attributes are only what was read so far.
      span.setStatus({ code: SpanStatusCode.ERROR, message: INTERNAL_ERROR_STATUS });
      span.end();
    } catch {
      // a broken tracer must not hurt the app either
      try {
        state.span?.end();
      } catch {
        // see above
      }
    }
  }

  /** One unref'd timer ends calls whose body made no progress for idleTimeoutMs (e.g. never read). */
  private _ensureSweeper(): void {
    if (this._sweeper) return;
    const idle = this._settings().idleTimeoutMs;
    this._sweeper = setInterval(
      () => {
        try {
          const now = performance.now();
          for (const call of [...this._calls!.keys()]) {
            if (now - call.lastActivityAt > idle) call.abandon('timeout');
          }
          if (this._calls!.size === 0 && this._sweeper) {
            clearInterval(this._sweeper);
            this._sweeper = undefined;
          }
        } catch (err) {
          this._onInternalError(err, undefined);
        }
      },
      Math.max(10, Math.min(idle / 4, 30_000))
    );
    this._sweeper.unref();
  }
}

/** The response without what echoes the credentials the request carried (see withoutEchoes). */
function screenEchoes(response: ResponseInfo, request: UndiciRequest): ResponseInfo {
  const url = String(request.origin ?? '') + (typeof request.path === 'string' ? request.path : '');
  const credentials = requestCredentials(request.headers, url);
  return credentials.length === 0 ? response : withoutEchoes(response, text => echoesCredential(text, credentials));
}

const TRACEPARENT = /00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})/g;
const INVALID_TRACE_ID = '0'.repeat(32);
const INVALID_SPAN_ID = '0'.repeat(16);

/** The last valid W3C traceparent in a traceparent header value (repeated headers are joined with ", "). */
function lastTraceparent(value: string | undefined): SpanContext | undefined {
  if (value === undefined) return undefined;
  let found: SpanContext | undefined;
  for (const [, traceId, spanId, flags] of value.toLowerCase().matchAll(TRACEPARENT)) {
    if (traceId === INVALID_TRACE_ID || spanId === INVALID_SPAN_ID) continue;
    found = { traceId: traceId!, spanId: spanId!, traceFlags: parseInt(flags!, 16), isRemote: false };
  }
  return found;
}
