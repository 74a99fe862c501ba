/*
 * The rate-limit gauges, `llm_relay.rate_limit.remaining` and `.limit`. Relay responses carry these
 * headers on every call, so recording them synchronously would cost four metric records per call
 * (the SDK hashes the attribute set on each one). Instead the latest reading per attribute set is
 * kept here and observed when a reader collects: one key per call, no SDK work on the call's path.
 * The instrumentation (relay responses) and the probe (model lists) share one store per meter.
 */
import { diag } from '@opentelemetry/api';
import type { Attributes, Meter, ObservableResult } from '@opentelemetry/api';
import type { RateLimitReading } from './rate-limit-headers';
import { ATTR_LLM_RELAY_RATE_LIMIT_KIND, METRIC_LLM_RELAY_RATE_LIMIT_LIMIT, METRIC_LLM_RELAY_RATE_LIMIT_REMAINING } from './semconv';

/** Distinct attribute sets kept, as the SDK's default cardinality limit; later new ones are dropped. */
export const MAX_RATE_LIMIT_SERIES = 2000;

interface Latest {
  attributes: Attributes;
  remaining?: number;
  limit?: number;
}

/** A stable key of an attribute set, whatever the order its keys were set in. */
function attributesKey(attributes: Attributes): string {
  const keys = Object.keys(attributes).sort();
  return JSON.stringify(keys.map(key => [key, attributes[key]]));
}

export class RateLimitGauges {
  private readonly _latest = new Map<string, Latest>();
  private _overflowLogged = false;

  constructor(meter: Meter) {
    const remaining = meter.createObservableGauge(METRIC_LLM_RELAY_RATE_LIMIT_REMAINING, {
      description: 'Remaining requests or tokens in the current rate-limit window, from the relay response headers.',
      unit: '{count}',
    });
    const limit = meter.createObservableGauge(METRIC_LLM_RELAY_RATE_LIMIT_LIMIT, {
      description: 'Rate-limit window size in requests or tokens, from the relay response headers.',
      unit: '{count}',
    });
    remaining.addCallback(result => this._observe(result, 'remaining'));
    limit.addCallback(result => this._observe(result, 'limit'));
  }

  /** The readings of one response: each becomes the latest value of `base` plus its kind. */
  record(readings: readonly RateLimitReading[], base: Attributes): void {
    if (readings.length === 0) return;
    const baseKey = attributesKey(base);
    for (const reading of readings) {
      const key = `${baseKey}\u0000${reading.kind}`;
      let latest = this._latest.get(key);
      if (latest === undefined) {
        if (this._latest.size >= MAX_RATE_LIMIT_SERIES) {
          if (!this._overflowLogged) {
            this._overflowLogged = true;
            diag.warn(`llm_relay.rate_limit.*: more than ${MAX_RATE_LIMIT_SERIES} attribute sets; new ones are not recorded`);
          }
          continue;
        }
        latest = { attributes: { ...base, [ATTR_LLM_RELAY_RATE_LIMIT_KIND]: reading.kind } };
        this._latest.set(key, latest);
      }
      if (reading.remaining !== undefined) latest.remaining = reading.remaining;
      if (reading.limit !== undefined) latest.limit = reading.limit;
    }
  }

  private _observe(result: ObservableResult, field: 'remaining' | 'limit'): void {
    for (const latest of this._latest.values()) {
      const value = latest[field];
      if (value !== undefined) result.observe(value, latest.attributes);
    }
  }
}

const byMeter = new WeakMap<Meter, RateLimitGauges>();

/** The rate-limit gauges of `meter`, created on first use and shared by everything recording on it. */
export function rateLimitGaugesFor(meter: Meter): RateLimitGauges {
  let gauges = byMeter.get(meter);
  if (gauges === undefined) {
    gauges = new RateLimitGauges(meter);
    byMeter.set(meter, gauges);
  }
  return gauges;
}
