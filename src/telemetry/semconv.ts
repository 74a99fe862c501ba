/*
 * GenAI semantic-convention names (v1.41.0, the last core release that carries them), copied here
 * as @opentelemetry/semantic-conventions advises for incubating names, plus this project's own
 * `llm_relay.*` names. Metric and attribute names live only in this file.
 */

export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name' as const;
export const ATTR_GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name' as const;
export const ATTR_GEN_AI_REQUEST_MODEL = 'gen_ai.request.model' as const;
export const ATTR_GEN_AI_REQUEST_MAX_TOKENS = 'gen_ai.request.max_tokens' as const;
export const ATTR_GEN_AI_REQUEST_TEMPERATURE = 'gen_ai.request.temperature' as const;
export const ATTR_GEN_AI_REQUEST_TOP_P = 'gen_ai.request.top_p' as const;
export const ATTR_GEN_AI_REQUEST_TOP_K = 'gen_ai.request.top_k' as const;
export const ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY = 'gen_ai.request.frequency_penalty' as const;
export const ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY = 'gen_ai.request.presence_penalty' as const;
export const ATTR_GEN_AI_REQUEST_STOP_SEQUENCES = 'gen_ai.request.stop_sequences' as const;
export const ATTR_GEN_AI_REQUEST_SEED = 'gen_ai.request.seed' as const;
export const ATTR_GEN_AI_REQUEST_CHOICE_COUNT = 'gen_ai.request.choice.count' as const;
export const ATTR_GEN_AI_REQUEST_ENCODING_FORMATS = 'gen_ai.request.encoding_formats' as const;
export const ATTR_GEN_AI_REQUEST_STREAM = 'gen_ai.request.stream' as const;
export const ATTR_GEN_AI_OUTPUT_TYPE = 'gen_ai.output.type' as const;
export const ATTR_GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model' as const;
export const ATTR_GEN_AI_RESPONSE_ID = 'gen_ai.response.id' as const;
export const ATTR_GEN_AI_RESPONSE_FINISH_REASONS = 'gen_ai.response.finish_reasons' as const;
export const ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK = 'gen_ai.response.time_to_first_chunk' as const;
export const ATTR_GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens' as const;
export const ATTR_GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens' as const;
export const ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS = 'gen_ai.usage.cache_read.input_tokens' as const;
/** v1.41 name; renamed `cache_write` in the GenAI conventions repository (#440): both are emitted while that is unreleased. */
export const ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS = 'gen_ai.usage.cache_creation.input_tokens' as const;
export const ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS = 'gen_ai.usage.cache_write.input_tokens' as const;
export const ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS = 'gen_ai.usage.reasoning.output_tokens' as const;
export const ATTR_GEN_AI_TOKEN_TYPE = 'gen_ai.token.type' as const;
export const ATTR_GEN_AI_INPUT_MESSAGES = 'gen_ai.input.messages' as const;
export const ATTR_GEN_AI_OUTPUT_MESSAGES = 'gen_ai.output.messages' as const;
export const ATTR_GEN_AI_SYSTEM_INSTRUCTIONS = 'gen_ai.system_instructions' as const;
export const ATTR_GEN_AI_TOOL_DEFINITIONS = 'gen_ai.tool.definitions' as const;

export const ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT = 'gen_ai.embeddings.dimension.count' as const;
// OpenAI refinements (provider `openai` only, as the conventions' openai.md says).
export const ATTR_OPENAI_API_TYPE = 'openai.api.type' as const;
export const ATTR_OPENAI_REQUEST_SERVICE_TIER = 'openai.request.service_tier' as const;
export const ATTR_OPENAI_RESPONSE_SERVICE_TIER = 'openai.response.service_tier' as const;
export const ATTR_OPENAI_RESPONSE_SYSTEM_FINGERPRINT = 'openai.response.system_fingerprint' as const;

export const GEN_AI_TOKEN_TYPE_VALUE_INPUT = 'input' as const;
export const GEN_AI_TOKEN_TYPE_VALUE_OUTPUT = 'output' as const;

// Stable HTTP/general names.
export const ATTR_SERVER_ADDRESS = 'server.address' as const;
export const ATTR_SERVER_PORT = 'server.port' as const;
export const ATTR_ERROR_TYPE = 'error.type' as const;
export const ATTR_HTTP_REQUEST_METHOD = 'http.request.method' as const;
export const ATTR_HTTP_RESPONSE_STATUS_CODE = 'http.response.status_code' as const;
export const ATTR_URL_FULL = 'url.full' as const;
export const ATTR_HTTP_RESPONSE_HEADER_RETRY_AFTER = 'http.response.header.retry-after' as const;

