/*
 * The active relay health probe: every interval it asks the relay for its model list (and, when a
 * chat model is configured, for a one-token chat completion) and records whether the relay
 * answered, how fast, and the rate-limit headroom it reported; opt-in, every 5 minutes, it reads the
 * relay's balance from the legacy OpenAI billing routes. It never throws into the app,
 * never keeps the process alive between probes, and never writes the API key anywhere.
 */
import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import type { Context, DiagLogger, Meter } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { parseRateLimitHeaders, parseRetryAfter } from '../http/rate-limit-headers';
import { PACKAGE_VERSION } from '../version';
import { parseSubscription, readBalance, usageQuery } from './balance-answers';
import type { BalanceReading } from './balance-answers';
import { apiKeyVariableLabel, resolveProbeConfig } from './probe-config';
import type { ProbeKind, RelayProbeOptions, ResolvedProbeConfig } from './probe-config';
import { PROBE_CONTEXT_KEY } from './probe-context';
import { probeErrorType, statusErrorType } from './probe-error-type';
import { ProbeMetrics } from './probe-metrics';
import { firstProbeDelayMs, nextProbeDelayMs } from './probe-schedule';

/** Timer functions; the default's timers are unref'd so that they never keep the process alive. */
export interface ProbeTimers {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

/** What a test (or an embedding) may replace; everything defaults to the real thing. */
export interface RelayProbeDeps {
  timers?: ProbeTimers;
  /** Defaults to the global `fetch` (looked up at each request, so instrumentation sees it). */
  fetch?: typeof fetch;
  /** Unix time in milliseconds. */
  now?: () => number;
  /** Uniform in [0, 1), for jitter. */
  random?: () => number;
  /** Where the API key variable is read, at each request. Defaults to `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** The outcome of one probe request. */
export interface ProbeResult {
  kind: ProbeKind;
  up: boolean;
  /** From sending the request to the end of the response body. */
  durationSeconds: number;
  status?: number;
  /** Why the probe failed: the HTTP status, `timeout`, or the transport error code. */
  errorType?: string;
  /** The relay asked to wait this long (Retry-After). */
  retryAfterMs?: number;
  /** A 429, or an error answer with Retry-After: the next probe backs off. */
  throttled: boolean;
  /** stop() ended the probe before it finished: nothing was recorded. */
  aborted: boolean;
}

/** The outcome of one balance check: what the answers said, or why there were none to read. */
export type BalanceOutcome =
  | BalanceReading
  /** A request failed: `reason` is the HTTP status, `timeout`, or the transport error code. */
  | { kind: 'failed'; reason: string; throttled: boolean; retryAfterMs?: number }
  /** stop() ended the check: nothing was recorded. */
  | { kind: 'aborted' };

const UNREF_TIMERS: ProbeTimers = {
  set(callback, ms) {
    const timer = setTimeout(callback, ms);
    timer.unref();
    return timer;
  },
  clear(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

/** A relay that answers a model list bigger than this is up; the rest is not read. */
const MAX_BODY_BYTES = 1024 * 1024;
/** A billing answer is a few hundred bytes; a bigger one (an HTML page, say) is not one. */
const MAX_BILLING_BODY_BYTES = 64 * 1024;
/** Some Anthropic-style relays refuse model-list requests without it; others ignore it. */
const ANTHROPIC_VERSION = '2023-06-01';
const USER_AGENT = `otel-llm-relay-probe/${PACKAGE_VERSION}`;

interface ProbeRequest {
  url: string;
  init: RequestInit;
}

/**
 * Probes one relay on a schedule (`start()`/`stop()`), or once on demand (`runOnce()`).
 * Create it with the settings from `resolveProbeConfig()`.
 */
export class RelayProbe {
  private readonly _config: ResolvedProbeConfig;
  private readonly _diag: DiagLogger;
  private readonly _timers: ProbeTimers;
  private readonly _fetch: typeof fetch | undefined;
  private readonly _now: () => number;
  private readonly _random: () => number;
  private readonly _env: Readonly<Record<string, string | undefined>>;
  private _metrics: ProbeMetrics;
  private _running = false;
  /** Bumped by start() and stop(), so a probe that ends after a restart does not schedule a second chain. */
  private _generation = 0;
  private readonly _handles = new Map<ProbeKind, unknown>();
  private readonly _inFlight = new Map<ProbeKind, Promise<ProbeResult>>();
  private readonly _controllers = new Set<AbortController>();
  private readonly _throttles = new Map<ProbeKind, number>();
  private readonly _states = new Map<ProbeKind, 'up' | 'down'>();
  private _balanceHandle: unknown;
  private _balanceInFlight: Promise<BalanceOutcome> | undefined;
  private _balanceThrottles = 0;
  /** What the diag log last said about the balance, so it says each change once. */
  private _balanceState: 'balance' | 'unlimited' | 'unavailable' | undefined;

  constructor(config: ResolvedProbeConfig, meter: Meter, diag: DiagLogger, deps: RelayProbeDeps = {}) {
    this._config = config;
    this._diag = diag;
    this._metrics = new ProbeMetrics(meter);
    this._timers = deps.timers ?? UNREF_TIMERS;
    this._fetch = deps.fetch;
    this._now = deps.now ?? Date.now;
    this._random = deps.random ?? Math.random;
    this._env = deps.env ?? process.env;
  }

  /** The probe kinds this configuration runs: `models`, plus `chat` when a chat model is set. */
  get kinds(): readonly ProbeKind[] {
    return this._config.chatUrl ? ['models', 'chat'] : ['models'];
  }

  get running(): boolean {
    return this._running;
  }

  /** Records on this meter from now on (e.g. once the instrumentation has its meter provider). */
  setMeter(meter: Meter): void {
    this._metrics = new ProbeMetrics(meter);
  }

  /** Starts probing: the first probe within a second, then every interval. Idempotent. */
  start(): void {
    if (this._running) return;
    this._running = true;
    const generation = ++this._generation;
    for (const kind of this.kinds) {
      this._schedule(kind, firstProbeDelayMs(this._config.intervalMs, this._random()), generation);
    }
    if (this._config.balance)
      this._scheduleBalance(firstProbeDelayMs(this._config.intervalMs, this._random()), generation);
  }

  /** Cancels the timers and aborts probes in flight (they record nothing). Idempotent. */
  stop(): void {
    this._running = false;
    this._generation++;
    for (const handle of this._handles.values()) this._timers.clear(handle);
    this._handles.clear();
    if (this._balanceHandle !== undefined) this._timers.clear(this._balanceHandle);
    this._balanceHandle = undefined;
    for (const controller of this._controllers) controller.abort();
    this._throttles.clear();
    this._states.clear();
    this._balanceThrottles = 0;
    this._balanceState = undefined;
  }

  /**
   * Probes once now and records the result. While a probe of this kind is in flight, returns
   * that probe's result instead of sending a second request. Never rejects.
   */
  runOnce(kind: ProbeKind): Promise<ProbeResult> {
    const pending = this._inFlight.get(kind);
    if (pending) return pending;
    const run = this._probe(kind)
      .catch((error: unknown): ProbeResult => {
        // A bug of ours, not the relay's: say so, and count the probe as failed.
        this._diag.error('relay probe: internal error:', error);
        return { kind, up: false, durationSeconds: 0, errorType: 'internal', throttled: false, aborted: false };
      })
      .finally(() => this._inFlight.delete(kind));
    this._inFlight.set(kind, run);
    return run;
  }

  /**
   * Reads the relay's balance once now (when the balance check is configured) and records it. While
   * a check is in flight, returns that check's outcome instead of sending more requests. Never rejects.
   */
  checkBalance(): Promise<BalanceOutcome> {
    if (this._balanceInFlight) return this._balanceInFlight;
    const run = this._readBalance()
      .catch((error: unknown): BalanceOutcome => {
        this._diag.error('relay probe: internal error:', error);
        return { kind: 'failed', reason: 'internal', throttled: false };
      })
      .finally(() => (this._balanceInFlight = undefined));
    this._balanceInFlight = run;
    return run;
  }

  private _scheduleBalance(delayMs: number, generation: number): void {
    this._balanceHandle = this._timers.set(() => this._balanceTick(generation), delayMs);
  }

  private _balanceTick(generation: number): void {
    this._balanceHandle = undefined;
    const balance = this._config.balance;
    if (generation !== this._generation || !balance) return;
    const next = (outcome: BalanceOutcome | undefined) => {
      if (generation !== this._generation) return;
      try {
        const failed = outcome?.kind === 'failed' ? outcome : undefined;
        this._balanceThrottles = failed?.throttled ? this._balanceThrottles + 1 : 0;
        const delay = nextProbeDelayMs({
          intervalMs: balance.intervalMs,
          consecutiveThrottles: this._balanceThrottles,
          retryAfterMs: failed?.retryAfterMs,
          random: this._random(),
        });
        this._scheduleBalance(delay, generation);
      } catch (error) {
        this._diag.error('relay probe: could not schedule the next balance check:', error);
      }
    };
    this.checkBalance().then(next, () => next(undefined));
  }

  /** The subscription answer first; the usage answer only when there is a limit to subtract it from. */
  private async _readBalance(): Promise<BalanceOutcome> {
    const balance = this._config.balance;
    if (!balance) return { kind: 'failed', reason: 'not_configured', throttled: false };
    const controller = new AbortController();
    this._controllers.add(controller);
    let outcome: BalanceOutcome;
    try {
      const subscription = await this._getBillingAnswer(balance.subscriptionUrl, controller.signal);
      if (!('body' in subscription)) {
        outcome = subscription;
      } else if (!('value' in parseSubscription(subscription.body))) {
        // Unlimited, or no limit to read: the usage would not change the answer.
        outcome = readBalance(subscription.body, undefined);
      } else {
        const usageUrl = `${balance.usageUrl}${balance.usageUrl.includes('?') ? '&' : '?'}${usageQuery(this._now())}`;
        const usage = await this._getBillingAnswer(usageUrl, controller.signal);
        outcome = 'body' in usage ? readBalance(subscription.body, usage.body) : usage;
      }
    } catch (error) {
      outcome = controller.signal.aborted
        ? { kind: 'aborted' }
        : { kind: 'failed', reason: probeErrorType(error), throttled: false };
    } finally {
      this._controllers.delete(controller);
    }
    if (outcome.kind !== 'aborted') this._recordBalance(outcome);
    return outcome;
  }

  /** GETs one billing route: its parsed JSON body (undefined when not JSON), or why there is none. */
  private async _getBillingAnswer(
    url: string,
    abort: AbortSignal,
  ): Promise<{ body: unknown } | Extract<BalanceOutcome, { kind: 'failed' }>> {
    const signal = AbortSignal.any([abort, AbortSignal.timeout(this._config.timeoutMs)]);
    const fetchImpl = this._fetch ?? fetch;
    // No LLM call and no app traffic: no span from any HTTP instrumentation, like the model list.
    const response = await context.with(suppressTracing(ROOT_CONTEXT), () =>
      fetchImpl(url, { method: 'GET', headers: this._headers(), signal }),
    );
    const text = await readSmallText(response, MAX_BILLING_BODY_BYTES);
    if (!response.ok) {
      const retryAfterMs = retryAfterOf(response.headers, this._now());
      const failed: Extract<BalanceOutcome, { kind: 'failed' }> = {
        kind: 'failed',
        reason: statusErrorType(response.status),
        throttled: response.status === 429 || retryAfterMs !== undefined,
      };
      if (retryAfterMs !== undefined) failed.retryAfterMs = retryAfterMs;
      return failed;
    }
    try {
      return { body: text === undefined ? undefined : (JSON.parse(text) as unknown) };
    } catch {
      return { body: undefined };
    }
  }

  private _recordBalance(outcome: Exclude<BalanceOutcome, { kind: 'aborted' }>): void {
    if (outcome.kind === 'balance') {
      try {
        this._metrics.recordBalance(
          { serverAddress: this._config.serverAddress, serverPort: this._config.serverPort },
          outcome,
        );
      } catch (error) {
        this._diag.error('relay probe: could not record the balance:', error);
      }
    }
    const state = outcome.kind === 'balance' || outcome.kind === 'unlimited' ? outcome.kind : 'unavailable';
    if (state === this._balanceState) return;
    this._balanceState = state;
    const what = `relay probe: the balance of ${this._config.displayUrl}`;
    if (outcome.kind === 'balance') {
      this._diag.info(`${what} is read from its billing routes (limit ${outcome.limitUsd} USD)`);
    } else if (outcome.kind === 'unlimited') {
      this._diag.info(`${what}: the key is unlimited, no balance gauges`);
    } else {
      // Not a health problem: many relays do not serve these legacy OpenAI routes.
      this._diag.warn(
        `${what} cannot be read (${outcome.reason}); no balance gauges until it can. ` +
          'Relays built on one-api / new-api answer GET …/dashboard/billing/subscription and …/usage.',
      );
    }
  }

  private _schedule(kind: ProbeKind, delayMs: number, generation: number): void {
    this._handles.set(
      kind,
      this._timers.set(() => this._tick(kind, generation), delayMs),
    );
  }

  private _tick(kind: ProbeKind, generation: number): void {
    this._handles.delete(kind);
    if (generation !== this._generation) return;
    const next = (result: ProbeResult | undefined) => {
      if (generation !== this._generation) return;
      try {
        this._schedule(kind, this._nextDelay(kind, result), generation);
      } catch (error) {
        this._diag.error('relay probe: could not schedule the next probe:', error);
      }
    };
    this.runOnce(kind).then(next, () => next(undefined));
  }

  private _nextDelay(kind: ProbeKind, result: ProbeResult | undefined): number {
    const throttles = result?.throttled ? (this._throttles.get(kind) ?? 0) + 1 : 0;
    this._throttles.set(kind, throttles);
    return nextProbeDelayMs({
      intervalMs: this._config.intervalMs,
      consecutiveThrottles: throttles,
      retryAfterMs: result?.retryAfterMs,
      random: this._random(),
    });
  }

  private async _probe(kind: ProbeKind): Promise<ProbeResult> {
    const controller = new AbortController();
    this._controllers.add(controller);
    const startedAt = performance.now();
    const elapsed = () => (performance.now() - startedAt) / 1000;
    let response: Response | undefined;
    let result: ProbeResult;
    try {
      const request = this._request(kind);
      if (!request)
        return { kind, up: false, durationSeconds: 0, errorType: 'not_configured', throttled: false, aborted: false };
      const signal = AbortSignal.any([controller.signal, AbortSignal.timeout(this._config.timeoutMs)]);
      const fetchImpl = this._fetch ?? fetch;
      response = await context.with(this._context(kind), () => fetchImpl(request.url, { ...request.init, signal }));
      await drainBody(response);
      result = this._answered(kind, response, elapsed());
    } catch (error) {
      if (controller.signal.aborted) {
        return { kind, up: false, durationSeconds: elapsed(), throttled: false, aborted: true };
      }
      result = response
        ? // The answer was not a success anyway: its status says more than the broken body.
          {
            ...this._answered(kind, response, elapsed()),
            ...(response.ok ? { up: false, errorType: probeErrorType(error) } : {}),
          }
        : {
            kind,
            up: false,
            durationSeconds: elapsed(),
            errorType: probeErrorType(error),
            throttled: false,
            aborted: false,
          };
    } finally {
      this._controllers.delete(controller);
    }
    this._record(result, response);
    return result;
  }

  /**
   * The probe's requests start from the root context (never inside whatever app span was active
   * when start() ran), marked with the probe kind. The model list is no LLM call: tracing is
   * suppressed for it, so HTTP instrumentations leave no span or metric for it every interval.
   */
  private _context(kind: ProbeKind): Context {
    const marked = ROOT_CONTEXT.setValue(PROBE_CONTEXT_KEY, kind);
    return kind === 'models' ? suppressTracing(marked) : marked;
  }

  /** Headers of every probe request, the key included (read now: a rotated key is picked up, and no copy of it lives in this object). */
  private _headers(): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': USER_AGENT };
    const { apiKeyEnv, authHeader } = this._config;
    const key = apiKeyEnv ? this._env[apiKeyEnv]?.trim() : undefined;
    if (key) headers[authHeader] = authHeader === 'authorization' ? `Bearer ${key}` : key;
    if (authHeader === 'x-api-key') headers['anthropic-version'] = ANTHROPIC_VERSION;
    return headers;
  }

  private _request(kind: ProbeKind): ProbeRequest | undefined {
    const headers = this._headers();
    if (kind === 'models') return { url: this._config.modelsUrl, init: { method: 'GET', headers } };
    if (!this._config.chatUrl || !this._config.chatModel) return undefined;
    headers['content-type'] = 'application/json';
    const body = JSON.stringify({
      model: this._config.chatModel,
      messages: [{ role: 'user', content: 'ping' }],
      max_tokens: 1,
    });
    return { url: this._config.chatUrl, init: { method: 'POST', headers, body } };
  }

  private _answered(kind: ProbeKind, response: Response, durationSeconds: number): ProbeResult {
    const retryAfterMs = retryAfterOf(response.headers, this._now());
    const throttled = response.status === 429 || (!response.ok && retryAfterMs !== undefined);
    const result: ProbeResult = {
      kind,
      up: response.ok,
      durationSeconds,
      status: response.status,
      throttled,
      aborted: false,
    };
    if (!response.ok) result.errorType = statusErrorType(response.status);
    if (retryAfterMs !== undefined) result.retryAfterMs = retryAfterMs;
    return result;
  }

  private _record(result: ProbeResult, response: Response | undefined): void {
    const target = { serverAddress: this._config.serverAddress, serverPort: this._config.serverPort };
    try {
      this._metrics.record(target, {
        kind: result.kind,
        up: result.up,
        durationSeconds: result.durationSeconds,
        errorType: result.errorType,
        endedAtMs: this._now(),
      });
      // The instrumentation records a chat answer's rate limits itself; a model list it never sees.
      if (result.kind === 'models' && response) {
        const readings = parseRateLimitHeaders(new Map(response.headers));
        if (readings.length > 0) this._metrics.recordRateLimits(target, result.kind, readings);
      }
    } catch (error) {
      this._diag.error('relay probe: could not record a probe result:', error);
    }
    this._logChange(result);
  }

  /** One line per change of state, never the key or the request headers. */
  private _logChange(result: ProbeResult): void {
    const state = result.up ? 'up' : 'down';
    const previous = this._states.get(result.kind);
    if (previous === state) return;
    this._states.set(result.kind, state);
    const what = `relay probe: the ${result.kind} probe of ${this._config.displayUrl}`;
    if (state === 'down') {
      const hint =
        result.status === 401 || result.status === 403
          ? this._config.apiKeyEnv
            ? ` (check the key in ${apiKeyVariableLabel(this._config.apiKeyEnv)})`
            : ' (no API key: name the variable that holds it with apiKeyEnv)'
          : '';
      this._diag.warn(`${what} fails: ${result.errorType ?? 'error'}${hint}`);
    } else {
      const ms = Math.round(result.durationSeconds * 1000);
      this._diag.info(`${what} ${previous === 'down' ? 'succeeds again' : 'succeeds'} (${ms} ms)`);
    }
  }
}

/**
 * The probe for these options (`OTEL_LLM_RELAY_PROBE_*` in `env` fill the gaps), not yet started;
 * undefined when the probe is off. Configuration warnings go to `diag`.
 */
export function createRelayProbe(
  options: RelayProbeOptions | false | undefined,
  env: Readonly<Record<string, string | undefined>>,
  meter: Meter,
  diag: DiagLogger,
): RelayProbe | undefined {
  const config = resolveProbeConfig(options, env, message => diag.warn(message));
  return config ? new RelayProbe(config, meter, diag) : undefined;
}

/** Retry-After in milliseconds: OpenAI's `retry-after-ms` when present, else `retry-after`. */
function retryAfterOf(headers: Headers, now: number): number | undefined {
  const ms = headers.get('retry-after-ms')?.trim();
  if (ms && /^\d+(?:\.\d+)?$/.test(ms)) return Number(ms);
  const seconds = parseRetryAfter(headers.get('retry-after') ?? undefined, now);
  return seconds === undefined ? undefined : seconds * 1000;
}

/** The body as text, or undefined (and the rest cancelled) once it passes `maxBytes`. */
async function readSmallText(response: Response, maxBytes: number): Promise<string | undefined> {
  const body = response.body;
  if (!body) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks).toString('utf8');
    bytes += value.byteLength;
    if (bytes > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
}

/** Reads (and drops) the body, so the connection is reused and the duration covers it; stops after 1 MiB. */
async function drainBody(response: Response): Promise<void> {
  const body = response.body;
  if (!body) return;
  const reader = body.getReader();
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    bytes += value.byteLength;
    if (bytes > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => undefined);
      return;
    }
  }
}
