/*
 * A call's cost: what the relay reported wins; else the price table; else the call counts as
 * unpriced, and the first calls of each unpriced model say so once (at most MAX_UNPRICED_MODELS).
 */
import { resolveCallCost } from '../pricing/cost';
import type { PriceBook } from '../pricing/price-book';
import type { CallOutcome } from './call';

/** Unpriced models said at most once each; past this many, no more are said. */
export const MAX_UNPRICED_MODELS = 100;

export class CallPricer {
  readonly #prices: () => PriceBook;
  readonly #warn: (message: string) => void;
  readonly #unpricedSaid = new Set<string>();

  /** `prices` is asked at each call: the book in force may change (setConfig). */
  constructor(prices: () => PriceBook, warn: (message: string) => void) {
    this.#prices = prices;
    this.#warn = warn;
  }

  /** Sets the outcome's `cost`, or `unpriced` when it had usage but no price is known. */
  price(outcome: CallOutcome): void {
    const response = outcome.response;
    if (!response) return;
    const usage = response.usage;
    const hasUsage = usage.inputTokens !== undefined || usage.outputTokens !== undefined;
    if (!hasUsage && response.reportedCostUsd === undefined) return;
    const host = `${outcome.serverAddress}:${outcome.serverPort}`;
    const prices = this.#prices();
    // The answering model is what was billed; the requested one is the fallback (e.g. an Azure deployment name).
    const found = prices.lookup(response.responseModel, host) ?? prices.lookup(outcome.request.model, host);
    outcome.cost = resolveCallCost(usage, found?.price, response.reportedCostUsd);
    if (outcome.cost || found) return;
    outcome.unpriced = true;
    const model = response.responseModel ?? outcome.request.model ?? '(none)';
    if (this.#unpricedSaid.has(model) || this.#unpricedSaid.size >= MAX_UNPRICED_MODELS) return;
    this.#unpricedSaid.add(model);
    this.#warn(
      `no price for model "${model}": its calls are counted in llm_relay.cost.unpriced; ` +
        'add it with a pricing file (OTEL_LLM_RELAY_PRICING)',
    );
  }
}
