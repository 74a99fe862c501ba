/*
 * The legacy OpenAI billing answers that relays built on one-api / new-api serve, read into a
 * balance. Pure: the caller fetches, this decides what the answers say.
 *
 *   GET …/dashboard/billing/subscription  {"hard_limit_usd": 25, "soft_limit_usd": 25, "system_hard_limit_usd": 25, …}
 *   GET …/dashboard/billing/usage?start_date=…&end_date=…  {"object": "list", "total_usage": 1234.5}   (US cents)
 *
 * one-api and new-api put the key's (or user's) whole quota, spent plus left, into hard_limit_usd and
 * what was spent into total_usage, whatever the dates; what is left is the difference. They answer
 * errors with status 200 and `{"error": {...}}`, and an unlimited key with a limit of 100 000 000.
 */

/** one-api / new-api report an unlimited key as this limit; anything at or above it counts as unlimited. */
export const UNLIMITED_LIMIT_USD = 100_000_000;
/** The usage query covers this many days back: the most OpenAI's legacy route accepted. */
const USAGE_WINDOW_DAYS = 100;
const DAY_MS = 86_400_000;

/** What the two answers say, together. */
export type BalanceReading =
  | { kind: 'balance'; limitUsd: number; remainingUsd: number }
  /** The key has no limit: there is no balance to watch. */
  | { kind: 'unlimited' }
  /** The answers do not say (an error object, a field missing or not a plausible amount); `reason` is for the log. */
  | { kind: 'unreadable'; reason: string };

type Amount = { value: number } | { problem: string };

/** A non-negative finite amount from a number or a numeric string (some relays quote them). */
function amount(raw: unknown, field: string): Amount {
  let value: number | undefined;
  if (typeof raw === 'number') value = raw;
  else if (typeof raw === 'string' && /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/.test(raw)) value = Number(raw);
  if (raw === undefined || raw === null) return { problem: `no ${field}` };
  if (value === undefined) return { problem: `${field} is not a number` };
  if (!Number.isFinite(value) || value < 0) return { problem: `${field} is not a finite amount >= 0` };
  return { value };
}

function objectOf(body: unknown): Record<string, unknown> | undefined {
  return typeof body === 'object' && body !== null && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : undefined;
}

/** The answer is an error object (one-api answers errors with status 200). */
function errorOf(body: Record<string, unknown>): string | undefined {
  return body['error'] !== undefined && body['error'] !== null ? 'an error object' : undefined;
}

/** The limit in USD from the subscription answer: `hard_limit_usd`, else `system_hard_limit_usd`. */
export function parseSubscription(body: unknown): Amount | { unlimited: true } {
  const answer = objectOf(body);
  if (!answer) return { problem: 'not a JSON object' };
  const error = errorOf(answer);
  if (error) return { problem: error };
  const present = (field: string) => answer[field] !== undefined && answer[field] !== null;
  const field =
    !present('hard_limit_usd') && present('system_hard_limit_usd') ? 'system_hard_limit_usd' : 'hard_limit_usd';
  const limit = amount(answer[field], field);
  if ('value' in limit && limit.value >= UNLIMITED_LIMIT_USD) return { unlimited: true };
  return limit;
}

/** What was spent, in USD, from the usage answer's `total_usage` (US cents). */
export function parseUsage(body: unknown): Amount {
  const answer = objectOf(body);
  if (!answer) return { problem: 'not a JSON object' };
  const error = errorOf(answer);
  if (error) return { problem: error };
  const cents = amount(answer['total_usage'], 'total_usage');
  if (!('value' in cents)) return cents;
  // Beyond what any limit below "unlimited" allows: not an amount we believe.
  if (cents.value / 100 >= UNLIMITED_LIMIT_USD) return { problem: 'total_usage is out of range' };
  return { value: cents.value / 100 };
}

/**
 * The balance the two answers (parsed JSON bodies) describe: the limit, and what is left of it
 * (never below 0). An unlimited limit needs no usage answer.
 */
export function readBalance(subscription: unknown, usage: unknown): BalanceReading {
  const limit = parseSubscription(subscription);
  if ('unlimited' in limit) return { kind: 'unlimited' };
  if ('problem' in limit) return { kind: 'unreadable', reason: `subscription: ${limit.problem}` };
  const spent = parseUsage(usage);
  if ('problem' in spent) return { kind: 'unreadable', reason: `usage: ${spent.problem}` };
  return { kind: 'balance', limitUsd: limit.value, remainingUsd: Math.max(0, limit.value - spent.value) };
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * The usage route's query: the last 100 days up to tomorrow (UTC), what OpenAI's legacy route
 * required. one-api and new-api ignore the dates and report everything spent.
 */
export function usageQuery(nowMs: number): string {
  return `start_date=${isoDate(nowMs - (USAGE_WINDOW_DAYS - 1) * DAY_MS)}&end_date=${isoDate(nowMs + DAY_MS)}`;
}
