/*
 * The prices in force: the built-in table, then the pricing file, then prices given in code,
 * each later one replacing a model the earlier ones priced, plus per-host multipliers.
 * Lookups are memoised in a bounded map because model names arrive from the network.
 */
import { MAX_MODEL_NAME_LENGTH, ModelNameIndex } from './model-names';
import { normalizeHostKey, validatePricingFile, type PricingFile } from './pricing-file';
import { BUILT_IN_PRICES, type ModelPrice } from './price-table';

/** Most (model, host) lookups remembered; the oldest is forgotten first. */
export const PRICE_MEMO_LIMIT = 1000;

/** Longer host strings are treated as no host (a DNS name has at most 253 characters). */
const MAX_HOST_LENGTH = 260;

export type PriceOrigin = 'built-in' | 'pricing-file' | 'overrides';

export interface PriceBookOptions {
  /** A parsed pricing file (`OTEL_LLM_RELAY_PRICING` or the `pricingFile` option). */
  pricingFile?: PricingFile;
  /** Prices given in code; they win over the pricing file. */
  overrides?: PricingFile;
}

export interface PriceMatch {
  /** USD per 1M tokens, host multiplier applied. */
  price: ModelPrice;
  /** The model name of the entry that matched, as the table or file spells it. */
  key: string;
  origin: PriceOrigin;
  /** The host multiplier applied (1 when none). */
  multiplier: number;
}

interface PricedModel {
  model: string;
  price: ModelPrice;
  origin: PriceOrigin;
  hosts?: readonly string[];
}

/** `host:port` → `host`; IPv6 literals keep their brackets. */
function withoutPort(host: string): string {
  const match = /^(\[[^\]]*\]|[^:]*):\d+$/.exec(host);
  return match ? match[1] : host;
}

function scale(price: ModelPrice, multiplier: number): ModelPrice {
  if (multiplier === 1) return price;
  const scaled: ModelPrice = { input: price.input * multiplier, output: price.output * multiplier };
  if (price.cachedInput !== undefined) scaled.cachedInput = price.cachedInput * multiplier;
  if (price.cacheWrite !== undefined) scaled.cacheWrite = price.cacheWrite * multiplier;
  return scaled;
}

export class PriceBook {
  /** Problems found in the given pricing (entries left out, unknown keys), for a start-up warning. */
  readonly problems: readonly string[];
  readonly #index: ModelNameIndex<PricedModel>;
  readonly #multipliers: Map<string, number>;
  readonly #memo = new Map<string, PriceMatch | null>();
  /** The last lookup's arguments and answer: an app asks for the same model and host call after call. */
  #lastModel: string | undefined;
  #lastHost: string | undefined;
  #lastMatch: PriceMatch | undefined;

  private constructor(index: ModelNameIndex<PricedModel>, multipliers: Map<string, number>, problems: string[]) {
    this.#index = index;
    this.#multipliers = multipliers;
    this.problems = problems;
  }

  /** The built-in table plus what the options add or override. Never throws; see {@link problems}. */
  static create(options: PriceBookOptions = {}): PriceBook {
    const index = new ModelNameIndex<PricedModel>();
    for (const entry of BUILT_IN_PRICES) {
      const price: ModelPrice = { input: entry.input, output: entry.output };
      if (entry.cachedInput !== undefined) price.cachedInput = entry.cachedInput;
      if (entry.cacheWrite !== undefined) price.cacheWrite = entry.cacheWrite;
      index.add({ model: entry.model, price, origin: 'built-in', hosts: entry.hosts });
    }
    const multipliers = new Map<string, number>();
    const problems: string[] = [];
    const layers: [PricingFile | undefined, PriceOrigin][] = [
      [options.pricingFile, 'pricing-file'],
      [options.overrides, 'overrides'],
    ];
    for (const [layer, origin] of layers) {
      if (layer === undefined) continue;
      // Checked again: prices given in code come from JavaScript callers too.
      const { file, errors, warnings } = validatePricingFile(layer, origin);
      problems.push(...errors, ...warnings);
      for (const [model, price] of Object.entries(file?.models ?? {})) index.add({ model, price, origin }, true);
      for (const [host, { multiplier }] of Object.entries(file?.hosts ?? {})) multipliers.set(host, multiplier);
    }
    return new PriceBook(index, multipliers, problems);
  }

  /** Number of remembered lookups (never above {@link PRICE_MEMO_LIMIT}). */
  get memoSize(): number {
    return this.#memo.size;
  }

  /**
   * The price of a model for a call to `host` (`host` or `host:port`, as in `server.address`
   * and `server.port`), or undefined when no entry matches: no price is guessed.
   */
  lookup(model: string | undefined, host?: string): PriceMatch | undefined {
    // Over-long names match nothing and are not remembered: the memo's size stays bounded in bytes too.
    if (!model || model.length > MAX_MODEL_NAME_LENGTH) return undefined;
    // A repeat of the last lookup skips the memo and leaves its recency as it was (evicted, it is resolved again).
    if (model === this.#lastModel && host === this.#lastHost) return this.#lastMatch;
    const match = this.#lookup(model, host);
    this.#lastModel = model;
    this.#lastHost = host;
    this.#lastMatch = match;
    return match;
  }

  #lookup(model: string, host: string | undefined): PriceMatch | undefined {
    const hostKey = host && host.length <= MAX_HOST_LENGTH ? (normalizeHostKey(host) ?? '') : '';
    const memoKey = `${hostKey}\n${model}`;
    const remembered = this.#memo.get(memoKey);
    if (remembered !== undefined) {
      // Refresh recency so names in steady use stay while one-off names age out.
      this.#memo.delete(memoKey);
      this.#memo.set(memoKey, remembered);
      return remembered ?? undefined;
    }
    const found = this.#resolve(model, hostKey) ?? null;
    if (this.#memo.size >= PRICE_MEMO_LIMIT) {
      const oldest = this.#memo.keys().next().value;
      if (oldest !== undefined) this.#memo.delete(oldest);
    }
    this.#memo.set(memoKey, found);
    return found ?? undefined;
  }

  #resolve(model: string, hostKey: string): PriceMatch | undefined {
    const candidates = this.#index.match(model);
    if (!candidates || candidates.length === 0) return undefined;
    const chosen = this.#choose(candidates, model.trim(), withoutPort(hostKey));
    const multiplier = this.#multiplierFor(hostKey);
    return { price: scale(chosen.price, multiplier), key: chosen.model, origin: chosen.origin, multiplier };
  }

  /** Among same-named entries: the one sold by this host, else the one spelt exactly so, else the first. */
  #choose(candidates: readonly PricedModel[], raw: string, hostname: string): PricedModel {
    if (candidates.length === 1) return candidates[0];
    if (hostname) {
      const byHost = candidates.find(c => c.hosts?.some(h => hostname === h || hostname.endsWith(`.${h}`)));
      if (byHost) return byHost;
    }
    return candidates.find(c => raw === c.model || raw.endsWith(`/${c.model}`)) ?? candidates[0];
  }

  #multiplierFor(hostKey: string): number {
    if (!hostKey || this.#multipliers.size === 0) return 1;
    return this.#multipliers.get(hostKey) ?? this.#multipliers.get(withoutPort(hostKey)) ?? 1;
  }
}
