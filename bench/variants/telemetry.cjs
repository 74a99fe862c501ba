'use strict';
/*
 * The OpenTelemetry setup every instrumented variant shares, so that only the instrumentation
 * differs between them: W3C propagation, AsyncLocalStorage context, a TracerProvider whose
 * SimpleSpanProcessor hands each span to a counting exporter that keeps nothing, and a MeterProvider
 * read by the Prometheus exporter (its HTTP server is not started: aggregation, which is what costs
 * per call, is the same; the bench serialises one scrape at the end to show what was recorded).
 *
 * The variant's instrumentations are created after the global providers are set and registered with
 * registerInstrumentations, as NodeSDK does.
 * BENCH_SPAN_PROCESSOR=batch (the instruction benchmark, bench/instructions/) puts a BatchSpanProcessor
 * in front of the same exporter, as an app exporting over OTLP would have.
 * BENCH_TRACER=none sets no TracerProvider (spans do not record), as the register hook's NodeSDK does
 * when no trace exporter is configured.
 * The result is published on globalThis.__benchTelemetry for bench/client.cjs.
 */
const { context, metrics, propagation, trace } = require('@opentelemetry/api');
const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks');
const { W3CTraceContextPropagator } = require('@opentelemetry/core');
const { PrometheusExporter, PrometheusSerializer } = require('@opentelemetry/exporter-prometheus');
const { MeterProvider } = require('@opentelemetry/sdk-metrics');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const { BatchSpanProcessor, SimpleSpanProcessor, TracerProvider } = require('@opentelemetry/sdk-trace');
const { summarizeExposition } = require('./prometheus-text.cjs');

/**
 * Counts exported spans per instrumentation scope; remembers the attribute names of each scope's
 * first spans and the attributes of its latest span (to check what a variant recorded).
 */
class CountingSpanExporter {
  constructor() {
    this.byScope = new Map();
  }

  export(spans, resultCallback) {
    for (const span of spans) {
      const scope = span.instrumentationScope.name;
      let entry = this.byScope.get(scope);
      if (!entry) {
        entry = { spans: 0, names: new Set(), attributes: new Set() };
        this.byScope.set(scope, entry);
      }
      entry.spans++;
      entry.last = span.attributes;
      // Attribute names of the first few spans are enough to say what a variant records.
      if (entry.spans <= 4) {
        entry.names.add(span.name);
        for (const key of Object.keys(span.attributes)) entry.attributes.add(key);
      }
    }
    resultCallback({ code: 0 });
  }

  shutdown() {
    return Promise.resolve();
  }

  forceFlush() {
    return Promise.resolve();
  }

  total() {
    let n = 0;
    for (const entry of this.byScope.values()) n += entry.spans;
    return n;
  }
}

/**
 * Sets the global providers, then creates the variant's instrumentations with `create()`.
 * `providers` (optional) replaces the providers handed to the instrumentations (the global ones stay).
 * @param {string} variant
 * @param {() => unknown[]} create
 * @param {{ tracerProvider: unknown, meterProvider: unknown }} [providers]
 */
function setupTelemetry(variant, create, providers) {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const spanExporter = new CountingSpanExporter();
  const spanProcessor =
    process.env.BENCH_SPAN_PROCESSOR === 'batch'
      ? new BatchSpanProcessor({ exporter: spanExporter })
      : new SimpleSpanProcessor({ exporter: spanExporter });
  const tracerProvider = new TracerProvider({ spanProcessors: [spanProcessor] });
  if (process.env.BENCH_TRACER !== 'none') trace.setGlobalTracerProvider(tracerProvider);
  const prometheus = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({ readers: [prometheus] });
  metrics.setGlobalMeterProvider(meterProvider);
  const instrumentations = create();
  // As NodeSDK does: hand each instrumentation the providers explicitly (some create their metric
  // instruments only then).
  registerInstrumentations({
    instrumentations,
    ...(process.env.BENCH_TRACER === 'none' ? {} : { tracerProvider }),
    meterProvider,
    ...providers,
  });

  globalThis.__benchTelemetry = {
    variant,
    instrumentations,
    spanCount: () => spanExporter.total(),
    /** Hands the spans a BatchSpanProcessor still holds to the exporter. */
    flush: () => tracerProvider.forceFlush(),
    /** Spans per scope, with their names and attribute names. */
    spans() {
      return [...spanExporter.byScope].map(([scope, e]) => ({
        scope,
        spans: e.spans,
        names: [...e.names].sort(),
        attributes: [...e.attributes].sort(),
        lastAttributes: e.last,
      }));
    },
    /** One Prometheus scrape, as served. */
    async prometheusText() {
      const { resourceMetrics } = await prometheus.collect();
      return new PrometheusSerializer().serialize(resourceMetrics);
    },
    /** One Prometheus scrape, summarised (see prometheus-text.cjs). */
    async scrape() {
      const { resourceMetrics } = await prometheus.collect();
      return summarizeExposition(new PrometheusSerializer().serialize(resourceMetrics));
    },
  };
}

module.exports = { setupTelemetry, CountingSpanExporter };
