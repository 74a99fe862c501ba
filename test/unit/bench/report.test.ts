import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { describeRecorded, recordedFeatures } from '../../../bench/lib/recorded.ts';
import type { Recorded } from '../../../bench/lib/recorded.ts';
import { fixed, markdownTable, renderResults, signed } from '../../../bench/lib/report.ts';
import type { BenchDocument } from '../../../bench/lib/report.ts';
import type { VariantFigures } from '../../../bench/lib/stats.ts';
import { evaluateTargets, formatSize } from '../../../bench/lib/targets.ts';
import type { MemoryResult, WorkloadResults, WorkloadVariantResult } from '../../../bench/lib/targets.ts';

const { summarizeExposition } = createRequire(__filename)('../../../bench/variants/prometheus-text.cjs');

const NOTHING: Recorded = {
  tokens: false,
  timeToFirstChunk: false,
  timePerChunk: false,
  cost: false,
  rateLimits: false,
  metricFamilies: [],
};

function result(overrides: Partial<VariantFigures>, recorded: Partial<Recorded> = {}): WorkloadVariantResult {
  return {
    rounds: 3,
    callsPerSecond: 100,
    cpuUsPerCall: 1000,
    p50Ms: 1,
    p99Ms: 2,
    maxRssMiB: 100,
    heapAfterMiB: 10,
    heapGrowthKiB: 0,
    throughputRatio: 1,
    p50AddedMs: 0,
    p99AddedMs: 0,
    cpuAddedUsPerCall: 0,
    throughputRatioRange: [overrides.throughputRatio ?? 1, overrides.throughputRatio ?? 1],
    cpuAddedRange: [overrides.cpuAddedUsPerCall ?? 0, overrides.cpuAddedUsPerCall ?? 0],
    perRound: [],
    spansPerCall: 1,
    ...overrides,
    recorded: { ...NOTHING, spansPerCall: overrides.spansPerCall ?? 1, ...recorded },
  };
}

const SDK_PATCHING = new Set(['peer-a', 'peer-b']);

function memory(oursInFlightKiB: number, targetBytes = 100_000_000): MemoryResult {
  return {
    body: 'sse',
    targetBytes,
    bytes: targetBytes,
    inFlightKiB: { bare: 30, ours: 30 + oursInFlightKiB },
    afterKiB: { bare: 1, ours: 2 },
    maxRssMiB: { bare: 80, ours: 90 },
    wallMs: { bare: 1000, ours: 1500 },
    oursInFlightKiB,
    repetitions: 3,
    oursUsage: { 'gen_ai.usage.output_tokens': 338_983 },
  };
}

describe('markdownTable and number formats', () => {
  it('aligns the first column left and the others right, and escapes pipes', () => {
    expect(markdownTable(['a', 'b'], [['x|y', '1']])).toBe('| a | b |\n| :--- | ---: |\n| x\\|y | 1 |');
  });

  it('formats missing numbers as n/a and signs differences with a true minus', () => {
    expect(fixed(1.234, 2)).toBe('1.23');
    expect(fixed(undefined, 2)).toBe('n/a');
    expect(fixed(Number.NaN, 0)).toBe('n/a');
    expect(signed(12.4, 0)).toBe('+12');
    expect(signed(-3.2, 1)).toBe('−3.2');
    expect(signed(-0.01, 1)).toBe('0.0');
    expect(signed(undefined, 1)).toBe('n/a');
  });

  it('writes sizes in decimal units', () => {
    expect(formatSize(100_000_000)).toBe('100 MB');
    expect(formatSize(5_252_522)).toBe('5.3 MB');
    expect(formatSize(2020)).toBe('2 KB');
    expect(formatSize(512)).toBe('512 B');
  });
});

describe('summarizeExposition (Prometheus text)', () => {
  it('counts series per metric family and the observations of histograms', () => {
    const text = [
      '# HELP gen_ai_client_operation_duration GenAI operation duration',
      '# TYPE gen_ai_client_operation_duration histogram',
      'gen_ai_client_operation_duration_count{gen_ai_request_model="a"} 3',
      'gen_ai_client_operation_duration_sum{gen_ai_request_model="a"} 0.5',
      'gen_ai_client_operation_duration_bucket{gen_ai_request_model="a",le="+Inf"} 3',
      'gen_ai_client_operation_duration_count{gen_ai_request_model="b"} 4',
      'llm_relay_cost_usd_total{llm_relay_cost_source="table"} 0.25',
      'llm_relay_rate_limit_remaining{llm_relay_rate_limit_kind="requests"} 4999',
      'target_info{service_name="x"} 1',
      '',
    ].join('\n');
    expect(summarizeExposition(text)).toEqual({
      gen_ai_client_operation_duration: { series: 2, observations: 7 },
      llm_relay_cost_usd: { series: 1 },
      llm_relay_rate_limit_remaining: { series: 1 },
    });
  });
});

