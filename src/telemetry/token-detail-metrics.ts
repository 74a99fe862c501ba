/*
 * Cache and reasoning token counts as metrics, named after the GenAI conventions repository's
 * draft usage metrics (model/gen-ai/usage-metrics.yaml, not released yet):
 *   gen_ai.client.inference.usage.detailed.cache_read.input_tokens   (counter, {token})
 *   gen_ai.client.inference.usage.detailed.cache_write.input_tokens  (counter, {token})
 *   gen_ai.client.inference.usage.detailed.reasoning.output_tokens   (counter, {token})
 * with the call's common attributes and `gen_ai.token.modality` = `unknown` (required by the
 * draft; no wire format we read splits these counts by modality). Only counts a call reported and
 * that are above zero are added: a call without them costs nothing here.
 */
import type { Attributes, Counter, Meter } from '@opentelemetry/api';
import type { Usage } from '../wire/types';
import { counter } from './instruments';
import {
  ATTR_GEN_AI_TOKEN_MODALITY,
  GEN_AI_TOKEN_MODALITY_VALUE_UNKNOWN,
  METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_READ,
  METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_WRITE,
  METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_REASONING,
} from './semconv';

export class TokenDetailCounters {
  private readonly _cacheRead: Counter;
  private readonly _cacheWrite: Counter;
  private readonly _reasoning: Counter;

  constructor(meter: Meter) {
    const cacheRead = 'Input tokens served from a provider-managed cache (included in the input tokens).';
    const cacheWrite = 'Input tokens written to a provider-managed cache (included in the input tokens).';
    const reasoning = 'Output tokens used for reasoning (included in the output tokens).';
    this._cacheRead = counter(meter, METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_READ, cacheRead, '{token}');
    this._cacheWrite = counter(meter, METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_WRITE, cacheWrite, '{token}');
    this._reasoning = counter(meter, METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_REASONING, reasoning, '{token}');
  }

  /** Adds the call's cache and reasoning counts, when it reported any above zero. */
  record(usage: Usage | undefined, base: Attributes): void {
    if (usage === undefined) return;
    const read = usage.cacheReadInputTokens ?? 0;
    const write = usage.cacheWriteInputTokens ?? 0;
    const reasoning = usage.reasoningOutputTokens ?? 0;
    if (read <= 0 && write <= 0 && reasoning <= 0) return;
    const attributes = { ...base, [ATTR_GEN_AI_TOKEN_MODALITY]: GEN_AI_TOKEN_MODALITY_VALUE_UNKNOWN };
    if (read > 0) this._cacheRead.add(read, attributes);
    if (write > 0) this._cacheWrite.add(write, attributes);
    if (reasoning > 0) this._reasoning.add(reasoning, attributes);
  }
}
