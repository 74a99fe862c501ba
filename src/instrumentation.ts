import * as diagnosticsChannel from 'node:diagnostics_channel';
import { context, createContextKey, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Context, Span } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import { InstrumentationBase, safeExecuteInTheMiddle } from '@opentelemetry/instrumentation';
import { resolveConfig } from './config';
import type { ResolvedConfig } from './config';
import { LlmCall } from './hook/llm-call';
import type { FinishedCall, LlmCallListener } from './hook/llm-call';
import { RelayMatcher } from './hook/relay-matcher';
import { subscribeToUndici } from './hook/undici-channels';
import type { RequestObserver, UndiciRequest } from './hook/undici-channels';
import { headerValue, redactUrl } from './http/headers';
import { resolveCallCost } from './pricing/cost';
import { loadPricingFile } from './pricing/load-pricing-file';
import { isSubstitution } from './pricing/model-names';
import { PriceBook } from './pricing/price-book';
import {
  outcomeAttributes,
  requestAttributes,
  sanitizeLabel,
  spanName,
  startAttributes,
} from './telemetry/call-outcome';
import type { CallOutcome, CallStart } from './telemetry/call-outcome';
import { LlmMetrics } from './telemetry/metrics';
import { parseRateLimitHeaders } from './telemetry/rate-limit-headers';
import type { LlmCallInfo, LlmRelayInstrumentationConfig } from './types';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version';
import { providerName } from './wire/provider';
import { matchRoute } from './wire/routes';
import type { RequestInfo } from './wire/types';

/** Context key the relay probe sets around its own requests, so their spans and metrics say so. */
export const PROBE_CONTEXT_KEY = createContextKey('otel-llm-relay probe kind');

/** At most this many internal errors are written to the diag log; then one line says the rest are muted. */
const MAX_LOGGED_INTERNAL_ERRORS = 10;
const W3C_TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

interface CallState {
  span: Span;
  parentContext: Context;
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

  constructor(config: LlmRelayInstrumentationConfig = {}) {
    super(PACKAGE_NAME, PACKAGE_VERSION, config);
  }

  protected init(): void {
    // Nothing to patch: everything comes through diagnostics channels.
  }

  override setConfig(config: LlmRelayInstrumentationConfig = {}): void {
    super.setConfig(config);
    this._resolved = undefined;
    this._priceBook = undefined;
    this._matcher = undefined;
  }

  override enable(): void {
    super.enable();
    if (this._unsubscribe) return;
    this._calls ??= new Map();
    this._unsubscribe = subscribeToUndici({
      onRequestCreated: request => this._onRequestCreated(request),
      onInternalError: (error, observer) => this._onInternalError(error, observer as LlmCall | undefined),
    });
  }

  override disable(): void {
    super.disable();
    this._unsubscribe?.();
    this._unsubscribe = undefined;
    if (this._sweeper) clearInterval(this._sweeper);
    this._sweeper = undefined;
    // Calls in flight keep their state until they end: their spans still close.
  }

  protected override _updateMetricInstruments(): void {
    this._metrics = new LlmMetrics(this.meter, this._settings().maxModelsPerMetric, (what, value) =>
      this._diag.warn(
        `more than ${this._settings().maxModelsPerMetric} distinct ${what} values: "${value}" and later new ones ` +
          'are recorded as _OTHER in metrics (raise maxModelsPerMetric if this is expected)'
      )
    );
  }

  /** Calls being followed right now (for tests and leak checks). */
  get inFlightCount(): number {
    return this._calls?.size ?? 0;
  }

  private _settings(): ResolvedConfig {
    this._resolved ??= resolveConfig(this.getConfig(), process.env, message => this._diag.warn(message));
    return this._resolved;
  }

  private _prices(): PriceBook {
    if (!this._priceBook) {
      const config = this.getConfig();
      const pricingFile = this._settings().pricingFile;
      let fileConfig;
      if (pricingFile) {
        const loaded = loadPricingFile(pricingFile);
        for (const error of loaded.errors) this._diag.error(`pricing file ${pricingFile}: ${error}`);
        for (const warning of loaded.warnings) this._diag.warn(`pricing file ${pricingFile}: ${warning}`);
        fileConfig = loaded.file;
      }
      this._priceBook = PriceBook.create({ pricingFile: fileConfig, overrides: config.pricing });
      for (const problem of this._priceBook.problems) this._diag.warn(`pricing: ${problem}`);
    }
    return this._priceBook;
  }

