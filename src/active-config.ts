/*
 * Everything one config of the instrumentation gives: its resolved settings, which requests are
 * relay calls, the user's hooks, the prices and the pricer. setConfig replaces it whole, so nothing
 * of an old config outlives it; calls in flight use the one in force when they ask.
 */
import type { DiagLogger } from '@opentelemetry/api';
import { CallPricer } from './call/call-pricing';
import { resolveConfig } from './config';
import type { ResolvedConfig } from './config';
import type { Env } from './config/env';
import { loadPriceBook } from './config/load-pricing-file';
import { RelayCalls } from './hook/relay-calls';
import type { PriceBook } from './pricing/price-book';
import { PROBE_CONTEXT_KEY } from './probe/probe-context';
import type { LlmRelayInstrumentationConfig } from './types';
import { UserHooks } from './user-hooks';

export class ActiveConfig {
  readonly settings: ResolvedConfig;
  readonly relayCalls: RelayCalls;
  readonly userHooks: UserHooks;
  readonly pricer: CallPricer;
  readonly #options: LlmRelayInstrumentationConfig;
  readonly #diag: DiagLogger;
  #prices: PriceBook | undefined;

  /** What `options` and `env` say is logged to `diag`; `onUnknownRoute` as RelayCalls says. */
  constructor(
    options: LlmRelayInstrumentationConfig,
    env: Env,
    diag: DiagLogger,
    onUnknownRoute: (host: string, path: string) => void,
  ) {
    this.#options = options;
    this.#diag = diag;
    const warn = (message: string) => diag.warn(message);
    this.settings = resolveConfig(options, env, warn);
    this.relayCalls = new RelayCalls(this.settings.relayHosts, PROBE_CONTEXT_KEY, onUnknownRoute);
    this.userHooks = new UserHooks(options, this.settings.maxModelsPerMetric, diag);
    this.pricer = new CallPricer(() => this.prices(), warn);
  }

  /**
   * The prices: read from the pricing file on the first ask, which enable() makes, so that a bad
   * file shows at start-up and no file is read on a request's path (nor while never enabled).
   */
  prices(): PriceBook {
    this.#prices ??= loadPriceBook(this.settings.pricingFile, this.#options.pricing, this.#diag);
    return this.#prices;
  }
}
