/*
 * One LlmRelayInstrumentation per test file, wired to in-memory span and metric readers.
 * (Diagnostics-channel subscriptions are process-wide; vitest runs each file in its own fork.)
 */
import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { AggregationTemporality, DataPointType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { DataPoint, Histogram, MetricData } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { CallsInFlight } from '../../src/calls-in-flight';
import { LlmRelayInstrumentation } from '../../src/index';
import type { LlmRelayInstrumentationConfig } from '../../src/index';

/**
 * Calls the instrumentation is still following (white-box leak check: a call that ended must leave
 * no state behind). Reads a private field on purpose: this count is not part of the public API.
 */
export function callsInFlight(instrumentation: LlmRelayInstrumentation): number {
  const calls = (instrumentation as unknown as { _calls?: unknown })._calls;
  // A renamed field must fail loudly, not read as "nothing in flight".
  if (!(calls instanceof CallsInFlight) || typeof calls.size !== 'number')
    throw new Error('callsInFlight: the instrumentation has no _calls (enable() it first, or update this seam)');
  return calls.size;
}

export class TestMetricReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

export interface OtelHarness {
  instrumentation: LlmRelayInstrumentation;
  spanExporter: InMemorySpanExporter;
  tracerProvider: TracerProvider;
  metricReader: TestMetricReader;
  /** Finished spans of this instrumentation (not the test's own). */
  relaySpans(): ReadableSpan[];
  /** Waits until `count` relay spans have ended (they may end a tick after the body, when decompressing). */
  waitForRelaySpans(count: number, timeoutMs?: number): Promise<ReadableSpan[]>;
  metrics(): Promise<MetricData[]>;
  reset(): void;
}

let current: OtelHarness | undefined;

export function setupOtel(config: LlmRelayInstrumentationConfig = {}): OtelHarness {
  if (current) throw new Error('setupOtel: one harness per test file');
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spanExporter })] });
  const metricReader = new TestMetricReader();
  const meterProvider = new MeterProvider({ readers: [metricReader] });
  const instrumentation = new LlmRelayInstrumentation({ ...config, enabled: false });
  instrumentation.setTracerProvider(tracerProvider);
  instrumentation.setMeterProvider(meterProvider);
  instrumentation.enable();

  const relaySpans = () =>
    spanExporter.getFinishedSpans().filter(s => s.instrumentationScope.name === 'otel-llm-relay');
  current = {
    instrumentation,
    spanExporter,
    tracerProvider,
    metricReader,
    relaySpans,
    async waitForRelaySpans(count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (relaySpans().length < count) {
        if (Date.now() > deadline) {
          throw new Error(
            `expected ${count} relay spans, got ${relaySpans().length}: ${relaySpans()
              .map(s => s.name)
              .join(', ')}`,
          );
        }
        await new Promise(r => setTimeout(r, 5));
      }
      return relaySpans();
    },
    async metrics() {
      const { resourceMetrics, errors } = await metricReader.collect();
      if (errors.length) throw errors[0];
      return resourceMetrics.scopeMetrics.flatMap(s => s.metrics);
    },
    reset() {
      spanExporter.reset();
    },
  };
  return current;
}

/** Data points of one metric, by name. */
export function pointsOf(metrics: MetricData[], name: string): DataPoint<unknown>[] {
  return metrics.filter(m => m.descriptor.name === name).flatMap(m => m.dataPoints as DataPoint<unknown>[]);
}

/** Sum of a counter, or count/sum of a histogram, over the points whose attributes include `match`. */
export function metricTotal(
  metrics: MetricData[],
  name: string,
  match: Record<string, unknown> = {},
  field: 'count' | 'sum' = 'sum',
): number {
  let total = 0;
  for (const m of metrics.filter(x => x.descriptor.name === name)) {
    for (const p of m.dataPoints) {
      if (!Object.entries(match).every(([k, v]) => p.attributes[k] === v)) continue;
      if (m.dataPointType === DataPointType.HISTOGRAM) total += (p.value as Histogram)[field] ?? 0;
      else total += p.value as number;
    }
  }
  return total;
}
