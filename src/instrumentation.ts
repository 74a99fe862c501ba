import * as diagnosticsChannel from 'node:diagnostics_channel';
import { InstrumentationBase } from '@opentelemetry/instrumentation';
import { ActiveConfig } from './active-config';
import { CallsInFlight } from './calls-in-flight';
import { LlmCall } from './hook/llm-call';
import { beforeRequestStart, subscribeToUndici } from './hook/undici-channels';
import type { RequestObserver, UndiciRequest } from './hook/undici-channels';
import { SubstitutionCheck } from './pricing/model-names';
import { CallSpan } from './telemetry/call-span';
import type { CallSpanHost } from './telemetry/call-span';
import { CallMetrics } from './telemetry/call-metrics';
import { DiagNotes } from './telemetry/diag-notes';
import type { LlmRelayInstrumentationConfig } from './types';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version';
import { createRelayProbe } from './probe/relay-probe';
import type { RelayProbe } from './probe/relay-probe';

/**
 * Observes every HTTP request undici makes (Node's `fetch` and the `undici` package) to an LLM API
 * relay, and turns each into a GenAI CLIENT span and GenAI, cost and rate-limit metrics.
 */
export class LlmRelayInstrumentation extends InstrumentationBase<LlmRelayInstrumentationConfig> {
  // `declare`: the base constructor calls enable() and _updateMetricInstruments() before field
  // initialisers would run, and initialisers would then wipe what they set.
  declare private _unsubscribe: (() => void) | undefined;
  declare private _metrics: CallMetrics | undefined;
  /** Everything the config gives (src/active-config.ts); built on first use after each setConfig. */
  declare private _active: ActiveConfig | undefined;
  /** The calls being followed and what ends them (src/calls-in-flight.ts). */
  declare private _calls: CallsInFlight | undefined;
  declare private _spanHost: CallSpanHost | undefined;
  declare private _probe: RelayProbe | undefined;
  /** What is said of unknown routes, propagation and internal errors, bounded (src/telemetry/diag-notes.ts). */
  declare private _notes: DiagNotes | undefined;
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
    // Built on first use: the base constructor calls setConfig before there is a diag logger to warn on.
    this._active = undefined;
    // The metric instruments' model cap (maxModelsPerMetric); the base constructor calls setConfig before it has a meter.
    if (this._metrics) this._updateMetricInstruments();
    // The idle sweep's period and threshold come from idleTimeoutMs.
    this._calls?.restartSweep();
    if (this._accepting) this._activeConfig().prices();
    this._probe?.stop();
    this._probe = undefined;
    if (this._accepting) this._startProbe();
  }

  override enable(): void {
    super.enable();
    this._accepting = true;
    this._calls ??= new CallsInFlight({
      metrics: () => this._metrics,
      notes: () => this._diagNotes(),
      idleTimeoutMs: () => this._activeConfig().settings.idleTimeoutMs,
      onIdle: () => this._releaseWhenIdle(),
    });
    this._unsubscribe ??= subscribeToUndici({
      onRequestCreated: request => this._onRequestCreated(request),
      onInternalError: (error, observer) => this._calls?.internalError(error, observer as LlmCall | undefined),
    });
    // Read the pricing file now: problems show at start-up, and no file is read on a request's path.
    this._activeConfig().prices();
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
    this._calls?.stopSweep();
  }

  private _startProbe(): void {
    this._probe ??= createRelayProbe(this.getConfig().probe, process.env, this.meter, this._diag);
    this._probe?.start();
  }

  protected override _updateMetricInstruments(): void {
    // Under NodeSDK the meter provider arrives after enable(): the probe follows it.
    this._probe?.setMeter(this.meter);
    this._metrics = new CallMetrics(
      this.meter,
      this._activeConfig().settings.maxModelsPerMetric,
      message => this._diag.warn(message),
      (start, requestModel, outcome) => this._activeConfig().userHooks.metricAttributes(start, requestModel, outcome),
    );
  }

  private _activeConfig(): ActiveConfig {
    this._active ??= new ActiveConfig(this.getConfig(), process.env, this._diag, (host, path) =>
      this._diagNotes().unknownRoute(host, path),
    );
    return this._active;
  }

  private _diagNotes(): DiagNotes {
    this._notes ??= new DiagNotes(this._diag);
    return this._notes;
  }

  // 1st event of every request: decide whether it is a relay call, start its span.
  private _onRequestCreated(request: UndiciRequest): RequestObserver | undefined {
    // LLM API calls are POSTs; this keeps every other request at one comparison.
    if (request.method !== 'POST' || !this._accepting) return undefined;
    const calls = this._calls!;
    const active = this._activeConfig();
    const relayCall = active.relayCalls.recognise(request);
    if (!relayCall) return undefined;
    const { start, context: activeContext } = relayCall;
    const call = new LlmCall(
      start,
      performance.now(),
      { captureContent: active.settings.captureMessageContent, maxContentLength: active.settings.maxContentLength },
      calls.listener,
    );
    const callSpan = new CallSpan(this._callSpanHost(), call, request, activeContext);
    calls.add(call, callSpan);
    // Another HTTP instrumentation (e.g. @opentelemetry/instrumentation-undici) subscribes to
    // sendHeaders; if it subscribed after us, it injects its traceparent only after this returns.
    // Starting our span later lets it nest under that HTTP span whatever the order. The subscriber
    // may also inject nothing (undici's debug logger under NODE_DEBUG=undici or fetch): so the span
    // starts, and ours is injected if still none is there, when undici starts writing the request.
    if (diagnosticsChannel.hasSubscribers('undici:client:sendHeaders')) {
      if (active.settings.propagateContext && !beforeRequestStart(request, () => calls.startDeferred(call))) {
        this._diagNotes().notPropagated();
      }
      return call;
    }
    try {
      callSpan.start(active.settings.propagateContext);
    } catch (err) {
      calls.remove(call);
      throw err;
    }
    return call;
  }

  /** What the calls' spans read from here: each asks on use, so a new config or provider applies. */
  private _callSpanHost(): CallSpanHost {
    this._spanHost ??= {
      tracer: () => this.tracer,
      logger: () => this.logger,
      settings: () => this._activeConfig().settings,
      substitutions: new SubstitutionCheck(),
      requestHook: (span, start, requestModel) =>
        this._activeConfig().userHooks.run('requestHook', span, start, requestModel),
      responseHook: (span, start, requestModel, outcome) =>
        this._activeConfig().userHooks.run('responseHook', span, start, requestModel, outcome),
      price: outcome => this._activeConfig().pricer.price(outcome),
      onInternalError: error => this._calls?.internalError(error, undefined),
    };
    return this._spanHost;
  }
}
