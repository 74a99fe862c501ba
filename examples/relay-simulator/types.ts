/*
 * Public types of the relay simulator: its options, the scenario knobs, the faults and
 * what it records about each request.
 */

/** The API dialect a route speaks; decides body shapes, error shapes and rate-limit headers. */
export type Dialect = 'openai' | 'anthropic' | 'gemini';

/** Faults selectable per request (`x-sim-fault` header, `sim_fault` query) or by scenario. */
export type FaultName =
  | '400'
  | '401'
  | '429'
  | '500'
  | '503'
  | '529'
  | 'html-502'
  | 'invalid-json'
  | 'empty-200'
  | 'truncate'
  | 'reset'
  | 'hang'
  | 'slow'
  | 'stream-error-event'
  | 'garbage';

export const FAULT_NAMES: readonly FaultName[] = [
  '400',
  '401',
  '429',
  '500',
  '503',
  '529',
  'html-502',
  'invalid-json',
  'empty-200',
  'truncate',
  'reset',
  'hang',
  'slow',
  'stream-error-event',
  'garbage',
];

/** Content codings the simulator can send. `zstd` only where node:zlib has it (Node >= 22.15). */
export type ContentCoding = 'identity' | 'gzip' | 'deflate' | 'br' | 'zstd';

/**
 * Model-based behaviour, swapped at run time with `setScenario`. Per-model maps accept `'*'`
 * as a fallback key for every model.
 */
export interface Scenario {
  /** Extra delay before the response headers, per requested model. */
  latencyMs?: Record<string, number>;
  /** Fraction (0..1) of calls per requested model that fail with `errorFault`; drawn from a seeded RNG. */
  errorRate?: Record<string, number>;
  /** The next `failNext` model calls (any model) fail with `errorFault`. */
  failNext?: number;
  /** Fault used by `errorRate` and `failNext`. Default `'429'`. */
  errorFault?: FaultName;
  /** The next model calls (any model) fail with these faults, in order; used up before `failNext`. */
  failNextWith?: FaultName[];
  /** A fault for every call to these models (`'*'` for all model calls). */
  faults?: Record<string, FaultName>;
  /**
   * A fault for every request whose path ends with the key, model call or not
   * (e.g. `{ '/models': '503' }` for a health probe's `GET /v1/models`).
   */
  pathFaults?: Record<string, FaultName>;
  /** Answer requests for a model as another model (model-substitution detection). */
  substitute?: Record<string, string>;
  /** Seed of the RNG behind `errorRate`. Same seed and same call order give the same failures. */
  seed?: number;
}

/** Rate-limit window the simulator reports in its headers. */
export interface RateLimitOptions {
  /** Requests per window, per model. Default 5000. */
  requests?: number;
  /** Tokens (input + output) per window, per model. Default 4 000 000. */
  tokens?: number;
  /** Window length. Default 60 000 ms. */
  windowMs?: number;
  /** Answer 429 once a window is spent. Default false (remaining just stays at 0). */
  enforce?: boolean;
}

/** The legacy OpenAI billing routes relays built on one-api / new-api answer. */
export interface BillingOptions {
  /** The key's whole quota in USD, spent and left (`hard_limit_usd`). Default 100. */
  limitUsd?: number;
  /** Already spent when the simulator starts (and after `reset()`). Default 0. */
  spentUsd?: number;
  /** Charged per million tokens, input plus output, of every answered model call. Default 10. */
  usdPerMillionTokens?: number;
}