describe('recordedFeatures', () => {
  it('reads the GenAI data a run recorded from span attributes and metric families', () => {
    const recorded = recordedFeatures(
      [
        {
          scope: 'x',
          spans: 10,
          names: ['chat m'],
          attributes: ['gen_ai.usage.output_tokens', 'gen_ai.response.time_to_first_chunk'],
        },
      ],
      { llm_relay_cost_usd: { series: 1 }, llm_relay_rate_limit_remaining: { series: 2 } },
      1,
    );
    expect(recorded).toMatchObject({
      spansPerCall: 1,
      tokens: true,
      timeToFirstChunk: true,
      timePerChunk: false,
      cost: true,
      rateLimits: true,
    });
    expect(describeRecorded(recorded)).toBe('tokens, TTFT, cost, rate limits');
  });

  it('says so when an HTTP-only variant recorded no GenAI data', () => {
    const recorded = recordedFeatures(
      [{ scope: 'undici', spans: 5, names: ['POST'], attributes: ['http.request.method', 'url.full'] }],
      { http_client_request_duration: { series: 1, observations: 5 } },
      1,
    );
    expect(describeRecorded(recorded)).toBe('—');
    expect(recorded.metricFamilies).toEqual(['http_client_request_duration']);
  });
});

describe('evaluateTargets', () => {
  it('checks the throughput and CPU targets of ours against bare', () => {
    const workloads: WorkloadResults = {
      chat: { bare: result({}), ours: result({ throughputRatio: 0.96, cpuAddedUsPerCall: 40 }) },
      'stream-200': { bare: result({}), ours: result({ throughputRatio: 0.95 }) },
    };
    const checks = evaluateTargets(workloads, [], SDK_PATCHING);
    const met = Object.fromEntries(checks.map(c => [c.target, c.met]));
    expect(met['chat: ours ≥ 0.95 × bare throughput']).toBe(true);
    expect(met['stream-200: ours ≥ 0.97 × bare throughput']).toBe(false);
    expect(met['chat: CPU added per call < 50 µs']).toBe(true);
  });

  it('compares ours only with peers that recorded spans, and names the silent ones', () => {
    const workloads: WorkloadResults = {
      embeddings: {
        bare: result({}),
        ours: result({ cpuAddedUsPerCall: 500 }),
        'peer-a': result({ cpuAddedUsPerCall: 800 }),
        'peer-b': result({ cpuAddedUsPerCall: 10, spansPerCall: 0 }),
        undici: result({ cpuAddedUsPerCall: 5 }),
      },
    };
    const check = evaluateTargets(workloads, [], SDK_PATCHING).find(c => c.target.startsWith('embeddings'))!;
    expect(check.met).toBe(true);
    expect(check.measured).toContain('peer-a 800 µs');
    expect(check.measured).toContain('peer-b: no spans, not compared');
    expect(check.measured).not.toContain('undici');
  });

  it('fails ours when a recording peer adds less CPU, and cannot decide without a recording peer', () => {
    const checks = evaluateTargets(
      {
        a: { bare: result({}), ours: result({ cpuAddedUsPerCall: 300 }), 'peer-a': result({ cpuAddedUsPerCall: 200 }) },
        b: { bare: result({}), ours: result({ cpuAddedUsPerCall: 300 }), 'peer-b': result({ spansPerCall: 0 }) },
      },
      [],
      SDK_PATCHING,
    );
    expect(checks.find(c => c.target.startsWith('a:'))!.met).toBe(false);
    expect(checks.find(c => c.target.startsWith('b:'))!.met).toBeUndefined();
  });

  it('holds ours to 64 KiB per request in flight, for every body size', () => {
    const checks = evaluateTargets({}, [memory(40, 1_000_000), memory(90)], SDK_PATCHING);
    expect(checks.map(c => [c.target, c.met])).toContainEqual([
      'sse 1 MB: ours keeps ≤ 64 KiB per request in flight',
      true,
    ]);
    expect(checks.map(c => [c.target, c.met])).toContainEqual([
      'sse 100 MB: ours keeps ≤ 64 KiB per request in flight',
      false,
    ]);
  });
});

