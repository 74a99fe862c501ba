import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it, expect } from 'vitest';
import { canonicalModelName } from '../../../src/pricing/model-names';
import { PriceBook } from '../../../src/pricing/price-book';
import { BUILT_IN_PRICES, PRICE_TABLE_DATE } from '../../../src/pricing/price-table';

describe('built-in price table', () => {
  const book = PriceBook.create();

  it('gives every entry a vendor pricing page and a check date no later than the table date', () => {
    for (const entry of BUILT_IN_PRICES) {
      expect(new URL(entry.source).protocol, entry.model).toBe('https:');
      expect(entry.date, entry.model).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(entry.date <= PRICE_TABLE_DATE, entry.model).toBe(true);
    }
  });

  it('has finite, non-negative prices, with cache reads never dearer than uncached input', () => {
    for (const entry of BUILT_IN_PRICES) {
      for (const value of [entry.input, entry.output, entry.cachedInput ?? 0, entry.cacheWrite ?? 0]) {
        expect(Number.isFinite(value) && value >= 0, entry.model).toBe(true);
      }
      expect(entry.cachedInput ?? entry.input, entry.model).toBeLessThanOrEqual(entry.input);
    }
  });

  it('prices Anthropic cache writes at 1.25× and cache reads at 0.1× input (Claude 3 Haiku excepted)', () => {
    const claude = BUILT_IN_PRICES.filter(e => e.model.startsWith('claude-') && e.model !== 'claude-3-haiku');
    expect(claude.length).toBeGreaterThan(10);
    for (const entry of claude) {
      expect(entry.cacheWrite, entry.model).toBeCloseTo(entry.input * 1.25, 10);
      expect(entry.cachedInput, entry.model).toBeCloseTo(entry.input * 0.1, 10);
    }
  });

  it('lists one model id twice only for different hosts', () => {
    const seen = new Map<string, Set<string>>();
    for (const entry of BUILT_IN_PRICES) {
      const key = canonicalModelName(entry.model);
      const hosts = seen.get(key) ?? new Set<string>();
      const hostKey = (entry.hosts ?? []).join(',');
      expect(hosts.has(hostKey), `${entry.model} listed twice for the same hosts`).toBe(false);
      hosts.add(hostKey);
      seen.set(key, hosts);
    }
  });

  it('is listed in docs/pricing.md with the same prices', () => {
    const docs = readFileSync(path.resolve(__dirname, '../../../docs/pricing.md'), 'utf8');
    const show = (n?: number) => (n === undefined ? '–' : String(n));
    for (const e of BUILT_IN_PRICES) {
      const row = `| \`${e.model}\` | ${show(e.input)} | ${show(e.cachedInput)} | ${show(e.cacheWrite)} | ${show(e.output)} |`;
      expect(docs.includes(row), row).toBe(true);
    }
  });

  it.each([
    'gpt-4.1',
    'gpt-4.1-mini',
    'gpt-4.1-nano',
    'gpt-4o',
    'gpt-4o-mini',
    'gpt-5',
    'gpt-5-mini',
    'gpt-5-nano',
    'o1',
    'o3',
    'o3-mini',
    'o4-mini',
    'text-embedding-3-small',
    'text-embedding-3-large',
    'text-embedding-ada-002',
    'claude-opus-4-20250514',
    'claude-opus-4-1-20250805',
    'claude-sonnet-4-20250514',
    'claude-sonnet-4.5',
    'claude-sonnet-4-5',
    'claude-haiku-4.5',
    'claude-3-5-sonnet-20241022',
    'claude-3-5-haiku-20241022',
    'claude-3-7-sonnet-20250219',
    'claude-3-haiku-20240307',
    'gemini-2.5-pro',
    'gemini-2.5-flash',
    'gemini-2.5-flash-lite',
    'gemini-2.0-flash',
    'deepseek-chat',
    'deepseek-v3.2',
    'deepseek-reasoner',
    'deepseek-r1',
    'qwen-max',
    'qwen-plus',
    'qwen-turbo',
    'qwen3-max',
    'mistral-large-latest',
    'mistral-medium-latest',
    'mistral-small-latest',
    'mistral-embed',
    'llama-3.3-70b-versatile',
    'meta-llama/Llama-3.3-70B-Instruct-Turbo',
  ])('has a price for %s', model => {
    expect(book.lookup(model)).toBeDefined();
  });
});
