/*
 * What one finished relay call amounted to, and its mapping to span attributes and metric
 * attributes. Pure: no OpenTelemetry runtime values.
 */
import type { Attributes } from '@opentelemetry/api';
import type { CallCost } from '../pricing/cost';
import { DEFAULT_MAX_CONTENT_ATTRIBUTE_LENGTH } from '../config';
import { contentAttributeJson } from '../wire/content';
import { OTHER_ERROR_TYPE, sanitizeErrorLabel } from '../wire/errors';
import type { RequestInfo, ResponseError, ResponseInfo, RouteMatch } from '../wire/types';
import { compact } from '../wire/values';
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

/** What is known about a call when its request line is seen. */
export interface CallStart {
  method: string;
  /** Redacted URL. */
  url: string;
  route: RouteMatch;
  provider: string;
  serverAddress: string;
  serverPort: number;
  /** Set when the relay probe made this call. */
  probe?: string;
}

export interface CallOutcome extends CallStart {
  request: RequestInfo;
  response?: ResponseInfo;
  statusCode?: number;
  /** Low-cardinality failure class, or undefined for a successful call. */
  errorType?: string;
  /** The vendor's error class from the body, when there was one. */
  vendorErrorType?: string;
  retryAfterHeader?: string;
  /** Seconds from request start to the first output chunk (streaming calls only). */
  timeToFirstChunk?: number;
  cost?: CallCost;
  /** The model has no price (and the relay reported none). */
  unpriced: boolean;
  substituted: boolean;
  /** The SDK's retry count of this attempt (`x-stainless-retry-count`), when > 0. */
  resendCount?: number;
}

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
  maxContentAttributeLength = DEFAULT_MAX_CONTENT_ATTRIBUTE_LENGTH
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
      attributes[ATTR_GEN_AI_SYSTEM_INSTRUCTIONS] = contentAttributeJson(request.systemInstructions, maxContentAttributeLength);
    }
    if (request.toolDefinitions) {
      attributes[ATTR_GEN_AI_TOOL_DEFINITIONS] = contentAttributeJson(request.toolDefinitions, maxContentAttributeLength);
    }
  }
  return attributes;
}

/** Attributes from the response and the call's outcome (content as in requestAttributes). */
export function outcomeAttributes(
  outcome: CallOutcome,
  captureContent: boolean,
  maxContentAttributeLength = DEFAULT_MAX_CONTENT_ATTRIBUTE_LENGTH
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
      attributes[ATTR_GEN_AI_OUTPUT_MESSAGES] = contentAttributeJson(response.outputMessages, maxContentAttributeLength);
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

/**
 * The response without any string from its body that `echoes` (a piece of the request's own
 * credentials, see echoesCredential): such a response model, id or finish reason is dropped, and
 * such an error class becomes `_OTHER`. Returns the response itself when nothing echoes.
 */
export function withoutEchoes(response: ResponseInfo, echoes: (text: string) => boolean): ResponseInfo {
  const echoed = (value: string | undefined) => value !== undefined && echoes(value);
  const error = response.error;
  const errorEchoes = error !== undefined && (echoed(error.type) || echoed(error.code));
  if (!errorEchoes && !echoed(response.responseModel) && !echoed(response.responseId) && !response.finishReasons.some(echoes)) {
    return response;
  }
  let screenedError: ResponseError | undefined;
  if (error !== undefined) {
    screenedError = { type: echoed(error.type) ? OTHER_ERROR_TYPE : error.type };
    if (error.code !== undefined && !echoed(error.code)) screenedError.code = error.code;
  }
  return compact({
    ...response,
    responseModel: echoed(response.responseModel) ? undefined : response.responseModel,
    responseId: echoed(response.responseId) ? undefined : response.responseId,
    finishReasons: response.finishReasons.filter(reason => !echoes(reason)),
    error: screenedError,
  });
}

/**
 * error.type for a transport failure: the error's code or name (`UND_ERR_SOCKET`, `ECONNREFUSED`,
 * `AbortError`), never its message; `_OTHER` when that is not code-shaped (see sanitizeErrorLabel).
 */
export function transportErrorType(error: unknown): string {
  const e = error as { code?: unknown; name?: unknown } | undefined;
  const raw =
    (typeof e?.code === 'string' && e.code) ||
    (typeof e?.name === 'string' && e.name !== 'Error' && e.name) ||
    (error instanceof Error ? error.constructor.name : '');
  return sanitizeErrorLabel(raw) ?? OTHER_ERROR_TYPE;
}