export interface RelaySimulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (an ephemeral port). */
  port?: number;
  /** Delay between the response headers and the first streamed output chunk. Default 20 ms. */
  firstChunkDelayMs?: number;
  /** Delay between streamed output chunks. Default 5 ms. */
  chunkDelayMs?: number;
  /** How long an idle keep-alive connection stays open (Node's `server.keepAliveTimeout`). Default Node's 5 s. */
  keepAliveTimeoutMs?: number;
  /** Delay before the response headers of every call. Default 0. */
  latencyMs?: number;
  /** Output tokens of an answer when `max_tokens` (or its dialect's name) does not cut it shorter. Default 16. */
  outputTokens?: number;
  /** Reasoning tokens reported by reasoning models (o-series, gpt-5, deepseek-reasoner, gemini-2.5+). Default 8. */
  reasoningTokens?: number;
  /** Embedding dimension for models without a known default (and no `dimensions` field). Default 1536. */
  embeddingDimensions?: number;
  /** Honour `Accept-Encoding`. Default true. A forced `?encoding=` / `x-sim-encoding` applies either way. */
  compression?: boolean;
  rateLimits?: RateLimitOptions;
  /** When set, only this API key is accepted (Bearer, x-api-key, x-goog-api-key, api-key, ?key=). */
  requireKey?: string;
  /** Requested model → answered model, for every call (a scenario's `substitute` takes precedence). */
  substitute?: Record<string, string>;
  /** Requested model → answered model version, merged over the built-in table (gpt-4.1 → gpt-4.1-2025-04-14 …). */
  modelVersions?: Record<string, string>;
  /** Models listed by `GET …/models`. Default: the built-in list. */
  models?: string[];
  /** `retry-after` seconds on 429/503/529. Default 1. */
  retryAfterSeconds?: number;
  /** Delay before the headers of the `slow` fault. Default 1000 ms. */
  slowMs?: number;
  /** Most recent requests kept in `requests`. Default 500. */
  maxRecordedRequests?: number;
  /** Initial scenario. */
  scenario?: Scenario;
  /** The billing routes' balance; `false`: they answer 404, like a relay that has none. Default: the defaults of `BillingOptions`. */
  billing?: BillingOptions | false;
  /** Called after each request has been answered (or abandoned); for logging. Never sees API keys. */
  onRequest?: (request: RecordedRequest) => void;
  /**
   * Called once per streamed response; the gate it returns is awaited before each frame is written
   * and before the body ends (after any pacing delay). The benchmark uses it to write the next event
   * only once the client has acknowledged the previous one, so that every event is its own read.
   */
  streamGate?: () => StreamGate;
}

/** See `RelaySimulatorOptions.streamGate`. */
export interface StreamGate {
  beforeFrame(text: string): Promise<void> | void;
  beforeEnd(): Promise<void> | void;
}

/** What the simulator answered, for test assertions (no need to re-parse the body). */
export interface ReportedResponse {
  status: number;
  dialect?: Dialect;
  /** Route name, e.g. `chat.completions`, `messages`, `generateContent`. */
  route?: string;
  fault?: FaultName;
  /** A registered fixture was replayed. */
  fixture?: boolean;
  stream?: boolean;
  contentEncoding?: ContentCoding;
  requestModel?: string;
  responseModel?: string;
  /** Total prompt tokens (including cached ones, whatever the dialect reports). */
  inputTokens?: number;
  cachedInputTokens?: number;
  cacheWriteInputTokens?: number;
  /** Output tokens including reasoning tokens. */
  outputTokens?: number;
  reasoningTokens?: number;
  finishReason?: 'stop' | 'length' | 'tool_calls';
  responseId?: string;
}

export interface RecordedRequest {
  method: string;
  /** Path with query string, as received (an API key in `?key=` is redacted). */
  path: string;
  /** Lower-case names; API keys and cookies are replaced by `REDACTED`. */
  headers: Record<string, string>;
  body: string;
  receivedAt: number;
  /** Filled once the simulator has decided the answer. */
  response?: ReportedResponse;
}

/** The parts of a `test/fixtures/llm-wire` file that replay needs. */
export interface WireFixture {
  request?: { method?: string; url?: string } | null;
  response: { status: number; headers?: Record<string, string>; body: unknown };
}

export interface ServeFixtureOptions {
  /** Compress the body; `content-encoding` is set accordingly. Default identity. */
  encoding?: ContentCoding;
  /**
   * Write the (uncompressed) body in pieces: at these byte offsets, every `every` bytes, or at
   * each SSE event boundary. With compression each piece is flushed on its own.
   */
  splitAt?: number[] | { every: number } | 'events';
  /** Pause between pieces. Default 5 ms when `splitAt` is given. */
  delayMs?: number;
  /** Path to answer on instead of the recorded URL's path (query ignored either way). */
  path?: string;
  /** How many requests get this fixture. Default 1. */
  times?: number;
}

export interface ServedFixture {
  /** The relay's URL for the recorded path and query, ready for `fetch`. */
  url: string;
  /** The path the fixture answers on. */
  path: string;
}

export interface RelaySimulator {
  /** Origin, e.g. `http://127.0.0.1:43817`. */
  readonly url: string;
  readonly port: number;
  /** Most recent requests, oldest first (capped; the array is updated in place). */
  readonly requests: RecordedRequest[];
  /** USD spent so far, as `GET …/dashboard/billing/usage` reports it (in cents). */
  readonly spentUsd: number;
  /** Replaces the scenario (and restarts its RNG). */
  setScenario(scenario: Scenario): void;
  /** Clears scenario, recorded requests, rate-limit windows, registered fixtures and the spending. */
  reset(): void;
  /** Registers a recorded exchange for the next request(s) to its path. */
  serveFixture(fixture: WireFixture, options?: ServeFixtureOptions): ServedFixture;
  /** Stops listening and destroys every connection, hanging ones included. */
  close(): Promise<void>;
}
