/*
 * Reads rate-limit headroom from response headers. Pure.
 * OpenAI, Groq, DeepSeek, Together, OpenRouter and most relays: x-ratelimit-{limit,remaining}-{requests,tokens};
 * Anthropic: anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,remaining};
 * generic (IETF draft and many gateways): ratelimit-{limit,remaining} and x-ratelimit-{limit,remaining} (requests).
 */

export type RateLimitKind = 'requests' | 'tokens' | 'input_tokens' | 'output_tokens';

export interface RateLimitReading {
  kind: RateLimitKind;
  limit?: number;
  remaining?: number;
}

interface HeaderRule {
  header: string;
  kind: RateLimitKind;
  field: 'limit' | 'remaining';
}

const RULES: readonly HeaderRule[] = [
  { header: 'x-ratelimit-limit-requests', kind: 'requests', field: 'limit' },
  { header: 'x-ratelimit-remaining-requests', kind: 'requests', field: 'remaining' },
  { header: 'x-ratelimit-limit-tokens', kind: 'tokens', field: 'limit' },
  { header: 'x-ratelimit-remaining-tokens', kind: 'tokens', field: 'remaining' },
  { header: 'anthropic-ratelimit-requests-limit', kind: 'requests', field: 'limit' },
  { header: 'anthropic-ratelimit-requests-remaining', kind: 'requests', field: 'remaining' },
  { header: 'anthropic-ratelimit-tokens-limit', kind: 'tokens', field: 'limit' },
  { header: 'anthropic-ratelimit-tokens-remaining', kind: 'tokens', field: 'remaining' },
  { header: 'anthropic-ratelimit-input-tokens-limit', kind: 'input_tokens', field: 'limit' },
  { header: 'anthropic-ratelimit-input-tokens-remaining', kind: 'input_tokens', field: 'remaining' },
  { header: 'anthropic-ratelimit-output-tokens-limit', kind: 'output_tokens', field: 'limit' },
  { header: 'anthropic-ratelimit-output-tokens-remaining', kind: 'output_tokens', field: 'remaining' },
  // Generic forms count requests; they only apply when no specific requests header was sent.
  { header: 'x-ratelimit-limit', kind: 'requests', field: 'limit' },
  { header: 'x-ratelimit-remaining', kind: 'requests', field: 'remaining' },
  { header: 'ratelimit-limit', kind: 'requests', field: 'limit' },
  { header: 'ratelimit-remaining', kind: 'requests', field: 'remaining' },
];

/** Lower-case names of every header this module reads, for a one-pass header pick. */
export const RATE_LIMIT_HEADER_NAMES: ReadonlySet<string> = new Set([...RULES.map(r => r.header), 'retry-after']);

/** First non-negative number in a header value (`"60"`, `"60, 60"`, `"100;w=60"`). */
function headerNumber(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  // Nearly every value is a plain count ("9999"): read without a regular expression.
  if (isPlainCount(value)) return Number(value);
  const match = /\d+(?:\.\d+)?/.exec(value);
  if (!match) return undefined;
  const n = Number(match[0]);
  return Number.isFinite(n) ? n : undefined;
}

/** 1 to 15 ASCII digits: exactly what Number() reads as the same integer the pattern above would find. */
function isPlainCount(value: string): boolean {
  const length = value.length;
  if (length === 0 || length > 15) return false;
  for (let i = 0; i < length; i++) {
    const code = value.charCodeAt(i);
    if (code < 48 || code > 57) return false;
  }
  return true;
}

/** Readings in a stable order (requests, tokens, input_tokens, output_tokens); empty when none. */
export function parseRateLimitHeaders(headers: ReadonlyMap<string, string>): RateLimitReading[] {
  const byKind = new Map<RateLimitKind, RateLimitReading>();
  for (const rule of RULES) {
    const n = headerNumber(headers.get(rule.header));
    if (n === undefined) continue;
    let reading = byKind.get(rule.kind);
    if (!reading) {
      reading = { kind: rule.kind };
      byKind.set(rule.kind, reading);
    }
    // The specific header comes first in RULES and wins over the generic form.
    if (reading[rule.field] === undefined) reading[rule.field] = n;
  }
  return [...byKind.values()];
}

/**
 * Seconds to wait from a `retry-after` header: delta-seconds or an HTTP date (relative to `now`).
 * Undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+(?:\.\d+)?$/.test(trimmed)) return Number(trimmed);
  // Otherwise only an HTTP date (`Wed, 21 Oct 2026 07:28:00 GMT`): Date.parse would read "-5" as a year.
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.round((date - now) / 1000));
}
