/*
 * The metric instruments and how a finished call is recorded on them. Metric attributes are an
 * explicit low-cardinality allowlist; model names pass a cardinality guard.
 */
import { ValueType } from '@opentelemetry/api';
import type { Attributes, Counter, Histogram, Meter } from '@opentelemetry/api';
import type { CallOutcome, CallStart, FinishedCall } from '../call/call';
import { CardinalityGuard } from './cardinality-guard';
import { rateLimitGaugesFor } from './rate-limit-gauges';
import { TokenDetailCounters } from './token-detail-metrics';
import { counter, durationHistogram, histogram, observableCounter } from './instruments';
import type { RateLimitGauges } from './rate-limit-gauges';
import { parseRateLimitHeaders } from '../http/rate-limit-headers';
import type { RateLimitReading } from '../http/rate-limit-headers';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_TOKEN_TYPE,
  ATTR_LLM_RELAY_COST_SOURCE,
  ATTR_LLM_RELAY_PROBE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  GEN_AI_TOKEN_TYPE_VALUE_INPUT,
  GEN_AI_TOKEN_TYPE_VALUE_OUTPUT,
  METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
  METRIC_GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK,
  METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
  METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
  METRIC_LLM_RELAY_COST,
  METRIC_LLM_RELAY_COST_UNPRICED,
  METRIC_LLM_RELAY_MODEL_SUBSTITUTIONS,
  TOKEN_BUCKETS,
} from './semconv';
import { METRIC_LLM_RELAY_OUTPUT_CHARACTERS, METRIC_LLM_RELAY_RETRIES } from './semconv';
import type { ObservableResult } from '@opentelemetry/api';

export interface ModelLabels {
  requestModel?: string;
  responseModel?: string;
}

export class LlmMetrics {
  private readonly _duration: Histogram;
  private readonly _tokenUsage: Histogram;
  private readonly _timeToFirstChunk: Histogram;
  private readonly _timePerOutputChunk: Histogram;
  private readonly _cost = new TotalsByAttributes();
  private readonly _unpriced: Counter;
  private readonly _substitutions: Counter;
  private readonly _outputCharacters = new TotalsByAttributes();
  private readonly _retries: Counter;
  private readonly _rateLimits: RateLimitGauges;
  private readonly _models: CardinalityGuard;
  private readonly _errorTypes: CardinalityGuard;
  // Cache and reasoning token counters (issue 15).
  private readonly _tokenDetails: TokenDetailCounters;

  constructor(meter: Meter, maxModelsPerMetric: number, onOverflow: (what: string, value: string) => void) {
    this._models = new CardinalityGuard(maxModelsPerMetric, v => onOverflow('model', v));
    this._errorTypes = new CardinalityGuard(64, v => onOverflow('error.type', v));
    this._duration = durationHistogram(meter, METRIC_GEN_AI_CLIENT_OPERATION_DURATION, 'GenAI operation duration.');
    this._tokenUsage = histogram(
      meter,
      METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
      'Number of input and output tokens used.',
      '{token}',
      TOKEN_BUCKETS,
      {
        valueType: ValueType.INT,
      },
    );
    this._timeToFirstChunk = durationHistogram(
      meter,
      METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
      'Time from the request to the first output chunk of a streamed response.',
    );
    this._timePerOutputChunk = durationHistogram(
      meter,
      METRIC_GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK,
      'Time between consecutive output chunks of a streamed response.',
    );
    // Summed here and observed at collection, as output characters below: same counter, one SDK record fewer per call.
    const costDescription = 'Cost of LLM calls in US dollars, from the price table or as reported by the relay.';
    observableCounter(meter, METRIC_LLM_RELAY_COST, costDescription, '{USD}', result => this._cost.observe(result));
    this._unpriced = counter(
      meter,
      METRIC_LLM_RELAY_COST_UNPRICED,
      'LLM calls with token usage whose model has no known price.',
      '{call}',
    );
    this._substitutions = counter(
      meter,
      METRIC_LLM_RELAY_MODEL_SUBSTITUTIONS,
      'Calls the relay answered with a different model family than requested.',
      '{call}',
    );
    this._rateLimits = rateLimitGaugesFor(meter);
    this._tokenDetails = new TokenDetailCounters(meter);
    // Relay integrity: tokens per character (drift) and retried calls.
    // Summed on the call's path and observed at collection: a counter point of the SDK would cost
    // the call some 30,000 instructions, this some 2,000 (see TotalsByAttributes).
    observableCounter(
      meter,
      METRIC_LLM_RELAY_OUTPUT_CHARACTERS,
      'Characters of generated output (text, reasoning, refusals, tool-call arguments) of the calls that reported their output tokens.',
      '{character}',
      result => this._outputCharacters.observe(result),
      { valueType: ValueType.INT },
    );
    this._retries = counter(
      meter,
      METRIC_LLM_RELAY_RETRIES,
      'Calls an SDK sent again after a failed attempt (its retry count header above 0).',
      '{call}',
    );
  }

