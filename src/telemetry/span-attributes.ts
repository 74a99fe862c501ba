/*
 * A call's start, request and outcome (src/call) as span attributes. Pure: no OpenTelemetry
 * runtime values.
 */
import type { Attributes } from '@opentelemetry/api';
import type { CallOutcome, CallStart } from '../call/call';
import { contentAttributeJson } from '../wire/content';
import type { RequestInfo } from '../wire/types';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT,
  ATTR_OPENAI_API_TYPE,
  ATTR_OPENAI_REQUEST_SERVICE_TIER,
  ATTR_OPENAI_RESPONSE_SERVICE_TIER,
  ATTR_OPENAI_RESPONSE_SYSTEM_FINGERPRINT,
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_OUTPUT_TYPE,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_CHOICE_COUNT,
  ATTR_GEN_AI_REQUEST_ENCODING_FORMATS,
  ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY,
  ATTR_GEN_AI_REQUEST_SEED,
  ATTR_GEN_AI_REQUEST_STOP_SEQUENCES,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_REQUEST_TOP_K,
  ATTR_GEN_AI_REQUEST_TOP_P,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_TOOL_DEFINITIONS,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_HEADER_RETRY_AFTER,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_LLM_RELAY_COST_SOURCE,
  ATTR_LLM_RELAY_COST_USD,
  ATTR_LLM_RELAY_ERROR_VENDOR_TYPE,
  ATTR_LLM_RELAY_MODEL_SUBSTITUTED,
  ATTR_LLM_RELAY_PROBE,
  ATTR_LLM_RELAY_USAGE_ESTIMATED_OUTPUT_TOKENS,
  ATTR_LLM_RELAY_USAGE_REPORTED,
  ATTR_LLM_RELAY_WIRE_FORMAT,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
} from './semconv';

/** `maxContentAttributeLength` by default: well under OTLP message limits (gRPC: 4 MiB per export request) even in UTF-8. */
export const DEFAULT_MAX_CONTENT_ATTRIBUTE_LENGTH = 128 * 1024;

/** `{operation} {model}` per the conventions; just the operation when no model is known. */
export function spanName(operation: string, model: string | undefined): string {
  return model ? `${operation} ${model}` : operation;
}

/** Attributes known when the span starts (the sampling-relevant ones). */
export function startAttributes(start: CallStart, model: string | undefined): Attributes {
  const attributes: Attributes = {
    [ATTR_GEN_AI_OPERATION_NAME]: start.route.operation,
    [ATTR_GEN_AI_PROVIDER_NAME]: start.provider,
    [ATTR_SERVER_ADDRESS]: start.serverAddress,
    [ATTR_SERVER_PORT]: start.serverPort,
    [ATTR_HTTP_REQUEST_METHOD]: start.method,
    [ATTR_URL_FULL]: start.url,
    [ATTR_LLM_RELAY_WIRE_FORMAT]: start.route.format,
  };
  if (model) attributes[ATTR_GEN_AI_REQUEST_MODEL] = model;
  if (start.probe) attributes[ATTR_LLM_RELAY_PROBE] = start.probe;
  const apiType = start.provider === 'openai' ? OPENAI_API_TYPES[start.route.format] : undefined;
  if (apiType !== undefined) attributes[ATTR_OPENAI_API_TYPE] = apiType;
  return attributes;
}

/** `openai.api.type` values the conventions define, by wire format. */
const OPENAI_API_TYPES: Partial<Record<string, string>> = {
  'openai.chat_completions': 'chat_completions',
  'openai.responses': 'responses',
};

/**
 * The `openai.*` refinements of a call whose provider is `openai` (the conventions tie
 * provider-specific attributes to the provider name): service tiers and system fingerprint.
 */
export function openAiAttributes(outcome: CallOutcome): Attributes {
  const attributes: Attributes = {};
  if (outcome.provider !== 'openai') return attributes;
  setIfDefined(attributes, ATTR_OPENAI_REQUEST_SERVICE_TIER, outcome.request.params.serviceTier);
  setIfDefined(attributes, ATTR_OPENAI_RESPONSE_SERVICE_TIER, outcome.response?.serviceTier);
  setIfDefined(attributes, ATTR_OPENAI_RESPONSE_SYSTEM_FINGERPRINT, outcome.response?.systemFingerprint);
  return attributes;
}

function setIfDefined(attributes: Attributes, key: string, value: string | number | boolean | string[] | undefined) {
  if (value !== undefined) attributes[key] = value;
}

/**
 * Attributes from the request body; content only with `captureContent`, each content attribute
 * at most `maxContentAttributeLength` characters.
 */
