/*
 * The rate-limit gauges, `llm_relay.rate_limit.remaining` and `.limit`. Relay responses carry these
 * headers on every call, so recording them synchronously would cost four metric records per call
 * (the SDK hashes the attribute set on each one). Instead the latest reading per attribute set is
 * kept here and observed when a reader collects: one key per call, no SDK work on the call's path.
 * The instrumentation (relay responses) and the probe (model lists) share one store per meter.
 */
import { diag } from '@opentelemetry/api';
import type { Attributes, Meter, ObservableResult } from '@opentelemetry/api';
import type { RateLimitReading } from '../http/rate-limit-headers';
import {
  ATTR_LLM_RELAY_RATE_LIMIT_KIND,
  METRIC_LLM_RELAY_RATE_LIMIT_LIMIT,
  METRIC_LLM_RELAY_RATE_LIMIT_REMAINING,
} from './semconv';

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

/** Ordered attribute paths remembered (see RateLimitGauges._seriesOf); past this, keys are built each time. */
const MAX_CACHED_PATHS = 4 * MAX_RATE_LIMIT_SERIES;

/** One level of the path cache: by attribute name, then by value, the next level. */
class PathLevel {
  readonly next = new Map<string, Map<unknown, PathLevel>>();
  series: Map<string, Latest> | undefined;
}

export class RateLimitGauges {
  /** The latest readings by attribute set (attributesKey), then by kind. */
  private readonly _byKey = new Map<string, Map<string, Latest>>();
  private _count = 0;
  /**
   * From an attribute set's members in their order (name, then value: Map lookups on strings whose
   * hashes V8 has cached) to its entry in _byKey, so that a call does not sort and serialise its
   * attributes and hash the result. The entry is still chosen by attributesKey, once per path.
   */
  private readonly _paths = new PathLevel();
  private _cachedPaths = 0;
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
    const series = this._seriesOf(base);
    for (const reading of readings) {
      let latest = series.get(reading.kind);
      if (latest === undefined) {
        if (this._count >= MAX_RATE_LIMIT_SERIES) {
          if (!this._overflowLogged) {
            this._overflowLogged = true;
            diag.warn(
              `llm_relay.rate_limit.*: more than ${MAX_RATE_LIMIT_SERIES} attribute sets; new ones are not recorded`,
            );
          }
          continue;
        }
        latest = { attributes: { ...base, [ATTR_LLM_RELAY_RATE_LIMIT_KIND]: reading.kind } };
        series.set(reading.kind, latest);
        this._count++;
      }
      if (reading.remaining !== undefined) latest.remaining = reading.remaining;
      if (reading.limit !== undefined) latest.limit = reading.limit;
    }
  }

  /** The readings by kind of `base`'s attribute set (an empty one, not kept, when no new set fits). */
  private _seriesOf(base: Attributes): Map<string, Latest> {
    // Only sets of primitive values are cached: their values are keys as they are.
    let cacheable = true;
    let level: PathLevel | undefined = this._paths;
    for (const name in base) {
      const value = base[name];
      if (typeof value === 'object') {
        cacheable = false;
        break;
      }
      level = level?.next.get(name)?.get(value);
    }
    if (cacheable && level?.series !== undefined) return level.series;
    const key = attributesKey(base);
    let series = this._byKey.get(key);
    if (series === undefined) {
      series = new Map();
      if (this._count >= MAX_RATE_LIMIT_SERIES) return series;
      this._byKey.set(key, series);
    }
    if (cacheable && this._cachedPaths < MAX_CACHED_PATHS) {
      this._cachedPaths++;
      this._cachePath(base).series = series;
    }
    return series;
  }

  private _cachePath(base: Attributes): PathLevel {
    let level = this._paths;
    for (const name in base) {
      const value = base[name];
      let byValue = level.next.get(name);
      if (byValue === undefined) level.next.set(name, (byValue = new Map()));
      let next = byValue.get(value);
      if (next === undefined) byValue.set(value, (next = new PathLevel()));
      level = next;
    }
    return level;
  }

  private _observe(result: ObservableResult, field: 'remaining' | 'limit'): void {
    for (const series of this._byKey.values()) {
      for (const latest of series.values()) {
        const value = latest[field];
        if (value !== undefined) result.observe(value, latest.attributes);
      }
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
