import { describe, expect, it } from 'vitest';
import {
  firstProbeDelayMs,
  MAX_PROBE_BACKOFF_MS,
  MAX_TIMER_DELAY_MS,
  nextProbeDelayMs,
} from '../../../src/probe/probe-schedule';

const interval = 30_000;
const randoms = [0, 0.25, 0.5, 0.75, 0.999999];

describe('nextProbeDelayMs', () => {
  it('waits the interval ±10% when the relay did not throttle', () => {
    const delays = randoms.map(random => nextProbeDelayMs({ intervalMs: interval, consecutiveThrottles: 0, random }));
    expect(Math.min(...delays)).toBe(27_000);
    expect(Math.max(...delays)).toBe(33_000);
    expect(nextProbeDelayMs({ intervalMs: interval, consecutiveThrottles: 0, random: 0.5 })).toBe(interval);
  });

  it('ignores a Retry-After that came without a throttle', () => {
    expect(
      nextProbeDelayMs({ intervalMs: interval, consecutiveThrottles: 0, retryAfterMs: 600_000, random: 0.5 }),
    ).toBe(interval);
  });

  it('never comes back sooner than Retry-After, nor sooner than the interval', () => {
    for (const random of randoms) {
      expect(
        nextProbeDelayMs({ intervalMs: interval, consecutiveThrottles: 1, retryAfterMs: 120_000, random }),
      ).toBeGreaterThanOrEqual(120_000);
      expect(
        nextProbeDelayMs({ intervalMs: interval, consecutiveThrottles: 1, retryAfterMs: 1000, random }),
      ).toBeGreaterThanOrEqual(interval);
      expect(nextProbeDelayMs({ intervalMs: interval, consecutiveThrottles: 1, random })).toBeGreaterThanOrEqual(
        interval,
      );
    }
  });

  it('doubles the wait for each throttled answer in a row', () => {
    const at = (n: number) =>
      nextProbeDelayMs({ intervalMs: interval, consecutiveThrottles: n, retryAfterMs: 40_000, random: 0 });
    expect([at(1), at(2), at(3), at(4)]).toEqual([40_000, 80_000, 160_000, 320_000]);
  });

  it('caps the backoff at 10 minutes, even when Retry-After asks for more', () => {
    for (const random of randoms) {
      expect(nextProbeDelayMs({ intervalMs: interval, consecutiveThrottles: 6, random })).toBeLessThanOrEqual(
        MAX_PROBE_BACKOFF_MS,
      );
      expect(nextProbeDelayMs({ intervalMs: interval, consecutiveThrottles: 1000, random })).toBeLessThanOrEqual(
        MAX_PROBE_BACKOFF_MS,
      );
      expect(nextProbeDelayMs({ intervalMs: interval, consecutiveThrottles: 1, retryAfterMs: 3_600_000, random })).toBe(
        MAX_PROBE_BACKOFF_MS,
      );
    }
    expect(MAX_PROBE_BACKOFF_MS).toBe(600_000);
  });

  it('never backs off to less than an interval longer than the cap', () => {
    const hour = 3_600_000;
    for (const random of randoms) {
      const delay = nextProbeDelayMs({ intervalMs: hour, consecutiveThrottles: 3, retryAfterMs: 60_000, random });
      expect(delay).toBeGreaterThanOrEqual(hour);
      expect(delay).toBeLessThanOrEqual(hour * 1.1);
    }
  });

  it('gives a delay a timer can hold whatever it is fed', () => {
    for (const input of [
      { intervalMs: Number.MAX_VALUE, consecutiveThrottles: 0, random: 0.9 },
      { intervalMs: Number.MAX_VALUE, consecutiveThrottles: 2, random: 0.9 },
      { intervalMs: 30_000, consecutiveThrottles: 2, retryAfterMs: Number.POSITIVE_INFINITY, random: 0.9 },
      { intervalMs: 30_000, consecutiveThrottles: 0, random: Number.NaN },
      { intervalMs: Number.NaN, consecutiveThrottles: 0, random: 0.5 },
    ]) {
      const delay = nextProbeDelayMs(input);
      expect(Number.isFinite(delay)).toBe(true);
      expect(delay).toBeGreaterThan(0);
      expect(delay).toBeLessThanOrEqual(MAX_TIMER_DELAY_MS);
    }
  });
});

describe('firstProbeDelayMs', () => {
  it('starts within a second, spread by the random draw', () => {
    expect(firstProbeDelayMs(interval, 0)).toBe(0);
    expect(firstProbeDelayMs(interval, 0.5)).toBe(500);
    expect(firstProbeDelayMs(interval, 0.999)).toBeLessThan(1000);
  });
});
