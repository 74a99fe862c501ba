/*
 * Pieces the OpenAI-style dialects share (chat completions, legacy completions, embeddings):
 * the `usage` object with its vendor extensions, and the common request parameters.
 */
import type { RequestParams, Usage } from './types';
import {
  asBoolean,
  asCount,
  asInteger,
  asNumber,
  asRecord,
  asScalarString,
  asStringList,
  getPath,
  type JsonRecord,
} from './values';

export interface OpenAiUsage {
  usage: Usage;
  /** OpenRouter `usage.cost`, in USD. */
  costUsd?: number;
}

function maxDefined(...values: (number | undefined)[]): number | undefined {
  const defined = values.filter((value): value is number => value !== undefined);
  return defined.length > 0 ? Math.max(...defined) : undefined;
}

/**
 * Reads an OpenAI-style `usage` object (also Groq's `x_groq.usage`). `prompt_tokens` already
 * includes cached tokens and `completion_tokens` includes reasoning tokens, as semconv wants.
 * Cache reads: `prompt_tokens_details.cached_tokens`, or DeepSeek's `prompt_cache_hit_tokens`
 * (both may be present; they count the same tokens, so the larger is taken).
 * Returns undefined when the value is not an object carrying any count.
 */
export function readOpenAiUsage(value: unknown): OpenAiUsage | undefined {
  const usage = asRecord(value);
  if (usage === undefined) return undefined;
  const promptDetails = asRecord(usage['prompt_tokens_details']);
  const completionDetails = asRecord(usage['completion_tokens_details']);
  const result: Usage = {
    inputTokens: asCount(usage['prompt_tokens']),
    outputTokens: asCount(usage['completion_tokens']),
    cacheReadInputTokens: maxDefined(
      asCount(promptDetails?.['cached_tokens']),
      asCount(usage['prompt_cache_hit_tokens']),
    ),
    cacheWriteInputTokens: maxDefined(
      asCount(promptDetails?.['cache_write_tokens']),
      asCount(usage['cache_creation_input_tokens']),
    ),
    reasoningOutputTokens: asCount(completionDetails?.['reasoning_tokens']),
  };
  const costUsd = asCount(usage['cost']);
  const hasCount = Object.values(result).some(count => count !== undefined);
  if (!hasCount && costUsd === undefined) return undefined;
  return costUsd === undefined ? { usage: result } : { usage: result, costUsd };
}

/** `gen_ai.output.type` from `response_format` (`json_object`/`json_schema` → json) and `modalities`. */
export function openAiOutputType(body: JsonRecord): string | undefined {
  const modalities = asStringList(body['modalities']);
  if (modalities?.includes('audio') === true) return 'speech';
  const format = getPath(body, 'response_format', 'type');
  if (format === 'json_object' || format === 'json_schema') return 'json';
  if (format === 'text') return 'text';
  return undefined;
}

/** Sampling parameters named the same way across the OpenAI-compatible request bodies. */
export function openAiSamplingParams(body: JsonRecord): RequestParams {
  return {
    temperature: asNumber(body['temperature']),
    topP: asNumber(body['top_p']),
    // Not OpenAI's own, but vLLM, Together, OpenRouter and most relays accept it.
    topK: asNumber(body['top_k']),
    frequencyPenalty: asNumber(body['frequency_penalty']),
    presencePenalty: asNumber(body['presence_penalty']),
    stopSequences: asStringList(body['stop']),
    seed: asInteger(body['seed']),
    choiceCount: asInteger(body['n']),
    serviceTier: asScalarString(body['service_tier']),
  };
}

/** `stream_options.include_usage`, undefined when the request did not say. */
export function openAiIncludeUsage(body: JsonRecord): boolean | undefined {
  return asBoolean(getPath(body, 'stream_options', 'include_usage'));
}
