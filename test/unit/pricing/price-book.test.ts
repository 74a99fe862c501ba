import { describe, it, expect } from 'vitest';
import { computeCost } from '../../../src/pricing/cost';
import { PRICE_MEMO_LIMIT, PriceBook } from '../../../src/pricing/price-book';
import { parsePricingFile } from '../../../src/pricing/pricing-file';

describe('PriceBook overrides', () => {
  it('lets a pricing file override a built-in price and add a new model', () => {
    const book = PriceBook.create({
      pricingFile: {
        models: {
          'gpt-4.1': { input: 1, output: 4, cachedInput: 0.25 },
          'acme-chat-large': { input: 0.7, output: 2.1 },
        },
      },
    });
    expect(book.lookup('gpt-4.1-2025-04-14')).toMatchObject({
      key: 'gpt-4.1',
      origin: 'pricing-file',
      price: { input: 1, output: 4 },
    });
    expect(book.lookup('ACME-Chat-Large')).toMatchObject({
      key: 'acme-chat-large',
      price: { input: 0.7, output: 2.1 },
    });
    expect(book.lookup('gpt-4.1-mini')).toMatchObject({ origin: 'built-in', price: { input: 0.4 } });
  });

  it('replaces a built-in entry whatever spelling the file uses for it', () => {
    const book = PriceBook.create({
      pricingFile: { models: { 'anthropic/claude-sonnet-4.5': { input: 2, output: 10 } } },
    });
    const match = book.lookup('claude-sonnet-4-5-20250929');
    expect(match?.origin).toBe('pricing-file');
    // The file gave no cache prices: cache tokens fall back to its input price, not to the built-in ones.
    expect(match?.price.cachedInput).toBeUndefined();
  });

  it('lets prices given in code win over the pricing file', () => {
    const book = PriceBook.create({
      pricingFile: { models: { 'acme-chat': { input: 1, output: 1 } } },
      overrides: { models: { 'acme-chat': { input: 3, output: 3 } } },
    });
    expect(book.lookup('acme-chat')).toMatchObject({ origin: 'overrides', price: { input: 3, output: 3 } });
  });

  it('accepts the snake_case spellings of the cache prices', () => {
    const { file, errors } = parsePricingFile(
      JSON.stringify({ models: { 'acme-chat': { input: 2, output: 6, cached_input: 0.5, cache_write: 2.5 } } }),
    );
    expect(errors).toEqual([]);
    const price = PriceBook.create({ pricingFile: file }).lookup('acme-chat')!.price;
    // 1000 uncached × 2 + 4000 read × 0.5 + 1000 written × 2.5 + 100 out × 6 = 2000 + 2000 + 2500 + 600 = 7100 USD per 1M.
    const usage = { inputTokens: 6000, cacheReadInputTokens: 4000, cacheWriteInputTokens: 1000, outputTokens: 100 };
    expect(computeCost(usage, price)).toBeCloseTo(0.0071, 12);
  });

  it('leaves out invalid entries given in code and says why', () => {
    const book = PriceBook.create({
      overrides: { models: { broken: { input: -1, output: 2 }, fine: { input: 1, output: 2 } } },
    });
    expect(book.lookup('broken')).toBeUndefined();
    expect(book.lookup('fine')).toBeDefined();
    expect(book.problems.join('\n')).toMatch(/broken.*input.*≥ 0/);
  });
});

