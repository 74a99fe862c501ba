/*
 * Rate-limit headroom from response headers, in the shapes OpenAI-compatible relays and Anthropic
 * send, and retry-after in both of its forms.
 */
import { describe, expect, it } from 'vitest';
import { parseRateLimitHeaders, parseRetryAfter, RATE_LIMIT_HEADER_NAMES } from '../../../src/http/rate-limit-headers';

const headers = (entries: Record<string, string>) => new Map(Object.entries(entries));

describe('parseRateLimitHeaders', () => {
  it('OpenAI shape: requests and tokens, limit and remaining (reset durations ignored)', () => {
    // As openai/chat-completions-basic.json sends them.
    const readings = parseRateLimitHeaders(
      headers({
        'x-ratelimit-limit-requests': '10000',
        'x-ratelimit-limit-tokens': '30000000',
        'x-ratelimit-remaining-requests': '9999',
        'x-ratelimit-remaining-tokens': '29999994',
        'x-ratelimit-reset-requests': '6ms',
        'x-ratelimit-reset-tokens': '0s',
      }),
    );
    expect(readings).toEqual([
      { kind: 'requests', limit: 10000, remaining: 9999 },
      { kind: 'tokens', limit: 30000000, remaining: 29999994 },
    ]);
  });

  it('Anthropic shape: requests, tokens, input and output tokens, in that order', () => {
    const readings = parseRateLimitHeaders(
      headers({
        'anthropic-ratelimit-output-tokens-limit': '80000',
        'anthropic-ratelimit-output-tokens-remaining': '79000',
        'anthropic-ratelimit-input-tokens-limit': '400000',
        'anthropic-ratelimit-input-tokens-remaining': '399000',
        'anthropic-ratelimit-requests-limit': '4000',
        'anthropic-ratelimit-requests-remaining': '3999',
        'anthropic-ratelimit-requests-reset': '2025-03-15T09:38:27Z',
        'anthropic-ratelimit-tokens-limit': '480000',
        'anthropic-ratelimit-tokens-remaining': '478000',
      }),
    );
    expect(readings).toEqual([
      { kind: 'requests', limit: 4000, remaining: 3999 },
      { kind: 'tokens', limit: 480000, remaining: 478000 },
      { kind: 'input_tokens', limit: 400000, remaining: 399000 },
      { kind: 'output_tokens', limit: 80000, remaining: 79000 },
    ]);
  });

  it('generic forms (IETF draft, many gateways) count requests', () => {
    expect(parseRateLimitHeaders(headers({ 'ratelimit-limit': '100', 'ratelimit-remaining': '42' }))).toEqual([
      { kind: 'requests', limit: 100, remaining: 42 },
    ]);
    expect(parseRateLimitHeaders(headers({ 'x-ratelimit-limit': '60', 'x-ratelimit-remaining': '0' }))).toEqual([
      { kind: 'requests', limit: 60, remaining: 0 },
    ]);
  });

  it('a specific requests header wins over the generic one', () => {
    const readings = parseRateLimitHeaders(
      headers({
        'x-ratelimit-limit': '1',
        'x-ratelimit-remaining': '1',
        'x-ratelimit-limit-requests': '500',
        'x-ratelimit-remaining-requests': '499',
      }),
    );
    expect(readings).toEqual([{ kind: 'requests', limit: 500, remaining: 499 }]);
  });

  it('reads the first number of list and parameter forms', () => {
    expect(parseRateLimitHeaders(headers({ 'ratelimit-limit': '100;w=60', 'ratelimit-remaining': '7, 7' }))).toEqual([
      { kind: 'requests', limit: 100, remaining: 7 },
    ]);
  });

  it('reads a value as its first number, plain counts and others alike', () => {
    const cases: Array<[string, number | undefined]> = [
      ['0', 0],
      ['0099', 99],
      ['123456789012345', 123456789012345],
      ['1234567890123456', 1234567890123456],
      ['12.5', 12.5],
      [' 42', 42],
      ['42 ', 42],
      ['4e3', 4],
      ['-5', 5],
      ['', undefined],
    ];
    for (const [value, expected] of cases) {
      const readings = parseRateLimitHeaders(headers({ 'x-ratelimit-remaining-tokens': value }));
      expect(readings, value).toEqual(expected === undefined ? [] : [{ kind: 'tokens', remaining: expected }]);
    }
  });

  it('half a pair gives a reading with only that half', () => {
    expect(parseRateLimitHeaders(headers({ 'x-ratelimit-remaining-tokens': '12' }))).toEqual([
      { kind: 'tokens', remaining: 12 },
    ]);
  });

  it('unreadable values and unrelated headers give nothing, without throwing', () => {
    expect(
      parseRateLimitHeaders(headers({ 'x-ratelimit-remaining-requests': 'lots', 'content-type': 'application/json' })),
    ).toEqual([]);
    expect(parseRateLimitHeaders(new Map())).toEqual([]);
  });

  it('every header the parser reads is in the pick list (headers are filtered before parsing)', () => {
    for (const name of [
      'x-ratelimit-limit-requests',
      'x-ratelimit-remaining-tokens',
      'anthropic-ratelimit-input-tokens-remaining',
      'anthropic-ratelimit-output-tokens-limit',
      'ratelimit-remaining',
      'retry-after',
    ]) {
      expect(RATE_LIMIT_HEADER_NAMES.has(name), name).toBe(true);
    }
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-03-01T12:00:00Z');

  it('delta-seconds', () => {
    expect(parseRetryAfter('20', now)).toBe(20);
    expect(parseRetryAfter(' 1.5 ', now)).toBe(1.5);
    expect(parseRetryAfter('0', now)).toBe(0);
  });

  it('an HTTP date, relative to now; a past date is 0', () => {
    expect(parseRetryAfter('Sun, 01 Mar 2026 12:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('Sun, 01 Mar 2026 11:59:00 GMT', now)).toBe(0);
  });

  it('absent or unreadable: undefined', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
  });

  it('a negative number is unreadable, not "retry now"', () => {
    // Neither delta-seconds (a non-negative integer) nor an HTTP date; Date.parse reads it as the year -5.
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});
