/*
 * The probe's metric instruments: up, duration and last success per relay and probe kind, the
 * rate-limit gauges (shared by name with the instrumentation's) refreshed from model-list answers,
 * and the balance gauges of the opt-in balance check.
 */
import type { Attributes, Gauge, Histogram, Meter } from '@opentelemetry/api';
import { rateLimitGaugesFor } from '../telemetry/rate-limit-gauges';
import type { RateLimitGauges } from '../telemetry/rate-limit-gauges';
import { durationHistogram, gauge } from '../telemetry/instruments';
import type { RateLimitReading } from '../http/rate-limit-headers';
import {
  ATTR_ERROR_TYPE,
  ATTR_LLM_RELAY_PROBE,
  ATTR_LLM_RELAY_PROBE_KIND,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  METRIC_LLM_RELAY_BALANCE_LIMIT,
  METRIC_LLM_RELAY_BALANCE_REMAINING,
  METRIC_LLM_RELAY_PROBE_DURATION,
  METRIC_LLM_RELAY_PROBE_LAST_SUCCESS,
  METRIC_LLM_RELAY_PROBE_UP,
} from '../telemetry/semconv';
import type { ProbeKind } from './probe-config';

export interface ProbeTarget {
  serverAddress: string;
  serverPort: number;
}

export interface ProbeMeasurement {
  kind: ProbeKind;
  up: boolean;
  durationSeconds: number;
  /** Set when the probe failed. */
  errorType?: string;
  /** Unix time in milliseconds when the probe ended. */
  endedAtMs: number;
}

export class ProbeMetrics {
  private readonly _up: Gauge;
  private readonly _duration: Histogram;
  private readonly _lastSuccess: Gauge;
  private readonly _rateLimits: RateLimitGauges;
  private readonly _balanceRemaining: Gauge;
  private readonly _balanceLimit: Gauge;

  constructor(meter: Meter) {
    this._up = gauge(
      meter,
      METRIC_LLM_RELAY_PROBE_UP,
      'Whether the last health probe of the relay succeeded (1) or failed (0).',
      '1',
    );
    this._duration = durationHistogram(
      meter,
      METRIC_LLM_RELAY_PROBE_DURATION,
      'Duration of relay health probes, the response body included.',
    );
    this._lastSuccess = gauge(
      meter,
      METRIC_LLM_RELAY_PROBE_LAST_SUCCESS,
      'Unix time of the last successful health probe of the relay.',
      's',
    );
    // The same instruments the instrumentation records relay responses on.
    this._rateLimits = rateLimitGaugesFor(meter);
    // USD in the name and a unit in braces, like llm_relay.cost.usd: one Prometheus name on every export path.
    this._balanceRemaining = gauge(
      meter,
      METRIC_LLM_RELAY_BALANCE_REMAINING,
      "What is left of the relay key's balance, as the relay reports it (legacy OpenAI billing routes).",
      '{USD}',
    );
    this._balanceLimit = gauge(
      meter,
      METRIC_LLM_RELAY_BALANCE_LIMIT,
      "The relay key's whole quota (spent and left), as the relay reports it (legacy OpenAI billing routes).",
      '{USD}',
    );
  }

  recordBalance(target: ProbeTarget, balance: { remainingUsd: number; limitUsd: number }): void {
    const attributes = { [ATTR_SERVER_ADDRESS]: target.serverAddress, [ATTR_SERVER_PORT]: target.serverPort };
    this._balanceRemaining.record(balance.remainingUsd, attributes);
    this._balanceLimit.record(balance.limitUsd, attributes);
  }

  record(target: ProbeTarget, measurement: ProbeMeasurement): void {
    const attributes = probeAttributes(target, measurement.kind);
    this._up.record(measurement.up ? 1 : 0, attributes);
    this._duration.record(
      measurement.durationSeconds,
      measurement.errorType === undefined ? attributes : { ...attributes, [ATTR_ERROR_TYPE]: measurement.errorType },
    );
    if (measurement.up) this._lastSuccess.record(measurement.endedAtMs / 1000, attributes);
  }

  recordRateLimits(target: ProbeTarget, kind: ProbeKind, readings: readonly RateLimitReading[]): void {
    this._rateLimits.record(readings, {
      [ATTR_SERVER_ADDRESS]: target.serverAddress,
      [ATTR_SERVER_PORT]: target.serverPort,
      [ATTR_LLM_RELAY_PROBE]: kind,
    });
  }
}

function probeAttributes(target: ProbeTarget, kind: ProbeKind): Attributes {
  return {
    [ATTR_SERVER_ADDRESS]: target.serverAddress,
    [ATTR_SERVER_PORT]: target.serverPort,
    [ATTR_LLM_RELAY_PROBE_KIND]: kind,
  };
}