describe('PriceBook host multipliers', () => {
  const book = PriceBook.create({
    pricingFile: {
      hosts: {
        'relay.example.com': { multiplier: 0.5 },
        'gw.example.net:8443': { multiplier: 2 },
        'https://Origin.Example.org': { multiplier: 1.5 },
      },
    },
  });

  it('scales every price class for calls to that host', () => {
    const match = book.lookup('claude-sonnet-4-5', 'relay.example.com');
    expect(match?.multiplier).toBe(0.5);
    expect(match?.price).toEqual({ input: 1.5, output: 7.5, cachedInput: 0.15, cacheWrite: 1.875 });
    // 1000 in × 1.5 + 100 out × 7.5 = 2250 USD per 1M: half the list price of 4500.
    expect(computeCost({ inputTokens: 1000, outputTokens: 100 }, match!.price)).toBeCloseTo(0.00225, 12);
  });

  it('matches a host with its port, or a host listed without one whatever the port', () => {
    expect(book.lookup('gpt-4.1', 'relay.example.com:443')?.multiplier).toBe(0.5);
    expect(book.lookup('gpt-4.1', 'gw.example.net:8443')?.price.input).toBe(4);
    expect(book.lookup('gpt-4.1', 'gw.example.net:9000')?.multiplier).toBe(1);
    expect(book.lookup('gpt-4.1', 'origin.example.org')?.multiplier).toBe(1.5);
  });

  it('answers a lookup repeated after another for the same model on another host as it did the first time', () => {
    const hosts = ['relay.example.com', 'api.openai.com', 'relay.example.com', undefined, 'gw.example.net:8443'];
    expect(hosts.map(host => book.lookup('gpt-4.1', host)?.price.input)).toEqual([1, 2, 1, 2, 4]);
    expect(book.lookup('gpt-4.1-mini', 'gw.example.net:8443')?.price.input).toBe(0.8);
    expect(book.lookup('gpt-4.1', 'gw.example.net:8443')?.price.input).toBe(4);
  });

  it('leaves other hosts and calls without a host at list price', () => {
    expect(book.lookup('gpt-4.1', 'api.openai.com')?.price.input).toBe(2);
    expect(book.lookup('gpt-4.1')?.price.input).toBe(2);
  });
});

describe('PriceBook hosts that sell one model id at different prices', () => {
  const book = PriceBook.create();
  const id = 'meta-llama/Llama-3.3-70B-Instruct-Turbo';

  it('takes the price of the host the call went to', () => {
    expect(book.lookup(id, 'api.together.xyz')?.price).toMatchObject({ input: 0.88, output: 0.88 });
    expect(book.lookup(id, 'api.deepinfra.com')?.price).toMatchObject({ input: 0.13, output: 0.39 });
  });

  it('falls back to the exact spelling, then the first listed host, for calls through a relay', () => {
    expect(book.lookup('meta-llama/llama-4-scout-17b-16e-instruct', 'relay.example.com')?.price.input).toBe(0.11); // Groq's id
    expect(book.lookup('meta-llama/Llama-4-Scout-17B-16E-Instruct', 'relay.example.com')?.price.input).toBe(0.18); // Together's id
    expect(book.lookup(id, 'relay.example.com')?.price.input).toBe(0.88);
  });
});

describe('PriceBook memo', () => {
  it('stays within its cap however many distinct names arrive, and keeps answering correctly', () => {
    const book = PriceBook.create();
    for (let i = 0; i < 5000; i++) {
      const name = i % 2 ? `gpt-4o-${Math.random().toString(36).slice(2)}` : Math.random().toString(36).repeat(3);
      book.lookup(name, i % 3 ? 'relay.example.com' : undefined);
      expect(book.memoSize).toBeLessThanOrEqual(PRICE_MEMO_LIMIT);
    }
    expect(book.memoSize).toBe(PRICE_MEMO_LIMIT);
    expect(book.lookup('gpt-4.1-mini')?.price.input).toBe(0.4);
    expect(book.lookup('no-such-model')).toBeUndefined();
  });

  it('does not remember over-long names', () => {
    const book = PriceBook.create();
    expect(book.lookup(`gpt-4o-${'x'.repeat(100_000)}`)).toBeUndefined();
    expect(book.memoSize).toBe(0);
  });

  it('answers the same for a remembered name as for a fresh one', () => {
    const book = PriceBook.create({ pricingFile: { hosts: { 'relay.example.com': { multiplier: 0.5 } } } });
    const first = book.lookup('gpt-4.1', 'relay.example.com');
    expect(book.lookup('gpt-4.1', 'relay.example.com')).toEqual(first);
    expect(book.lookup('gpt-4.1')?.price.input).toBe(2); // the host is part of what is remembered
  });
});