  /**
   * The attributes every GenAI metric point of a call carries, ours in the order of their names:
   * the SDK sorts the names of every point it records to find its series (hashAttributes), and
   * names already in order cost that sort the fewest comparisons (~560 instructions less a point).
   */
  baseAttributes(start: CallStart, models: ModelLabels, extra?: Attributes): Attributes {
    const attributes: Attributes = {
      ...extra,
      [ATTR_GEN_AI_OPERATION_NAME]: start.route.operation,
      [ATTR_GEN_AI_PROVIDER_NAME]: start.provider,
    };
    if (models.requestModel) attributes[ATTR_GEN_AI_REQUEST_MODEL] = this._models.admit(models.requestModel);
    if (models.responseModel) attributes[ATTR_GEN_AI_RESPONSE_MODEL] = this._models.admit(models.responseModel);
    if (start.probe) attributes[ATTR_LLM_RELAY_PROBE] = start.probe;
    attributes[ATTR_SERVER_ADDRESS] = start.serverAddress;
    attributes[ATTR_SERVER_PORT] = start.serverPort;
    return attributes;
  }

  /**
   * Everything a finished call records: its metrics on the call's labels (`extra`: the
   * metricAttributesHook's), its last chunk gaps, and the rate-limit headroom its answer reported.
   */
  recordFinished(finished: FinishedCall, outcome: CallOutcome, extra: Attributes | undefined): void {
    const requestModel = outcome.request.model;
    const base = this.baseAttributes(
      finished.start,
      { requestModel, responseModel: outcome.response?.responseModel },
      extra,
    );
    this.recordCall(outcome, (finished.endedAt - finished.startedAt) / 1000, base);
    if (finished.chunkGaps) this.recordChunkGaps(finished.chunkGaps, finished.chunkGaps.length, base);
    const readings = parseRateLimitHeaders(finished.headers);
    // Headroom is a property of the relay and the requested model, whatever model answered.
    if (readings.length > 0)
      this.recordRateLimits(readings, this.baseAttributes(finished.start, { requestModel }, extra));
  }

