/*
 * A call's metric points as the instrumentation hands them over: chunk gaps mid-stream, then the
 * finished call, each on the call's labels (the GenAI ones, and the metricAttributesHook's). The
 * instruments and how each point is recorded are LlmMetrics' (metrics.ts).
 */
import type { Attributes, Meter } from '@opentelemetry/api';
import type { CallOutcome, CallStart, FinishedCall } from '../call/call';
import type { RequestInfo } from '../wire/types';
import { LlmMetrics } from './metrics';

/** The metricAttributesHook's labels for a call (src/user-hooks.ts); asked at each record, so a new config applies. */
export type HookLabels = (
  start: CallStart,
  requestModel: string | undefined,
  outcome?: CallOutcome,
) => Attributes | undefined;

/** A call still streaming, as far as its labels go (src/hook/llm-call.ts). */
export interface StreamingCall {
  readonly start: CallStart;
  readonly request: RequestInfo | undefined;
  /** The response model named so far. */
  readonly responseModel: string | undefined;
}

export class CallMetrics {
  readonly #metrics: LlmMetrics;
  readonly #hookLabels: HookLabels;

  /** `warn` says once that a label reached its cap of distinct values (maxModelsPerMetric). */
  constructor(meter: Meter, maxModelsPerMetric: number, warn: (message: string) => void, hookLabels: HookLabels) {
    this.#metrics = new LlmMetrics(meter, maxModelsPerMetric, (what, value) =>
      warn(
        `more than ${maxModelsPerMetric} distinct ${what} values: "${value}" and later new ones ` +
          'are recorded as _OTHER in metrics (raise maxModelsPerMetric if this is expected)',
      ),
    );
    this.#hookLabels = hookLabels;
  }

  /** A batch of gaps (seconds) between output chunks, handed over mid-stream; the last ones come with the finished call. */
  chunkGaps(call: StreamingCall, gaps: Float64Array, count: number): void {
    const requestModel = call.request?.model ?? call.start.route.urlModel;
    const models = { requestModel, responseModel: call.responseModel };
    const labels = this.#metrics.baseAttributes(call.start, models, this.#hookLabels(call.start, requestModel));
    this.#metrics.recordChunkGaps(gaps, count, labels);
  }

  /** Everything a finished call records, once its span has its outcome. */
  finished(finished: FinishedCall, outcome: CallOutcome): void {
    const labels = this.#hookLabels(finished.start, outcome.request.model, outcome);
    this.#metrics.recordFinished(finished, outcome, labels);
  }
}
