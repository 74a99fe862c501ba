/*
 * The one way a metric instrument is made: name, description and unit, plus bucket advice for
 * histograms. The call metrics, the token-detail counters and the probe's gauges all use it.
 */
import type { Counter, Gauge, Histogram, Meter, MetricOptions, ObservableResult } from '@opentelemetry/api';
import { DURATION_BUCKETS } from './semconv';

export function histogram(
  meter: Meter,
  name: string,
  description: string,
  unit: string,
  buckets: number[],
  options?: MetricOptions,
): Histogram {
  return meter.createHistogram(name, { ...options, description, unit, advice: { explicitBucketBoundaries: buckets } });
}

/** A histogram of seconds, on the duration buckets every duration metric shares. */
export function durationHistogram(meter: Meter, name: string, description: string): Histogram {
  return histogram(meter, name, description, 's', DURATION_BUCKETS);
}

export function counter(
  meter: Meter,
  name: string,
  description: string,
  unit: string,
  options?: MetricOptions,
): Counter {
  return meter.createCounter(name, { ...options, description, unit });
}

export function gauge(meter: Meter, name: string, description: string, unit: string): Gauge {
  return meter.createGauge(name, { description, unit });
}

/** A counter whose totals are kept by the caller and read when a reader collects (`observe`). */
export function observableCounter(
  meter: Meter,
  name: string,
  description: string,
  unit: string,
  observe: (result: ObservableResult) => void,
  options?: MetricOptions,
): void {
  meter.createObservableCounter(name, { ...options, description, unit }).addCallback(observe);
}