  recordCall(outcome: CallOutcome, durationSeconds: number, base: Attributes): void {
    const durationAttributes = outcome.errorType
      ? { ...base, [ATTR_ERROR_TYPE]: this._errorTypes.admit(outcome.errorType) }
      : base;
    this._duration.record(durationSeconds, durationAttributes);

    const usage = outcome.response?.usage;
    if (usage?.inputTokens !== undefined) {
      this._tokenUsage.record(usage.inputTokens, { ...base, [ATTR_GEN_AI_TOKEN_TYPE]: GEN_AI_TOKEN_TYPE_VALUE_INPUT });
    }
    if (usage?.outputTokens !== undefined) {
      this._tokenUsage.record(usage.outputTokens, {
        ...base,
        [ATTR_GEN_AI_TOKEN_TYPE]: GEN_AI_TOKEN_TYPE_VALUE_OUTPUT,
      });
    }
    if (outcome.timeToFirstChunk !== undefined) this._timeToFirstChunk.record(outcome.timeToFirstChunk, base);
    if (outcome.cost) this._cost.add({ ...base, [ATTR_LLM_RELAY_COST_SOURCE]: outcome.cost.source }, outcome.cost.usd);
    if (outcome.unpriced) this._unpriced.add(1, base);
    if (outcome.substituted) this._substitutions.add(1, base);
    this._tokenDetails.record(usage, base);
    // Characters only where output tokens were reported, so that tokens / characters compares the same calls.
    const outputCharacters = outcome.response?.outputCharacters;
    if (outputCharacters !== undefined && usage?.outputTokens !== undefined)
      this._outputCharacters.add(base, outputCharacters);
    if (outcome.resendCount !== undefined) this._retries.add(1, durationAttributes);
  }

  recordChunkGaps(gaps: ArrayLike<number>, count: number, base: Attributes): void {
    for (let i = 0; i < count; i++) this._timePerOutputChunk.record(gaps[i]!, base);
  }

  recordRateLimits(readings: readonly RateLimitReading[], base: Attributes): void {
    this._rateLimits.record(readings, base);
  }
}

interface Total {
  attributes: Attributes;
  /** Observed so far (undefined before the first observation). */
  total: number | undefined;
  /** Added since the last observation. */
  pending: number;
}

/** One level of TotalsByAttributes' trie: by attribute name, then by value, the next level. */
class TotalsLevel {
  readonly next = new Map<string, Map<unknown, TotalsLevel>>();
  /** Array values, by their JSON: apart from strings, one of which may spell that same JSON. */
  readonly nextArrays = new Map<string, Map<unknown, TotalsLevel>>();
  total: Total | undefined;
}

/**
 * Running totals per metric attribute set, for an observable counter. Adding walks a trie keyed by
 * the attributes in their order (name, then value), a Map lookup each, on strings whose hashes V8
 * mostly has cached: some 2,000 instructions against 30,000 for a counter point of the SDK. The
 * same set in another order is merged when observed. As many totals as the metric has series
 * (model names are capped before they get here); array values are keyed by their JSON.
 */
export class TotalsByAttributes {
  private readonly _root = new TotalsLevel();
  private readonly _totals: Total[] = [];

  add(attributes: Attributes, value: number): void {
    let level = this._root;
    for (const name in attributes) {
      const raw = attributes[name];
      if (raw === undefined) continue;
      const isArray = typeof raw === 'object';
      const key = isArray ? JSON.stringify(raw) : raw;
      const byName = isArray ? level.nextArrays : level.next;
      let byValue = byName.get(name);
      if (byValue === undefined) byName.set(name, (byValue = new Map()));
      let next = byValue.get(key);
      if (next === undefined) byValue.set(key, (next = new TotalsLevel()));
      level = next;
    }
    if (level.total !== undefined) level.total.pending += value;
    else this._totals.push((level.total = { attributes, total: undefined, pending: value }));
  }

  /**
   * Adds what came since the last observation to the total at once, as the SDK's cumulative sum
   * does with each collection's delta: a sum of fractions (dollars) comes out to the same last bit.
   */
  observe(result: ObservableResult): void {
    const merged = new Map<string, { attributes: Attributes; total: number }>();
    for (const entry of this._totals) {
      const total = entry.total === undefined ? entry.pending : entry.total + entry.pending;
      entry.total = total;
      entry.pending = 0;
      const attributes = entry.attributes;
      const key = JSON.stringify(
        Object.keys(attributes)
          .sort()
          .map(name => [name, attributes[name]]),
      );
      const seen = merged.get(key);
      if (seen !== undefined) seen.total += total;
      else merged.set(key, { attributes, total });
    }
    for (const { attributes, total } of merged.values()) result.observe(total, attributes);
  }
}