export function requestAttributes(
  request: RequestInfo,
  captureContent: boolean,
  maxContentAttributeLength = DEFAULT_MAX_CONTENT_ATTRIBUTE_LENGTH,
): Attributes {
  const attributes: Attributes = {};
  const p = request.params;
  setIfDefined(attributes, ATTR_GEN_AI_REQUEST_MODEL, request.model);
  if (request.stream) attributes[ATTR_GEN_AI_REQUEST_STREAM] = true;
  setIfDefined(attributes, ATTR_GEN_AI_REQUEST_MAX_TOKENS, p.maxTokens);
  setIfDefined(attributes, ATTR_GEN_AI_REQUEST_TEMPERATURE, p.temperature);
  setIfDefined(attributes, ATTR_GEN_AI_REQUEST_TOP_P, p.topP);
  setIfDefined(attributes, ATTR_GEN_AI_REQUEST_TOP_K, p.topK);
  setIfDefined(attributes, ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY, p.frequencyPenalty);
  setIfDefined(attributes, ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY, p.presencePenalty);
  setIfDefined(attributes, ATTR_GEN_AI_REQUEST_STOP_SEQUENCES, p.stopSequences);
  setIfDefined(attributes, ATTR_GEN_AI_REQUEST_SEED, p.seed);
  if (p.choiceCount !== undefined && p.choiceCount !== 1) attributes[ATTR_GEN_AI_REQUEST_CHOICE_COUNT] = p.choiceCount;
  setIfDefined(attributes, ATTR_GEN_AI_OUTPUT_TYPE, p.outputType);
  setIfDefined(attributes, ATTR_GEN_AI_REQUEST_ENCODING_FORMATS, p.encodingFormats);
  setIfDefined(attributes, ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT, p.embeddingDimensions);
  if (captureContent) {
    if (request.inputMessages) {
      attributes[ATTR_GEN_AI_INPUT_MESSAGES] = contentAttributeJson(request.inputMessages, maxContentAttributeLength);
    }
    if (request.systemInstructions) {
      attributes[ATTR_GEN_AI_SYSTEM_INSTRUCTIONS] = contentAttributeJson(
        request.systemInstructions,
        maxContentAttributeLength,
      );
    }
    if (request.toolDefinitions) {
      attributes[ATTR_GEN_AI_TOOL_DEFINITIONS] = contentAttributeJson(
        request.toolDefinitions,
        maxContentAttributeLength,
      );
    }
  }
  return attributes;
}

/** Attributes from the response and the call's outcome (content as in requestAttributes). */
export function outcomeAttributes(
  outcome: CallOutcome,
  captureContent: boolean,
  maxContentAttributeLength = DEFAULT_MAX_CONTENT_ATTRIBUTE_LENGTH,
): Attributes {
  const attributes: Attributes = {};
  const response = outcome.response;
  setIfDefined(attributes, ATTR_HTTP_RESPONSE_STATUS_CODE, outcome.statusCode);
  setIfDefined(attributes, ATTR_ERROR_TYPE, outcome.errorType);
  setIfDefined(attributes, ATTR_LLM_RELAY_ERROR_VENDOR_TYPE, outcome.vendorErrorType);
  if (outcome.retryAfterHeader !== undefined) {
    attributes[ATTR_HTTP_RESPONSE_HEADER_RETRY_AFTER] = [outcome.retryAfterHeader];
  }
  setIfDefined(attributes, ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, outcome.timeToFirstChunk);
  if (response) {
    setIfDefined(attributes, ATTR_GEN_AI_RESPONSE_MODEL, response.responseModel);
    setIfDefined(attributes, ATTR_GEN_AI_RESPONSE_ID, response.responseId);
    if (response.finishReasons.length > 0) attributes[ATTR_GEN_AI_RESPONSE_FINISH_REASONS] = response.finishReasons;
    const u = response.usage;
    setIfDefined(attributes, ATTR_GEN_AI_USAGE_INPUT_TOKENS, u.inputTokens);
    setIfDefined(attributes, ATTR_GEN_AI_USAGE_OUTPUT_TOKENS, u.outputTokens);
    setIfDefined(attributes, ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS, u.cacheReadInputTokens);
    if (u.cacheWriteInputTokens !== undefined) {
      attributes[ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS] = u.cacheWriteInputTokens;
      attributes[ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS] = u.cacheWriteInputTokens;
    }
    setIfDefined(attributes, ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS, u.reasoningOutputTokens);
    const reported = u.inputTokens !== undefined || u.outputTokens !== undefined;
    // Only successful calls are expected to report usage; saying "not reported" on a 500 is noise.
    if (!reported && outcome.errorType === undefined) attributes[ATTR_LLM_RELAY_USAGE_REPORTED] = false;
    if (u.outputTokens === undefined && response.estimatedOutputTokens !== undefined) {
      attributes[ATTR_LLM_RELAY_USAGE_ESTIMATED_OUTPUT_TOKENS] = response.estimatedOutputTokens;
    }
    if (captureContent && response.outputMessages) {
      attributes[ATTR_GEN_AI_OUTPUT_MESSAGES] = contentAttributeJson(
        response.outputMessages,
        maxContentAttributeLength,
      );
    }
  }
  if (outcome.cost) {
    attributes[ATTR_LLM_RELAY_COST_USD] = outcome.cost.usd;
    attributes[ATTR_LLM_RELAY_COST_SOURCE] = outcome.cost.source;
  }
  if (outcome.substituted) attributes[ATTR_LLM_RELAY_MODEL_SUBSTITUTED] = true;
  if (outcome.provider === 'openai') Object.assign(attributes, openAiAttributes(outcome));
  return attributes;
}
