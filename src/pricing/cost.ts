/*
 * The cost of one call from its token usage and a price. Usage follows the GenAI conventions
 * (src/wire/types.ts): input tokens include cache reads and writes, output tokens include
 * reasoning, so each token class is carved out once and priced once.
 */
import type { Usage } from '../wire/types';
import type { ModelPrice } from './price-table';

/** A call's cost and where it came from: the price table (built-in or configured) or the relay's own report. */
export interface CallCost {
  usd: number;
  source: 'table' | 'relay';
}

/** A token count usable in arithmetic: finite and not negative, else 0. */
function tokens(count: number | undefined): number {
  return count !== undefined && Number.isFinite(count) && count > 0 ? count : 0;
}

/**
 * USD cost of a call: uncached input at `input`, cache reads at `cachedInput`, cache writes at
 * `cacheWrite` (each defaulting to `input`), output (reasoning included) at `output`.
 * undefined when the usage has neither an input nor an output count.
 */
export function computeCost(usage: Usage, price: ModelPrice): number | undefined {
  if (usage.inputTokens === undefined && usage.outputTokens === undefined) return undefined;
  const cacheRead = tokens(usage.cacheReadInputTokens);
  const cacheWrite = tokens(usage.cacheWriteInputTokens);
  // Inconsistent counts (cache above input) still price every cache token, and nothing twice.
  const uncachedInput = Math.max(0, tokens(usage.inputTokens) - cacheRead - cacheWrite);
  const perMillion =
    uncachedInput * price.input +
    cacheRead * (price.cachedInput ?? price.input) +
    cacheWrite * (price.cacheWrite ?? price.input) +
    tokens(usage.outputTokens) * price.output;
  return perMillion / 1e6;
}

/**
 * The cost to record for a call: what the relay reported wins (it bills at its own rates, so no
 * host multiplier applies to it), else the table price applied to the usage, else undefined.
 */
export function resolveCallCost(
  usage: Usage,
  price: ModelPrice | undefined,
  reportedCostUsd: number | undefined,
): CallCost | undefined {
  if (reportedCostUsd !== undefined && Number.isFinite(reportedCostUsd) && reportedCostUsd >= 0) {
    return { usd: reportedCostUsd, source: 'relay' };
  }
  if (!price) return undefined;
  const usd = computeCost(usage, price);
  return usd === undefined ? undefined : { usd, source: 'table' };
}