describe('renderResults', () => {
  const doc: BenchDocument = {
    generatedAt: '2026-01-01T00:00:00.000Z',
    durationSeconds: 300,
    commit: 'abc1234',
    dirty: false,
    codeFingerprint: 'f1f2f3',
    quick: false,
    rounds: 5,
    node: 'v22.23.3',
    machine: { cpu: 'Test CPU', cores: 2, memoryGiB: 8, os: 'Linux 6', loadStart: 0.5, loadEnd: 0.75 },
    openaiVersion: '6.49.0',
    packages: { 'otel-llm-relay': '0.1.0' },
    variants: [
      { name: 'bare', title: 'bare', patchesSdk: false },
      { name: 'ours', title: 'ours', patchesSdk: false },
    ],
    workloads: [{ name: 'chat', title: 'small chat', calls: 2000, warmup: 200, concurrency: 1 }],
    results: {
      chat: {
        bare: result({ spansPerCall: undefined }),
        ours: result(
          {
            callsPerSecond: 97,
            throughputRatio: 0.97,
            cpuAddedUsPerCall: 42,
            p50AddedMs: 0.03,
            throughputRatioRange: [0.9, 0.99],
            cpuAddedRange: [-5, 60],
          },
          { tokens: true, cost: true },
        ),
      },
    },
    memory: [memory(20)],
    targets: [{ target: 'chat: ours ≥ 0.95 × bare throughput', measured: '0.970', met: true }],
    profiles: [
      {
        variant: 'ours',
        workload: 'chat',
        calls: 2200,
        oursShare: 0.1,
        ours: [{ function: 'onFinished (dist/x.js:1)', selfMs: 22, share: 0.05 }],
        top: [{ function: '(garbage collector)', selfMs: 50, share: 0.1 }],
      },
    ],
    previous: {
      generatedAt: '2025-12-01',
      commit: 'old0001',
      ours: { chat: { throughputRatio: 0.8, cpuAddedUsPerCall: 400 } },
    },
  };

  it('writes the machine, the targets, one table per workload, memory, profiles and before/after', () => {
    const md = renderResults(doc);
    expect(md).toMatch(/^# Benchmark results\n\n/);
    expect(md).toContain('| machine | Test CPU, 2 cores, 8.0 GiB, Linux 6 |');
    expect(md).toContain('| commit | abc1234; dist/ measured: f1f2f3 |');
    expect(md).toContain('| chat: ours ≥ 0.95 × bare throughput | 0.970 | met |');
    expect(md).toContain(
      '| ours | 97.0 | 0.970 (0.90–0.99) | 1.00 | +0.03 | 2.00 | 0.00 | 1000 | +42 (−5…+60) | 100.0 | 10.0 | 1.00 | tokens, cost |',
    );
    expect(md).toContain('| bare | 100.0 | 1 |');
    expect(md).toContain('| SSE stream 100 MB | 100 MB | 30 | 50 | +20 |');
    expect(md).toContain('output_tokens=338983');
    expect(md).toContain('| onFinished (dist/x.js:1) | 5.0% | 10.0 |');
    expect(md).toContain('| chat | 0.800 | 0.970 | +400 | +42 |');
    expect(md).not.toMatch(/\n{3,}/);
    expect(md.endsWith('\n')).toBe(true);
  });

  it('renders results written before the spread of the rounds was kept', () => {
    const { throughputRatioRange: _r, cpuAddedRange: _c, ...older } = doc.results.chat!.ours!;
    const md = renderResults({
      ...doc,
      results: { chat: { ...doc.results.chat, ours: older as WorkloadVariantResult } },
    });
    expect(md).toContain('| ours | 97.0 | 0.970 | 1.00 | +0.03 | 2.00 | 0.00 | 1000 | +42 | 100.0 |');
  });

  it('marks missed targets and leaves out sections it has nothing for', () => {
    const md = renderResults({
      ...doc,
      targets: [{ target: 't', measured: 'm', met: false }],
      memory: [],
      profiles: [],
      previous: undefined,
    });
    expect(md).toContain('| t | m | **missed** |');
    expect(md).not.toContain('## Memory');
    expect(md).not.toContain('## Where ours spends its time');
    expect(md).not.toContain('## Before and after');
  });
});
