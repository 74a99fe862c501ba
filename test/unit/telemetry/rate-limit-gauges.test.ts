import { diag, DiagLogLevel } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { DataPoint } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProbeMetrics } from '../../../src/probe/probe-metrics';
import { LlmMetrics } from '../../../src/telemetry/metrics';
import { MAX_RATE_LIMIT_SERIES, rateLimitGaugesFor } from '../../../src/telemetry/rate-limit-gauges';
import { pointsOf, TestMetricReader } from '../../support/otel-harness';

const REMAINING = 'llm_relay.rate_limit.remaining';
const LIMIT = 'llm_relay.rate_limit.limit';

function setup() {
  const reader = new TestMetricReader();
  const provider = new MeterProvider({ readers: [reader] });
  const meter = provider.getMeter('test');
  const points = async (name: string): Promise<DataPoint<unknown>[]> => {
    const { resourceMetrics, errors } = await reader.collect();
    expect(errors).toEqual([]);
    return pointsOf(
      resourceMetrics.scopeMetrics.flatMap(s => s.metrics),
      name,
    );
  };
  return { meter, points };
}

const relay = { 'server.address': 'relay.example', 'server.port': 443, 'gen_ai.request.model': 'gpt-4.1' };

/** A mock that receives every diag warning and error until the test ends. */
function captureWarnings() {
  const warn = vi.fn();
  diag.setLogger({ error: warn, warn, info: () => {}, debug: () => {}, verbose: () => {} }, DiagLogLevel.WARN);
  return warn;
}

afterEach(() => {
  diag.disable();
});

describe('rate-limit gauges', () => {
  it('report the latest reading per attribute set and kind, remaining and limit independently', async () => {
    const { meter, points } = setup();
    const gauges = rateLimitGaugesFor(meter);
    gauges.record(
      [
        { kind: 'requests', remaining: 99, limit: 100 },
        { kind: 'tokens', remaining: 9000, limit: 10000 },
      ],
      relay,
    );
    gauges.record([{ kind: 'requests', remaining: 98 }], { ...relay });
    const remaining = await points(REMAINING);
    expect(remaining.map(p => [p.attributes['llm_relay.rate_limit.kind'], p.value]).sort()).toEqual([
      ['requests', 98],
      ['tokens', 9000],
    ]);
    // A response without a limit header leaves the last known limit in place.
    expect((await points(LIMIT)).map(p => p.value).sort()).toEqual([100, 10000]);
    // Still reported at the next collection, as a synchronous gauge would be under cumulative temporality.
    expect(await points(REMAINING)).toHaveLength(2);
  });

  it('treat attribute sets with the same members in another order as one series', async () => {
    const { meter, points } = setup();
    const gauges = rateLimitGaugesFor(meter);
    gauges.record([{ kind: 'requests', remaining: 5 }], {
      'server.port': 443,
      'gen_ai.request.model': 'gpt-4.1',
      'server.address': 'relay.example',
    });
    gauges.record([{ kind: 'requests', remaining: 4 }], relay);
    expect((await points(REMAINING)).map(p => p.value)).toEqual([4]);
  });

  it('keep one series per set when calls alternate between orders, the latest reading winning', async () => {
    const { meter, points } = setup();
    const gauges = rateLimitGaugesFor(meter);
    const reordered = { 'server.port': 443, 'gen_ai.request.model': 'gpt-4.1', 'server.address': 'relay.example' };
    for (let i = 10; i > 0; i--) gauges.record([{ kind: 'requests', remaining: i }], i % 2 === 0 ? relay : reordered);
    gauges.record(
      [
        { kind: 'requests', remaining: 9 },
        { kind: 'tokens', remaining: 90 },
      ],
      { ...relay, tags: ['a', 'b'] },
    );
    gauges.record([{ kind: 'requests', remaining: 8 }], { tags: ['a', 'b'], ...relay });
    const remaining = await points(REMAINING);
    expect(
      remaining.map(p => [p.attributes['llm_relay.rate_limit.kind'], p.attributes['tags'] ?? null, p.value]),
    ).toEqual([
      ['requests', null, 1],
      ['requests', ['a', 'b'], 8],
      ['tokens', ['a', 'b'], 90],
    ]);
  });

  it('are one store per meter, shared by the instrumentation and the probe', async () => {
    const { meter, points } = setup();
    expect(rateLimitGaugesFor(meter)).toBe(rateLimitGaugesFor(meter));
    const warn = captureWarnings();
    const calls = new LlmMetrics(meter, 100, () => {});
    const probe = new ProbeMetrics(meter);
    calls.recordRateLimits([{ kind: 'requests', remaining: 7 }], relay);
    probe.recordRateLimits({ serverAddress: 'relay.example', serverPort: 443 }, 'models', [
      { kind: 'requests', remaining: 6 },
    ]);
    const remaining = await points(REMAINING);
    expect(remaining.map(p => [p.attributes['llm_relay.probe'] ?? 'relay call', p.value]).sort()).toEqual([
      ['models', 6],
      ['relay call', 7],
    ]);
    // No duplicate instrument registration.
    expect(warn).not.toHaveBeenCalled();
  });

  it('keep at most MAX_RATE_LIMIT_SERIES series and say so once', async () => {
    const { meter, points } = setup();
    const warn = captureWarnings();
    const gauges = rateLimitGaugesFor(meter);
    for (let i = 0; i < MAX_RATE_LIMIT_SERIES + 10; i++)
      gauges.record([{ kind: 'requests', remaining: i }], { ...relay, 'gen_ai.request.model': `m${i}` });
    expect(await points(REMAINING)).toHaveLength(MAX_RATE_LIMIT_SERIES);
    expect(warn).toHaveBeenCalledTimes(1);
  });
});
