/*
 * The one way a metric instrument is made: name, description and unit, plus bucket advice for
 * histograms. The call metrics, the token-detail counters and the probe's gauges all use it.
 */
import type { Counter, Gauge, Histogram, Meter, MetricOptions } from '@opentelemetry/api';
import { DURATION_BUCKETS } from './semconv';

/** A histogram of seconds, on the duration buckets every duration metric shares. */
export function durationHistogram(meter: Meter, name: string, description: string): Histogram {
  return meter.createHistogram(name, { description, unit: 's', advice: { explicitBucketBoundaries: DURATION_BUCKETS } });
}

export function counter(meter: Meter, name: string, description: string, unit: string, options?: MetricOptions): Counter {
  return meter.createCounter(name, { ...options, description, unit });
}

export function gauge(meter: Meter, name: string, description: string, unit: string): Gauge {
  return meter.createGauge(name, { description, unit });
}
