/*
 * When the next probe runs. Pure: randomness comes in as a number in [0, 1).
 */

/** Delays vary by ±10% so that many instances started together do not probe in step. */
export const PROBE_JITTER = 0.1;
/** Longest wait between two probes, whatever the backoff or Retry-After says. */
export const MAX_PROBE_BACKOFF_MS = 10 * 60 * 1000;
/** Longest delay a Node timer holds; a longer one fires after 1 ms. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;
/** Longest wait before the first probe after start(). */
export const FIRST_PROBE_MAX_DELAY_MS = 1000;

export interface ProbeDelayInput {
  intervalMs: number;
  /** Throttled answers (429, or any answer with Retry-After) in a row, the last one included; 0 otherwise. */
  consecutiveThrottles: number;
  /** What the relay asked for in Retry-After, when it did. */
  retryAfterMs?: number;
  /** A uniform random number in [0, 1). */
  random: number;
}

/** `random` in [0, 1]; the middle for a value that is no number. */
function unitRandom(random: number): number {
  return Number.isNaN(random) ? 0.5 : Math.min(Math.max(random, 0), 1);
}

/** A delay setTimeout honours: at least 1 ms, at most MAX_TIMER_DELAY_MS; the backoff cap for no number. */
function timerDelay(ms: number): number {
  if (Number.isNaN(ms)) return MAX_PROBE_BACKOFF_MS;
  return Math.min(MAX_TIMER_DELAY_MS, Math.max(1, Math.round(ms)));
}

/**
 * Milliseconds until the next probe. Normally the interval ±10%. When throttled: at least the
 * interval and at least Retry-After, doubled for each further throttled answer in a row, up to
 * 10 minutes or the interval when that is longer; the jitter then only lengthens the wait, so
 * Retry-After is honoured. Always a delay a timer can hold.
 */
export function nextProbeDelayMs(input: ProbeDelayInput): number {
  const random = unitRandom(input.random);
  if (input.consecutiveThrottles <= 0) {
    return timerDelay(input.intervalMs * (1 - PROBE_JITTER + 2 * PROBE_JITTER * random));
  }
  const floor = Math.max(input.intervalMs, input.retryAfterMs ?? 0);
  // Cap the exponent: 2^20 intervals is far beyond the cap anyway.
  const doubled = floor * 2 ** Math.min(input.consecutiveThrottles - 1, 20);
  const cap = Math.max(MAX_PROBE_BACKOFF_MS, input.intervalMs);
  return timerDelay(Math.min(cap, doubled * (1 + PROBE_JITTER * random)));
}

/** Wait before the first probe: short, so the first reading comes soon, but spread over a second. */
export function firstProbeDelayMs(intervalMs: number, random: number): number {
  const delay = Math.round(Math.min(FIRST_PROBE_MAX_DELAY_MS, intervalMs * PROBE_JITTER) * unitRandom(random));
  return Number.isNaN(delay) ? FIRST_PROBE_MAX_DELAY_MS : delay;
}
