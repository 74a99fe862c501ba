/*
 * The cardinality cap: with maxModelsPerMetric 3, calls with 10 distinct model names leave at most
 * 3 model label values plus `_OTHER`, in the metric reader and in the Prometheus text alike; no
 * call is lost from the counts, spans keep the real names, and the diag log warns once.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { DataPoint, Histogram, MetricData } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { startRelaySimulator } from '../../examples/relay-simulator/server.ts';
import type { RelaySimulator } from '../../examples/relay-simulator/server.ts';
import { setupOtel, TestMetricReader } from '../support/otel-harness';

const CAP = 3;
const MODELS = Array.from({ length: 10 }, (_, i) => `acme-model-${String(i).padStart(2, '0')}`);

const otel = setupOtel({ maxModelsPerMetric: CAP });
const reader = new TestMetricReader();
const exporter = new PrometheusExporter({ preventServerStart: true });
otel.instrumentation.setMeterProvider(new MeterProvider({ readers: [reader, exporter] }));

const logged: string[] = [];
let relay: RelaySimulator;
let metrics: MetricData[] = [];
let exposition = '';
let spans: ReadableSpan[] = [];

beforeAll(async () => {
  const record =
    (level: string) =>
    (...args: unknown[]) =>
      void logged.push(`${level} ${args.map(String).join(' ')}`);
  diag.disable();
  diag.setLogger(
    {
      error: record('error'),
      warn: record('warn'),
      info: record('info'),
      debug: record('debug'),
      verbose: record('verbose'),
    },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
  relay = await startRelaySimulator({ outputTokens: 3, firstChunkDelayMs: 2, chunkDelayMs: 1 });
  // The first model again at the end: a name admitted before the cap keeps its own series.
  for (const model of [...MODELS, MODELS[0]!]) {
    const response = await fetch(`${relay.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model,
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'Hi' }],
      }),
    });
    await response.text();
  }
  spans = await otel.waitForRelaySpans(MODELS.length + 1);
  const { resourceMetrics } = await reader.collect();
  metrics = resourceMetrics.scopeMetrics.flatMap(s => s.metrics);
  exposition = await new Promise<string>(resolve => {
    const response = { statusCode: 0, setHeader() {}, end: (body: string) => resolve(body) };
    exporter.getMetricsRequestHandler({} as IncomingMessage, response as unknown as ServerResponse);
  });
});
afterAll(async () => {
  diag.disable();
  await relay.close();
});

const MODEL_LABELS = ['gen_ai.request.model', 'gen_ai.response.model'];

function points(): [string, DataPoint<unknown>][] {
  return metrics.flatMap(m =>
    m.dataPoints.map(p => [m.descriptor.name, p as DataPoint<unknown>] as [string, DataPoint<unknown>]),
  );
}

describe('maxModelsPerMetric: 3 and 10 model names', () => {
  it('every metric has at most 3 distinct model label values plus _OTHER', () => {
    const byMetric = new Map<string, Set<string>>();
    for (const [name, point] of points()) {
      const values = byMetric.get(name) ?? new Set<string>();
      for (const label of MODEL_LABELS) {
        const value = point.attributes[label];
        if (value !== undefined) values.add(String(value));
      }
      byMetric.set(name, values);
    }
    expect([...byMetric.keys()]).toContain('gen_ai.client.operation.duration');
    for (const [name, values] of byMetric) {
      const real = [...values].filter(v => v !== '_OTHER');
      expect(real.length, `${name}: ${[...values].join(', ')}`).toBeLessThanOrEqual(CAP);
      expect(values.has('_OTHER'), name).toBe(true);
    }
  });

  it('the first names keep their own series; later ones share _OTHER', () => {
    const duration = metrics.find(m => m.descriptor.name === 'gen_ai.client.operation.duration')!;
    const counts = Object.fromEntries(
      duration.dataPoints.map(p => [String(p.attributes['gen_ai.request.model']), (p.value as Histogram).count]),
    );
    expect(counts).toEqual({ [MODELS[0]!]: 2, [MODELS[1]!]: 1, [MODELS[2]!]: 1, _OTHER: 7 });
  });

  it('no call is lost: the counts add up to the calls made', () => {
    const duration = metrics.find(m => m.descriptor.name === 'gen_ai.client.operation.duration')!;
    expect(duration.dataPoints.reduce((n, p) => n + (p.value as Histogram).count, 0)).toBe(MODELS.length + 1);
    const unpriced = metrics.find(m => m.descriptor.name === 'llm_relay.cost.unpriced')!;
    expect(unpriced.dataPoints.reduce((n, p) => n + (p.value as number), 0)).toBe(MODELS.length + 1);
  });

  it('the Prometheus text shows the same cap', () => {
    const values = new Set<string>();
    for (const match of exposition.matchAll(/gen_ai_(?:request|response)_model="([^"]*)"/g)) values.add(match[1]!);
    expect([...values].sort()).toEqual([...MODELS.slice(0, CAP), '_OTHER'].sort());
  });

  it('spans keep the real model names', () => {
    expect(spans.map(s => s.attributes['gen_ai.request.model'])).toEqual([...MODELS, MODELS[0]]);
    expect(spans.map(s => s.name)).toEqual([...MODELS, MODELS[0]].map(m => `chat ${m}`));
  });

  it('the diag log warns once, naming the option to raise', () => {
    const capWarnings = logged.filter(line => line.includes('_OTHER'));
    expect(capWarnings).toHaveLength(1);
    expect(capWarnings[0]).toMatch(/^warn /);
    expect(capWarnings[0]).toContain('maxModelsPerMetric');
    expect(capWarnings[0]).toContain(MODELS[CAP]!);
  });
});
