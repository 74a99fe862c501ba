/*
 * The user's hooks (requestHook, responseHook, metricAttributesHook): what they are told of a call,
 * and that what they throw is logged and never reaches the call; the metric hook's labels are
 * bounded like model names (src/telemetry/hook-attribute-guard.ts).
 */
import type { Attributes, DiagLogger, Span } from '@opentelemetry/api';
import { safeExecuteInTheMiddle } from '@opentelemetry/instrumentation';
import type { CallOutcome, CallStart } from './call/call';
import { HookAttributeGuard } from './telemetry/hook-attribute-guard';
import type { LlmCallInfo, LlmRelayInstrumentationConfig } from './types';

/** What the hooks are told of a call: its start, the requested model, and its outcome once it has one. */
export function callInfo(start: CallStart, requestModel: string | undefined, outcome?: CallOutcome): LlmCallInfo {
  return {
    method: start.method,
    url: start.url,
    operation: start.route.operation,
    requestModel: outcome?.request.model ?? requestModel,
    responseModel: outcome?.response?.responseModel,
    statusCode: outcome?.statusCode,
    errorType: outcome?.errorType,
    probe: start.probe,
  };
}

export class UserHooks {
  readonly #config: LlmRelayInstrumentationConfig;
  readonly #diag: DiagLogger;
  readonly #guard: HookAttributeGuard;

  /** One per config: `maxValues` is its maxModelsPerMetric. */
  constructor(config: LlmRelayInstrumentationConfig, maxValues: number, diag: DiagLogger) {
    this.#config = config;
    this.#diag = diag;
    this.#guard = new HookAttributeGuard(maxValues, (what, value) =>
      diag.warn(
        `more than ${maxValues} distinct ${what} values: "${value}" and later new ones are recorded as _OTHER ` +
          '(or, for keys, left out) in metrics; keep metricAttributesHook values low-cardinality',
      ),
    );
  }

  /** Runs requestHook or responseHook, when set, with the call's info (see callInfo). */
  run(
    name: 'requestHook' | 'responseHook',
    span: Span,
    start: CallStart,
    requestModel: string | undefined,
    outcome?: CallOutcome,
  ): void {
    const hook = this.#config[name];
    if (!hook) return;
    safeExecuteInTheMiddle(
      () => hook(span, callInfo(start, requestModel, outcome)),
      e => e && this.#diag.error(`${name} threw:`, e),
      true,
    );
  }

  /** The metricAttributesHook's extra attributes for a call's metric points (undefined when none or it threw). */
  metricAttributes(start: CallStart, requestModel: string | undefined, outcome?: CallOutcome): Attributes | undefined {
    const hook = this.#config.metricAttributesHook;
    if (!hook) return undefined;
    const attributes =
      safeExecuteInTheMiddle(
        () => hook(callInfo(start, requestModel, outcome)),
        e => e && this.#diag.error('metricAttributesHook threw:', e),
        true,
      ) ?? undefined;
    return this.#guard.cap(attributes);
  }
}
