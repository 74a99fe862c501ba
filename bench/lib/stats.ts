/*
 * The benchmark's arithmetic: percentiles, medians, one run's figures, and a variant's figures
 * against bare, round by round. Pure functions; bench/run.ts does the I/O.
 */

/** What bench/client.cjs writes for one (variant, workload, round). */
export interface RunResult {
  variant: string;
  workload: string;
  node: string;
  calls: number;
  concurrency: number;
  wallMs: number;
  cpuUserUs: number;
  cpuSystemUs: number;
  latenciesMs: number[];
  maxRssKiB: number;
  heapBeforeBytes: number;
  heapAfterBytes: number;
  /** Spans ended during the measured calls; undefined when the variant's spans cannot be counted. */
  spansMeasured?: number;
  spans: { scope: string; spans: number; names: string[]; attributes: string[] }[];
  metrics: Record<string, { series: number; observations?: number }>;
}

/** One run's figures. */
export interface RunFigures {
  callsPerSecond: number;
  cpuUsPerCall: number;
  p50Ms: number;
  p99Ms: number;
  maxRssMiB: number;
  /** Heap used after GC at the end of the run. */
  heapAfterMiB: number;
  /** Heap after GC at the end minus heap after GC before the measured calls. */
  heapGrowthKiB: number;
  /** Spans per measured call, all scopes; undefined when not countable. */
  spansPerCall?: number;
}

/** A variant's figures on one workload: medians over rounds, and its overhead against bare. */
export interface VariantFigures extends RunFigures {
  rounds: number;
  /** Median over rounds of (this variant's calls/s) / (bare's calls/s in the same round). */
  throughputRatio: number;
  /** Median over rounds of the p50 / p99 latency difference to bare in the same round. */
  p50AddedMs: number;
  p99AddedMs: number;
  /** Median over rounds of the CPU per call difference to bare in the same round. */
  cpuAddedUsPerCall: number;
  /**
   * Smallest and largest per-round ratio and CPU difference: how much the rounds disagreed.
   * (Optional: results.json files written before they were kept have none.)
   */
  throughputRatioRange?: [number, number];
  cpuAddedRange?: [number, number];
  /** Each round's own figures, in round order. */
  perRound?: RunFigures[];
}

/**
 * The p-th percentile (0..100) of `values`, linearly interpolated between closest ranks
 * (the "type 7" definition spreadsheets and NumPy use). NaN for no values.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const clamped = Math.min(100, Math.max(0, p));
  const rank = (clamped / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

/** The median of `values`; NaN for none. */
export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** The figures of one run. */
export function runFigures(run: RunResult): RunFigures {
  return {
    callsPerSecond: run.calls / (run.wallMs / 1000),
    cpuUsPerCall: (run.cpuUserUs + run.cpuSystemUs) / run.calls,
    p50Ms: percentile(run.latenciesMs, 50),
    p99Ms: percentile(run.latenciesMs, 99),
    maxRssMiB: run.maxRssKiB / 1024,
    heapAfterMiB: run.heapAfterBytes / 1024 / 1024,
    heapGrowthKiB: (run.heapAfterBytes - run.heapBeforeBytes) / 1024,
    spansPerCall: run.spansMeasured === undefined ? undefined : run.spansMeasured / run.calls,
  };
}

/**
 * A variant against bare over paired rounds (`bare[i]` and `variant[i]` ran in the same round, one
 * shortly after the other): each difference or ratio is taken within a round, then the median over
 * rounds, so that a machine slowing down or speeding up between rounds cancels out.
 */
export function compareWithBare(bare: readonly RunFigures[], variant: readonly RunFigures[]): VariantFigures {
  if (bare.length !== variant.length || bare.length === 0) {
    throw new Error(`compareWithBare: ${bare.length} bare rounds for ${variant.length} variant rounds`);
  }
  const paired = <T>(f: (b: RunFigures, v: RunFigures) => T) => variant.map((v, i) => f(bare[i]!, v));
  const med = (f: (r: RunFigures) => number) => median(variant.map(f));
  const spans = variant.map(r => r.spansPerCall);
  const ratios = paired((b, v) => v.callsPerSecond / b.callsPerSecond);
  const cpuAdded = paired((b, v) => v.cpuUsPerCall - b.cpuUsPerCall);
  return {
    rounds: variant.length,
    callsPerSecond: med(r => r.callsPerSecond),
    cpuUsPerCall: med(r => r.cpuUsPerCall),
    p50Ms: med(r => r.p50Ms),
    p99Ms: med(r => r.p99Ms),
    maxRssMiB: med(r => r.maxRssMiB),
    heapAfterMiB: med(r => r.heapAfterMiB),
    heapGrowthKiB: med(r => r.heapGrowthKiB),
    spansPerCall: spans.some(s => s === undefined) ? undefined : median(spans as number[]),
    throughputRatio: median(ratios),
    p50AddedMs: median(paired((b, v) => v.p50Ms - b.p50Ms)),
    p99AddedMs: median(paired((b, v) => v.p99Ms - b.p99Ms)),
    cpuAddedUsPerCall: median(cpuAdded),
    throughputRatioRange: [Math.min(...ratios), Math.max(...ratios)],
    cpuAddedRange: [Math.min(...cpuAdded), Math.max(...cpuAdded)],
    perRound: [...variant],
  };
}

/**
 * The order variants run in, round `round` (0-based): a rotation of `variants`, so that each one
 * takes each position (first after a pause, right after another variant) as often as the others.
 */
export function roundOrder<T>(variants: readonly T[], round: number): T[] {
  if (variants.length === 0) return [];
  const shift = ((round % variants.length) + variants.length) % variants.length;
  return [...variants.slice(shift), ...variants.slice(0, shift)];
}
