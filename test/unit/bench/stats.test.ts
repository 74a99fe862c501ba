import { describe, expect, it } from 'vitest';
import { compareWithBare, median, percentile, roundOrder, runFigures } from '../../../bench/lib/stats.ts';
import type { RunFigures, RunResult } from '../../../bench/lib/stats.ts';

function run(overrides: Partial<RunResult>): RunResult {
  return {
    variant: 'bare',
    workload: 'chat',
    node: 'v22.0.0',
    calls: 100,
    concurrency: 1,
    wallMs: 1000,
    cpuUserUs: 150_000,
    cpuSystemUs: 50_000,
    latenciesMs: [1, 2, 3],
    maxRssKiB: 102_400,
    heapBeforeBytes: 10 * 1024 * 1024,
    heapAfterBytes: 10 * 1024 * 1024 + 2048,
    spans: [],
    metrics: {},
    ...overrides,
  };
}

function figures(overrides: Partial<RunFigures>): RunFigures {
  return {
    callsPerSecond: 100,
    cpuUsPerCall: 1000,
    p50Ms: 1,
    p99Ms: 2,
    maxRssMiB: 100,
    heapAfterMiB: 10,
    heapGrowthKiB: 0,
    ...overrides,
  };
}

describe('percentile', () => {
  it('interpolates between the closest ranks', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([10, 20, 30, 40, 50], 25)).toBe(20);
    expect(percentile([0, 100], 99)).toBeCloseTo(99);
  });

  it('does not depend on the order of the values and leaves them as they were', () => {
    const values = [5, 1, 4, 2, 3];
    expect(percentile(values, 50)).toBe(3);
    expect(values).toEqual([5, 1, 4, 2, 3]);
  });

  it('gives the extremes at 0 and 100 (and clamps beyond), NaN for no values', () => {
    expect(percentile([3, 1, 2], 0)).toBe(1);
    expect(percentile([3, 1, 2], 100)).toBe(3);
    expect(percentile([3, 1, 2], 150)).toBe(3);
    expect(percentile([], 50)).toBeNaN();
  });

  it('median of an odd and an even count', () => {
    expect(median([7, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe('runFigures', () => {
  it('derives throughput, CPU per call, latency percentiles and memory from one run', () => {
    const f = runFigures(run({ latenciesMs: Array.from({ length: 101 }, (_, i) => i), spansMeasured: 100 }));
    expect(f.callsPerSecond).toBe(100);
    expect(f.cpuUsPerCall).toBe(2000);
    expect(f.p50Ms).toBe(50);
    expect(f.p99Ms).toBe(99);
    expect(f.maxRssMiB).toBe(100);
    expect(f.heapAfterMiB).toBeCloseTo(10.002, 3);
    expect(f.heapGrowthKiB).toBe(2);
    expect(f.spansPerCall).toBe(1);
  });

  it('leaves spans per call undefined when they could not be counted', () => {
    expect(runFigures(run({ spansMeasured: undefined })).spansPerCall).toBeUndefined();
  });
});

describe('compareWithBare', () => {
  it('pairs rounds: a machine slowing down between rounds does not show as overhead', () => {
    // Round 2 runs on a machine twice as slow; the variant costs 10% in both rounds.
    const bare = [
      figures({ callsPerSecond: 100, cpuUsPerCall: 1000 }),
      figures({ callsPerSecond: 50, cpuUsPerCall: 2000 }),
    ];
    const variant = [
      figures({ callsPerSecond: 90, cpuUsPerCall: 1100 }),
      figures({ callsPerSecond: 45, cpuUsPerCall: 2200 }),
    ];
    const result = compareWithBare(bare, variant);
    expect(result.throughputRatio).toBeCloseTo(0.9);
    expect(result.cpuAddedUsPerCall).toBe(150);
    expect(result.callsPerSecond).toBe(67.5);
    expect(result.rounds).toBe(2);
  });

  it('takes the median over rounds, so one disturbed round does not move the result', () => {
    const bare = [figures({ p50Ms: 1 }), figures({ p50Ms: 1 }), figures({ p50Ms: 1 })];
    const variant = [figures({ p50Ms: 1.1 }), figures({ p50Ms: 9 }), figures({ p50Ms: 1.2 })];
    expect(compareWithBare(bare, variant).p50AddedMs).toBeCloseTo(0.2);
  });

  it("keeps the spread of the rounds and each round's figures", () => {
    const bare = [
      figures({ callsPerSecond: 100, cpuUsPerCall: 1000 }),
      figures({ callsPerSecond: 100, cpuUsPerCall: 1000 }),
      figures({ callsPerSecond: 100, cpuUsPerCall: 1000 }),
    ];
    const variant = [
      figures({ callsPerSecond: 80, cpuUsPerCall: 1300 }),
      figures({ callsPerSecond: 95, cpuUsPerCall: 1020 }),
      figures({ callsPerSecond: 90, cpuUsPerCall: 1100 }),
    ];
    const result = compareWithBare(bare, variant);
    expect(result.throughputRatioRange).toEqual([0.8, 0.95]);
    expect(result.cpuAddedRange).toEqual([20, 300]);
    expect(result.perRound?.map(r => r.callsPerSecond)).toEqual([80, 95, 90]);
  });

  it('reports spans per call only when every round counted them', () => {
    const bare = [figures({}), figures({})];
    expect(compareWithBare(bare, [figures({ spansPerCall: 1 }), figures({ spansPerCall: 1 })]).spansPerCall).toBe(1);
    expect(compareWithBare(bare, [figures({ spansPerCall: 1 }), figures({})]).spansPerCall).toBeUndefined();
  });

  it('refuses rounds that do not pair up', () => {
    expect(() => compareWithBare([figures({})], [])).toThrow(/rounds/);
    expect(() => compareWithBare([], [])).toThrow(/rounds/);
  });
});

describe('roundOrder', () => {
  it('rotates the variants so that each takes every position once over as many rounds', () => {
    const variants = ['a', 'b', 'c'];
    const orders = [0, 1, 2].map(r => roundOrder(variants, r));
    expect(orders).toEqual([
      ['a', 'b', 'c'],
      ['b', 'c', 'a'],
      ['c', 'a', 'b'],
    ]);
    for (const position of [0, 1, 2]) expect(new Set(orders.map(o => o[position])).size).toBe(3);
    expect(roundOrder(variants, 3)).toEqual(variants);
    expect(roundOrder([], 2)).toEqual([]);
  });
});
