import { describe, it, expect } from 'vitest';
import { computeCost, resolveCallCost } from '../../../src/pricing/cost';
import { PriceBook } from '../../../src/pricing/price-book';

const book = PriceBook.create();

function priceOf(model: string) {
  const match = book.lookup(model);
  if (!match) throw new Error(`no price for ${model}`);
  return match.price;
}

describe('computeCost', () => {
  it('prices OpenAI cached tokens, which are inside prompt_tokens, at the cached rate', () => {
    // openai/chat-completions-cached-tokens.json: prompt 1149 (1024 cached), completion 353, gpt-4o-mini.
    // 125 × 0.15 + 1024 × 0.075 + 353 × 0.6 = 18.75 + 76.8 + 211.8 = 307.35 USD per 1M.
    const usd = computeCost(
      { inputTokens: 1149, cacheReadInputTokens: 1024, outputTokens: 353 },
      priceOf('gpt-4o-mini-2024-07-18'),
    );
    expect(usd).toBeCloseTo(0.00030735, 12);
  });

  it('prices Anthropic cache reads and 5-minute cache writes once each (usage normalised: input includes both)', () => {
    // anthropic/messages-cache-read-ephemeral.json: input_tokens 3, cache_creation 418, cache_read 1111, output 33,
    // claude-sonnet-4-5 ($3 in, $0.30 read, $3.75 write, $15 out). Normalised input = 3 + 418 + 1111 = 1532.
    // 3 × 3 + 1111 × 0.3 + 418 × 3.75 + 33 × 15 = 9 + 333.3 + 1567.5 + 495 = 2404.8 USD per 1M.
    const usage = { inputTokens: 1532, cacheReadInputTokens: 1111, cacheWriteInputTokens: 418, outputTokens: 33 };
    expect(computeCost(usage, priceOf('claude-sonnet-4-5-20250929'))).toBeCloseTo(0.0024048, 12);
  });

  it('prices Gemini thoughts as output once (the codec already added them to output tokens)', () => {
    // gemini/generate-content-cached-content-tokens.json: prompt 17713 (17379 cached), candidates 68, thoughts 821.
    // gemini-2.5-flash: 334 × 0.3 + 17379 × 0.03 + (68 + 821) × 2.5 = 100.2 + 521.37 + 2222.5 = 2844.07 USD per 1M.
    const usage = { inputTokens: 17713, cacheReadInputTokens: 17379, outputTokens: 889, reasoningOutputTokens: 821 };
    expect(computeCost(usage, priceOf('gemini-2.5-flash'))).toBeCloseTo(0.00284407, 12);
  });

  it('prices an embeddings call from its input tokens alone', () => {
    // 8 tokens × $0.02 per 1M.
    expect(computeCost({ inputTokens: 8 }, priceOf('text-embedding-3-small'))).toBeCloseTo(0.00000016, 14);
  });

  it('falls back to the input price for cache classes the model has no price for', () => {
    // 1000 uncached × 1 + 500 read × 1 + 200 written × 1 + 10 out × 2 = 1720 USD per 1M.
    const usage = { inputTokens: 1700, cacheReadInputTokens: 500, cacheWriteInputTokens: 200, outputTokens: 10 };
    expect(computeCost(usage, { input: 1, output: 2 })).toBeCloseTo(0.00172, 12);
  });

  it('never prices a token twice when the cache counts exceed the input count', () => {
    // Inconsistent report: 100 input but 150 cached. Uncached is 0, the 150 cached are priced once: 150 × 0.5 = 75.
    expect(
      computeCost({ inputTokens: 100, cacheReadInputTokens: 150 }, { input: 1, cachedInput: 0.5, output: 2 }),
    ).toBeCloseTo(0.000075, 12);
  });

  it('returns undefined when the usage has no token counts at all, and 0 for reported zeros', () => {
    expect(computeCost({}, { input: 1, output: 1 })).toBeUndefined();
    expect(computeCost({ cacheReadInputTokens: 10 }, { input: 1, output: 1 })).toBeUndefined();
    expect(computeCost({ inputTokens: 0, outputTokens: 0 }, { input: 1, output: 1 })).toBe(0);
  });

  it('ignores negative and non-finite counts instead of producing negative or NaN costs', () => {
    expect(computeCost({ inputTokens: -5, outputTokens: Number.NaN }, { input: 1, output: 1 })).toBe(0);
    expect(
      computeCost({ inputTokens: 10, outputTokens: Number.POSITIVE_INFINITY }, { input: 1, output: 1 }),
    ).toBeCloseTo(0.00001, 12);
  });
});

describe('resolveCallCost', () => {
  const usage = { inputTokens: 1_000_000, outputTokens: 1_000_000 };

  it('uses the cost the relay reported over the table', () => {
    expect(resolveCallCost(usage, { input: 2, output: 8 }, 0.0123)).toEqual({ usd: 0.0123, source: 'relay' });
  });

  it('uses the table when the relay reported no usable cost', () => {
    expect(resolveCallCost(usage, { input: 2, output: 8 }, undefined)).toEqual({ usd: 10, source: 'table' });
    expect(resolveCallCost(usage, { input: 2, output: 8 }, -1)).toEqual({ usd: 10, source: 'table' });
    expect(resolveCallCost(usage, { input: 2, output: 8 }, Number.NaN)).toEqual({ usd: 10, source: 'table' });
  });

  it('invents nothing for an unknown model without a reported cost', () => {
    expect(resolveCallCost(usage, book.lookup('my-private-finetune')?.price, undefined)).toBeUndefined();
  });

  it('keeps a reported cost even for an unknown model', () => {
    expect(resolveCallCost(usage, undefined, 0.5)).toEqual({ usd: 0.5, source: 'relay' });
  });
});
