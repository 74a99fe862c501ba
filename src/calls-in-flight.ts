/*
 * The relay calls being followed, each with its span: what the instrumentation hands to undici's
 * side (the call listener) and what ends a call whatever happens (its answer read, an internal
 * error, no progress for idleTimeoutMs). Everything here runs inside undici's or a timer's
 * callbacks: nothing may throw to the caller.
 */
import type { CallOutcome, FinishedCall } from './call/call';
import { IdleSweeper } from './hook/idle-sweeper';
import type { LlmCall, LlmCallListener } from './hook/llm-call';
import type { CallMetrics } from './telemetry/call-metrics';
import type { CallSpan } from './telemetry/call-span';
import type { DiagNotes } from './telemetry/diag-notes';

/** What the calls read from the instrumentation, on use (a new config or meter applies at once). */
export interface CallsHost {
  metrics(): CallMetrics | undefined;
  notes(): DiagNotes;
  idleTimeoutMs(): number;
  /** The last call in flight has ended (after disable(), the instrumentation then unsubscribes). */
  onIdle(): void;
}

export class CallsInFlight {
  readonly #host: CallsHost;
  readonly #calls = new Map<LlmCall, CallSpan>();
  readonly #sweeper: IdleSweeper;
  /** Handed to every LlmCall: its events come back here. */
  readonly listener: LlmCallListener;

  constructor(host: CallsHost) {
    this.#host = host;
    this.#sweeper = new IdleSweeper(this.#calls, err => this.internalError(err, undefined));
    this.listener = {
      onRequestParsed: (call, request) => this.#calls.get(call)?.requestParsed(request),
      onChunkGaps: (call, gaps, count) => this.#chunkGaps(call, gaps, count),
      onFinished: (call, finished) => this.#finished(call, finished),
      onInternalError: (call, error) => this.internalError(error, call),
    };
  }

  get size(): number {
    return this.#calls.size;
  }

  /** Follows a new call; the idle sweep runs while any call is in flight. */
  add(call: LlmCall, span: CallSpan): void {
    this.#calls.set(call, span);
    this.#sweeper.ensure(this.#host.idleTimeoutMs());
  }

  /** Forgets a call whose span could not start (the error goes to the caller of add's site). */
  remove(call: LlmCall): void {
    this.#calls.delete(call);
  }

  /** The deferred span start: runs inside undici's own call, so nothing may throw. */
  startDeferred(call: LlmCall): void {
    try {
      this.#calls.get(call)?.start(true);
    } catch (err) {
      this.internalError(err, call);
    }
  }

  /** Our own code failed: logged (bounded); the call, if any, is dropped and its span ends in error. */
  internalError(error: unknown, call: LlmCall | undefined): void {
    this.#host.notes().internalError(error);
    if (!call) return;
    call.drop();
    const span = this.#calls.get(call);
    this.#calls.delete(call);
    this.#releaseIfIdle();
    span?.failInternally();
  }

  /** idleTimeoutMs changed: a running sweep restarts with the new period and threshold. */
  restartSweep(): void {
    if (!this.#sweeper.running) return;
    this.#sweeper.stop();
    this.#sweeper.ensure(this.#host.idleTimeoutMs());
  }

  stopSweep(): void {
    this.#sweeper.stop();
  }

  /** A batch of gaps mid-stream, labelled with the response model as the call's span would record it. */
  #chunkGaps(call: LlmCall, gaps: Float64Array, count: number): void {
    const metrics = this.#host.metrics();
    if (!metrics) return;
    const responseModel = this.#calls.get(call)?.shownResponseModel(call.responseModel);
    metrics.chunkGaps({ start: call.start, request: call.request, responseModel }, gaps, count);
  }

  #finished(call: LlmCall, finished: FinishedCall): void {
    const span = this.#calls.get(call);
    if (!span) return;
    this.#calls.delete(call);
    let outcome: CallOutcome;
    try {
      outcome = span.finish(finished);
    } finally {
      // Whatever failed, the call is released (the caller never sees it).
      this.#releaseIfIdle();
    }
    this.#host.metrics()?.finished(finished, outcome);
  }

  #releaseIfIdle(): void {
    if (this.#calls.size === 0) this.#host.onIdle();
  }
}
