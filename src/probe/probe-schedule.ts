/*
 * When the next probe runs. Pure: randomness comes in as a number in [0, 1).
 */

/** Delays vary by ±10% so that many instances started together do not probe in step. */
export const PROBE_JITTER = 0.1;
/** Longest wait between two probes, whatever the backoff or Retry-After says. */
export const MAX_PROBE_BACKOFF_MS = 10 * 60 * 1000;
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

/**
 * Milliseconds until the next probe. Normally the interval ±10%. When throttled: at least the
 * interval and at least Retry-After, doubled for each further throttled answer in a row, up to
 * 10 minutes; the jitter then only lengthens the wait, so Retry-After is honoured.
 */
export function nextProbeDelayMs(input: ProbeDelayInput): number {
  const random = Math.min(Math.max(input.random, 0), 1);
  if (input.consecutiveThrottles <= 0) {
    return Math.round(input.intervalMs * (1 - PROBE_JITTER + 2 * PROBE_JITTER * random));
  }
  const floor = Math.max(input.intervalMs, input.retryAfterMs ?? 0);
  // Cap the exponent: 2^20 intervals is far beyond the cap anyway.
  const doubled = floor * 2 ** Math.min(input.consecutiveThrottles - 1, 20);
  return Math.round(Math.min(MAX_PROBE_BACKOFF_MS, doubled * (1 + PROBE_JITTER * random)));
}

/** Wait before the first probe: short, so the first reading comes soon, but spread over a second. */
export function firstProbeDelayMs(intervalMs: number, random: number): number {
  return Math.round(Math.min(FIRST_PROBE_MAX_DELAY_MS, intervalMs * PROBE_JITTER) * Math.min(Math.max(random, 0), 1));
}