// This project's own attributes.
export const ATTR_LLM_RELAY_COST_USD = 'llm_relay.cost.usd' as const;
/** `table` (built-in or configured prices) or `relay` (a cost the relay/vendor reported in the response). */
export const ATTR_LLM_RELAY_COST_SOURCE = 'llm_relay.cost.source' as const;
/** false when the response carried no token usage (e.g. a stream without `include_usage`). */
export const ATTR_LLM_RELAY_USAGE_REPORTED = 'llm_relay.usage.reported' as const;
/** Output tokens estimated from the streamed text (characters / 4) when usage was not reported. */
export const ATTR_LLM_RELAY_USAGE_ESTIMATED_OUTPUT_TOKENS = 'llm_relay.usage.estimated_output_tokens' as const;
/** Set (true) when usage and cost were left off this span for its SDK parent span's (spanUsage option). */
export const ATTR_LLM_RELAY_USAGE_ON_PARENT = 'llm_relay.usage_on_parent' as const;
export const ATTR_LLM_RELAY_MODEL_SUBSTITUTED = 'llm_relay.model.substituted' as const;
/** The vendor's own error class from the error body, beside the HTTP status in `error.type`. */
export const ATTR_LLM_RELAY_ERROR_VENDOR_TYPE = 'llm_relay.error.vendor_type' as const;
export const ATTR_LLM_RELAY_WIRE_FORMAT = 'llm_relay.wire_format' as const;
export const ATTR_LLM_RELAY_RATE_LIMIT_KIND = 'llm_relay.rate_limit.kind' as const;
export const ATTR_LLM_RELAY_PROBE_KIND = 'llm_relay.probe.kind' as const;
/** Set on spans of the relay probe's own requests, so they can be told apart from app traffic. */
export const ATTR_LLM_RELAY_PROBE = 'llm_relay.probe' as const;

export const METRIC_GEN_AI_CLIENT_OPERATION_DURATION = 'gen_ai.client.operation.duration' as const;
export const METRIC_GEN_AI_CLIENT_TOKEN_USAGE = 'gen_ai.client.token.usage' as const;
export const METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK =
  'gen_ai.client.operation.time_to_first_chunk' as const;
export const METRIC_GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK =
  'gen_ai.client.operation.time_per_output_chunk' as const;
export const METRIC_LLM_RELAY_COST = 'llm_relay.cost.usd' as const;
export const METRIC_LLM_RELAY_COST_UNPRICED = 'llm_relay.cost.unpriced' as const;
export const METRIC_LLM_RELAY_RATE_LIMIT_REMAINING = 'llm_relay.rate_limit.remaining' as const;
export const METRIC_LLM_RELAY_RATE_LIMIT_LIMIT = 'llm_relay.rate_limit.limit' as const;
export const METRIC_LLM_RELAY_MODEL_SUBSTITUTIONS = 'llm_relay.model.substitutions' as const;
export const METRIC_LLM_RELAY_PROBE_UP = 'llm_relay.probe.up' as const;
export const METRIC_LLM_RELAY_PROBE_DURATION = 'llm_relay.probe.duration' as const;
export const METRIC_LLM_RELAY_PROBE_LAST_SUCCESS = 'llm_relay.probe.last_success' as const;
export const METRIC_LLM_RELAY_BALANCE_REMAINING = 'llm_relay.balance.remaining.usd' as const;
export const METRIC_LLM_RELAY_BALANCE_LIMIT = 'llm_relay.balance.limit.usd' as const;

// Cache and reasoning token counters: the GenAI conventions repository's draft usage metrics
// (model/gen-ai/usage-metrics.yaml; unreleased, so the names may still change).
export const METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_READ =
  'gen_ai.client.inference.usage.detailed.cache_read.input_tokens' as const;
export const METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_WRITE =
  'gen_ai.client.inference.usage.detailed.cache_write.input_tokens' as const;
export const METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_REASONING =
  'gen_ai.client.inference.usage.detailed.reasoning.output_tokens' as const;
export const ATTR_GEN_AI_TOKEN_MODALITY = 'gen_ai.token.modality' as const;
export const GEN_AI_TOKEN_MODALITY_VALUE_UNKNOWN = 'unknown' as const;

/** Bucket advice from the conventions (gen-ai-metrics.md, v1.41.0). */
export const DURATION_BUCKETS = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];
export const TOKEN_BUCKETS = [
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
];

// Relay integrity (issue 17): token-inflation drift and SDK retries.
/** HTTP semconv: the ordinal number of a resent request; set only when > 0. */
export const ATTR_HTTP_REQUEST_RESEND_COUNT = 'http.request.resend_count' as const;
/** Characters of generated output of the calls that reported their output tokens. */
export const METRIC_LLM_RELAY_OUTPUT_CHARACTERS = 'llm_relay.output.characters' as const;
/** Calls that an SDK sent again (its retry count > 0). */
export const METRIC_LLM_RELAY_RETRIES = 'llm_relay.retries' as const;
