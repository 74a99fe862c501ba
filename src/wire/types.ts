/*
 * The normalized view of one LLM API exchange that every wire-format codec produces.
 * Codecs are pure: they see parsed JSON (request body, whole response body or one SSE event)
 * and never touch OpenTelemetry, undici or the network.
 */

/** `gen_ai.operation.name` values this package emits. */
export type OperationName = 'chat' | 'text_completion' | 'embeddings' | 'generate_content';

/** Which API dialect a request speaks. One codec module per format. */
export type WireFormatName =
  | 'openai.chat_completions'
  | 'openai.completions'
  | 'openai.responses'
  | 'openai.embeddings'
  | 'anthropic.messages'
  | 'gemini.generate_content'
  | 'gemini.embed_content';

/** What a route (method + path) tells before any body is seen. */
export interface RouteMatch {
  format: WireFormatName;
  operation: OperationName;
  /** Model named in the URL (Gemini/Vertex `models/<model>:<method>`, Azure deployment). */
  urlModel?: string;
  /** The URL itself says the response streams (Gemini `streamGenerateContent`). */
  urlStream?: boolean;
}

/** Request parameters, named after the `gen_ai.request.*` attributes they become. */
export interface RequestParams {
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  frequencyPenalty?: number;
  presencePenalty?: number;
  stopSequences?: string[];
  seed?: number;
  choiceCount?: number;
  /** `gen_ai.output.type`: text | json | image | speech. */
  outputType?: string;
  encodingFormats?: string[];
  /** `gen_ai.embeddings.dimension.count`: OpenAI `dimensions`, Gemini `outputDimensionality`. */
  embeddingDimensions?: number;
  /** OpenAI `service_tier` as requested (`openai.request.service_tier`). */
  serviceTier?: string;
}

export interface RequestInfo {
  model?: string;
  stream: boolean;
  params: RequestParams;
  /** OpenAI `stream_options.include_usage`; undefined when the request did not say. */
  includeUsage?: boolean;
  /** Prompt messages as OpenTelemetry `gen_ai.input.messages` parts; only filled when content capture is on. */
  inputMessages?: unknown[];
  systemInstructions?: unknown[];
  /** Tools the request offers (`gen_ai.tool.definitions`: type, name, description); only with content capture. */
  toolDefinitions?: unknown[];
}

/**
 * Token counts as the GenAI semantic conventions define them:
 * `inputTokens` INCLUDES cache-read and cache-write tokens (Anthropic reports them apart: add them),
 * `outputTokens` INCLUDES reasoning tokens (Gemini reports thoughts apart: add them).
 */
export interface Usage {
  inputTokens?: number;
  outputTokens?: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
  reasoningOutputTokens?: number;
}

export interface ResponseError {
  /** Low-cardinality class: the vendor's error type/code/status (e.g. `invalid_request_error`, `RESOURCE_EXHAUSTED`). Never the message. */
  type: string;
  /** Vendor code when it differs from type (e.g. `model_not_found`, `429`). Never the message. */
  code?: string;
}

export interface ResponseInfo {
  responseModel?: string;
  responseId?: string;
  /** Raw vendor values in choice/candidate index order, last non-null per index. */
  finishReasons: string[];
  usage: Usage;
  /** Error carried by the body: an HTTP error body, or an in-band error event in a 200 stream. */
  error?: ResponseError;
  /**
   * Set only when the response reported no output-token count but output text was seen:
   * a rough estimate (characters / 4), always labelled as an estimate downstream.
   */
  estimatedOutputTokens?: number;
  /**
   * Characters of generated output seen, when any: UTF-16 code units of the decoded text of
   * content, reasoning, refusals and tool-call arguments (an escape such as `\n` is one). For
   * the tokens-per-character drift counter.
   */
  outputCharacters?: number;
  /** Cost the relay or vendor reported itself (e.g. OpenRouter `usage.cost`), in USD. */
  reportedCostUsd?: number;
  /** OpenAI `service_tier` of the answer (`openai.response.service_tier`). */
  serviceTier?: string;
  /** OpenAI `system_fingerprint` (`openai.response.system_fingerprint`). */
  systemFingerprint?: string;
  /** Output text/parts as `gen_ai.output.messages`; only filled when content capture is on. */
  outputMessages?: unknown[];
}

export interface CodecOptions {
  /** Collect prompt/completion content (opt-in). */
  captureContent: boolean;
  /** Max characters kept per captured content string. */
  maxContentLength: number;
}

/**
 * Accumulates one response. Feed either one whole JSON body (`onJson`) or SSE events
 * (`onEvent`) as they arrive; `finish` may be called once, at any point (a cut stream
 * gives what was seen so far).
 */
export interface ResponseAccumulator {
  /** The response model seen so far (streams name it in their first chunks). */
  readonly responseModel: string | undefined;
  onJson(body: unknown): void;
  /**
   * One SSE event. `data` is the parsed JSON of the `data:` field, or the raw string when
   * it is not JSON (e.g. `[DONE]`). Returns true when the event is an output chunk
   * (counts for time-to-first-chunk and time-per-output-chunk), false for bookkeeping events.
   */
  onEvent(eventName: string | undefined, data: unknown): boolean;
  /**
   * A cheap look at one SSE event's raw `data:` text, before any parse: returns whether the event
   * was an output chunk when it handled the event completely without parsing, or undefined to ask
   * for the parsed event (`onEvent`). It may answer only when `data` is certainly valid JSON whose
   * effect is exactly what `onEvent(eventName, JSON.parse(data))` would have had (same counts, same
   * capture) and that ends no stream; it never throws.
   */
  onEventText?(eventName: string | undefined, data: string): boolean | undefined;
  finish(): ResponseInfo;
}

export interface WireCodec {
  format: WireFormatName;
  /** Reads the request body (already JSON-parsed; undefined when absent or unreadable). */
  parseRequest(body: unknown, route: RouteMatch, options: CodecOptions): RequestInfo;
  createResponseAccumulator(request: RequestInfo, options: CodecOptions): ResponseAccumulator;
  /**
   * Object member keys, at any depth of a JSON response body, whose values this codec never reads
   * (content capture included): large bodies pass over them without keeping them (embedding
   * vectors, logprobs). Small bodies, parsed natively, may still carry them. A key must not name
   * anything the codec reads anywhere in the body, nor a member of data it captures whole.
   */
  responseSkipKeys?: ReadonlySet<string>;
  /**
   * Whether an SSE event is the stream's last: after it an SDK may cancel the response as its
   * normal clean-up (see stream-end.ts). `[DONE]` ends every dialect's stream and is not asked here.
   */
  isStreamEnd?(eventName: string | undefined, data: unknown): boolean;
}
