import { describe, expect, it } from 'vitest';
import { SPIKE_FACTOR, summarisePerCall } from '../../../bench/instructions/per-call.ts';

describe('summarisePerCall', () => {
  it('keeps the spikes (a major GC step landing in a call) apart from the ordinary calls', () => {
    // Eight ordinary streams around 25 M, two with a marking step of ~100 M.
    const counts = [25e6, 24e6, 26e6, 125e6, 25e6, 24e6, 26e6, 25e6, 110e6, 25e6];
    const summary = summarisePerCall(counts)!;
    expect(summary.calls).toBe(10);
    expect(summary.median).toBe(25e6);
    expect(summary.ordinaryCalls).toBe(8);
    expect(summary.ordinaryMean).toBe(25e6);
    expect(summary.mean).toBe(43.5e6);
    // The two spikes cost 185 M above two ordinary calls: 18.5 M spread over ten calls.
    expect(summary.spikesPerCall).toBeCloseTo(18.5e6, 0);
  });

  it('takes the middle of an even count as the mean of the two middle calls', () => {
    expect(summarisePerCall([4, 1, 3, 2])!.median).toBe(2.5);
  });

  it('counts a call at exactly the spike bound as a spike', () => {
    const summary = summarisePerCall([10, 10, 10, 10 * SPIKE_FACTOR])!;
    expect(summary.ordinaryCalls).toBe(3);
    expect(summary.spikesPerCall).toBeCloseTo(1.25);
  });

  it('has nothing to say about no calls', () => {
    expect(summarisePerCall([])).toBeUndefined();
  });
});