  private _callListener(): LlmCallListener {
    this._listener ??= {
      onRequestParsed: (call, request) => this._onRequestParsed(call, request),
      onResponseHeaders: (call, _statusCode, headers) => this._onResponseHeaders(call, headers),
      onChunkGaps: (call, gaps, count) => {
        const base = this._metrics?.baseAttributes(call.start, { requestModel: this._requestModel(call) });
        if (base) this._metrics?.recordChunkGaps(gaps, count, base);
      },
      onFinished: (call, finished) => this._onFinished(call, finished),
      onInternalError: (call, error) => this._onInternalError(error, call),
    };
    return this._listener;
  }

  // 1st event of every request: decide whether it is a relay call, start its span.
  private _onRequestCreated(request: UndiciRequest): RequestObserver | undefined {
    // LLM API calls are POSTs; this keeps every other request at one comparison.
    if (request.method !== 'POST') return undefined;
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
    if (!route) return undefined;
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

    // An HTTP instrumentation subscribed before us (e.g. @opentelemetry/instrumentation-undici) has
    // already injected its span's traceparent: nest under that span and inject nothing more.
    const injected = headerValue(request.headers, 'traceparent');
    const httpSpanContext = injected ? parseTraceparent(injected) : undefined;
    const parentContext = httpSpanContext ? trace.setSpanContext(activeContext, httpSpanContext) : activeContext;
    const startedAt = performance.now();
    const span = this.tracer.startSpan(
      spanName(route.operation, route.urlModel),
      {
        kind: SpanKind.CLIENT,
        startTime: performance.timeOrigin + startedAt,
        attributes: startAttributes(start, route.urlModel),
      },
      parentContext
    );
    if (
      config.propagateContext &&
      injected === undefined &&
      // An HTTP instrumentation subscribed after us will inject its own; two values would break W3C propagation.
      !diagnosticsChannel.hasSubscribers('undici:client:sendHeaders') &&
      typeof request.addHeader === 'function'
    ) {
      const carrier: Record<string, string> = {};
      propagation.inject(trace.setSpan(activeContext, span), carrier);
      for (const [name, value] of Object.entries(carrier)) request.addHeader.call(request, name, value);
    }

    const call = new LlmCall(
      start,
      startedAt,
      { captureContent: config.captureMessageContent, maxContentLength: config.maxContentLength },
      this._callListener()
    );
    this._calls!.set(call, { span, parentContext });
    this._ensureSweeper();
    this._runHook('requestHook', span, call);
    return call;
  }

  private _onRequestParsed(call: LlmCall, request: RequestInfo): void {
    const state = this._calls?.get(call);
    if (!state) return;
    const model = request.model ?? call.start.route.urlModel;
    state.span.updateName(spanName(call.start.route.operation, model));
    state.span.setAttributes(requestAttributes({ ...request, model }, this._settings().captureMessageContent));
  }

  private _onResponseHeaders(call: LlmCall, headers: ReadonlyMap<string, string>): void {
    const readings = parseRateLimitHeaders(headers);
    if (readings.length === 0 || !this._metrics) return;
    const base = this._metrics.baseAttributes(call.start, { requestModel: this._requestModel(call) });
    this._metrics.recordRateLimits(readings, base);
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
    const response = finished.response;
    const responseModel = response?.responseModel;
    const status = finished.statusCode;
    const vendorErrorType = response?.error ? sanitizeLabel(response.error.type) : undefined;
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
    this._price(outcome);

    const span = state.span;
    span.setAttributes(outcomeAttributes(outcome, config.captureMessageContent));
    if (errorType !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: errorType });
    this._runHook('responseHook', span, call, outcome);
    span.end(performance.timeOrigin + finished.endedAt);

    if (this._metrics) {
      const info = this._callInfo(call, outcome);
      const extra = safeExecuteInTheMiddle(
        () => this.getConfig().metricAttributesHook?.(info),
        e => e && this._diag.error('metricAttributesHook threw:', e),
        true
      );
      const base = this._metrics.baseAttributes(call.start, { requestModel, responseModel }, extra ?? undefined);
      this._metrics.recordCall(outcome, (finished.endedAt - finished.startedAt) / 1000, base);
    }
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
    if (state) {
      try {
        state.span.end();
      } catch {
        // a broken tracer must not hurt the app either
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

function parseTraceparent(value: string) {
  const match = W3C_TRACEPARENT.exec(value.trim());
  if (!match) return undefined;
  return { traceId: match[1]!, spanId: match[2]!, traceFlags: parseInt(match[3]!, 16), isRemote: false };
}
