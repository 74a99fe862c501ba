/*
 * Per-call counts (one callgrind dump per call, see per-call-summary.ts): the median call, the
 * ordinary calls and the spikes apart. Under valgrind a major GC's incremental marking is paced by
 * wall time and so spread over many calls (NOTES.md, "One count per stream"): the median and the
 * ordinary mean are the figures that do not depend on where such a spike falls.
 */
import { median as medianOf } from '../lib/stats.ts';

export interface PerCallSummary {
  calls: number;
  median: number;
  /** Calls below SPIKE_FACTOR × the median. */
  ordinaryCalls: number;
  ordinaryMean: number;
  /** What the other calls cost above the ordinary mean, spread over every call. */
  spikesPerCall: number;
  mean: number;
}

/** A call above this many times the median had a major GC step or a compilation land in it. */
export const SPIKE_FACTOR = 1.5;

export function summarisePerCall(counts: readonly number[]): PerCallSummary | undefined {
  if (counts.length === 0) return undefined;
  const median = medianOf(counts);
  const ordinary = counts.filter(c => c < SPIKE_FACTOR * median);
  const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);
  const ordinaryMean = ordinary.length > 0 ? sum(ordinary) / ordinary.length : median;
  const mean = sum(counts) / counts.length;
  return {
    calls: counts.length,
    median,
    ordinaryCalls: ordinary.length,
    ordinaryMean,
    spikesPerCall: mean - ordinaryMean,
    mean,
  };
}
