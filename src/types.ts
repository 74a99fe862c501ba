import type { Attributes, Span } from '@opentelemetry/api';
import type { InstrumentationConfig } from '@opentelemetry/instrumentation';
import type { RelayProbeOptions } from './probe/probe-config';

/** Prices in USD per 1M tokens. */
export interface ModelPriceConfig {
  input: number;
  output: number;
  /** Price of cache-read input tokens; defaults to `input`. */
  cachedInput?: number;
  /** Price of cache-write (cache creation) input tokens; defaults to `input`. */
  cacheWrite?: number;
}

/** The pricing file's shape (see docs/pricing.md). */
export interface PricingConfig {
  models?: Record<string, ModelPriceConfig>;
  /** Scale every price for calls to one relay host (`host` or `host:port`): relays bill at their own rates. */
  hosts?: Record<string, { multiplier: number }>;
}

/** What a hook learns about one relay call. */
export interface LlmCallInfo {
  method: string;
  /** The request URL, with credentials in the query string redacted. */
  url: string;
  operation: string;
  requestModel?: string;
  responseModel?: string;
  statusCode?: number;
  errorType?: string;
  /** Set for the relay probe's own calls (`chat`), so hooks can tell them from app traffic. */
  probe?: string;
}

export type LlmRelayRequestHook = (span: Span, info: LlmCallInfo) => void;
export type LlmRelayResponseHook = (span: Span, info: LlmCallInfo) => void;
/** Extra attributes for the metrics of a call; keep their values low-cardinality. */
export type LlmRelayMetricAttributesHook = (info: LlmCallInfo) => Attributes | undefined;

export interface LlmRelayInstrumentationConfig extends InstrumentationConfig {
  /**
   * Relay hosts to observe: `host`, `host:port` or an origin URL (`https://relay.example.com`).
   * Env `OTEL_LLM_RELAY_HOSTS` (comma list) applies when this option is not given.
   * @default well-known LLM API hosts, plus any host whose request path is a known LLM API route
   */
  relayHosts?: string[];
  /**
   * Path of a pricing JSON file that adds to or overrides the built-in prices: a regular file of
   * at most 1 MiB. Env `OTEL_LLM_RELAY_PRICING` applies when this option is not given.
   */
  pricingFile?: string;
  /** Prices given in code; they win over the pricing file and the built-in table. */
  pricing?: PricingConfig;
  /**
   * Record prompts, completions, system instructions and tool definitions (`gen_ai.input.messages`,
   * `gen_ai.output.messages`, `gen_ai.system_instructions`, `gen_ai.tool.definitions`): `true` or
   * `SPAN_ONLY` on spans; `EVENT_ONLY` on a `gen_ai.client.inference.operation.details` event
   * (OpenTelemetry Logs API, structured); `SPAN_AND_EVENT` on both. Env
   * `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT` (same values, any case) applies when this
   * option is not given.
   * @default false
   */
  captureMessageContent?: boolean | 'NO_CONTENT' | 'SPAN_ONLY' | 'EVENT_ONLY' | 'SPAN_AND_EVENT';
  /**
   * Longest captured content string, in characters; longer ones are truncated.
   * @default 4096
   */
  maxContentLength?: number;
  /**
   * Longest content attribute (`gen_ai.input.messages`, `gen_ai.output.messages`,
   * `gen_ai.system_instructions`), in characters of its JSON text. Over it, trailing messages and
   * parts are left out whole and a `{type: 'truncated'}` part says how many; at least 1024.
   * @default 131072 (128 KiB)
   */
  maxContentAttributeLength?: number;
  /**
   * Most distinct model names per metric label (and values per metricAttributesHook key); further
   * ones are reported as `_OTHER`.
   * @default 100
   */
  maxModelsPerMetric?: number;
  /**
   * Inject a W3C `traceparent` header into relay requests when no other instrumentation does.
   * @default true
   */
  propagateContext?: boolean;
  /**
   * A response whose body makes no progress for this long is given up: its span ends with
   * `error.type` = `timeout` and its state is released (the caller's request is not touched).
   * At most 86400000 (a day).
   * @default 600000 (10 minutes)
   */
  idleTimeoutMs?: number;
  /**
   * The opt-in relay health probe (docs/probe.md). Env `OTEL_LLM_RELAY_PROBE_URL` and related
   * variables apply when this option is not given; `false` turns it off whatever the env says.
   * @default off
   */
  probe?: RelayProbeOptions | false;
  /**
   * Which span carries `gen_ai.usage.*` and `llm_relay.cost.*` when an SDK traces its own calls
   * (the Anthropic SDK 1.x emits its own GenAI span with usage, and ours nests under it, so a
   * backend summing usage over spans counts the call twice): `always` (ours too), `unless-sdk-span`
   * (left off ours inside such a span; `llm_relay.usage_on_parent` says so), `never`. Metrics
   * always count every call. Env `OTEL_LLM_RELAY_SPAN_USAGE` applies when this option is not given.
   * @default 'always'
   */
  spanUsage?: 'always' | 'unless-sdk-span' | 'never';
  /** Called when the span starts, with what the request line says. */
  requestHook?: LlmRelayRequestHook;
  /** Called before the span ends, with what the response said. */
  responseHook?: LlmRelayResponseHook;
  /**
   * Adds attributes to every metric point of a call (e.g. a tenant); keep them low-cardinality.
   * Bounded like model names: at most `maxModelsPerMetric` distinct values per key (later new
   * values are recorded as `_OTHER`, with one diag warning) and at most 16 keys.
   */
  metricAttributesHook?: LlmRelayMetricAttributesHook;
}
