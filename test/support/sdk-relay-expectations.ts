/*
 * What the relay span of one HTTP call must say, built from what the simulated relay received
 * (`RecordedRequest.body`, `path`) and what it reports having answered (`RecordedRequest.response`).
 * The request mapping is deliberately tiny and independent of src/wire: it knows only the fields the
 * integration tests send or that the SDKs add, so a field our codecs read differently shows up as a
 * mismatch in a whole-object comparison.
 */
import { expect } from 'vitest';
import type { Attributes } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { RecordedRequest, RelaySimulator } from '../../examples/relay-simulator/server.ts';

type Json = Record<string, unknown>;

interface RouteFacts {
  operation: string;
  /** `gen_ai.provider.name` for a host that is not a vendor's own (the relay runs on 127.0.0.1). */
  provider: string;
  wireFormat: string;
}

/** Simulator route name → what the relay span says about the API called. */
const ROUTES: Record<string, RouteFacts> = {
  'chat.completions': { operation: 'chat', provider: 'openai', wireFormat: 'openai.chat_completions' },
  responses: { operation: 'chat', provider: 'openai', wireFormat: 'openai.responses' },
  embeddings: { operation: 'embeddings', provider: 'openai', wireFormat: 'openai.embeddings' },
  messages: { operation: 'chat', provider: 'anthropic', wireFormat: 'anthropic.messages' },
  generateContent: { operation: 'generate_content', provider: 'gcp.gen_ai', wireFormat: 'gemini.generate_content' },
  streamGenerateContent: {
    operation: 'generate_content',
    provider: 'gcp.gen_ai',
    wireFormat: 'gemini.generate_content',
  },
};

/** The simulator reports a dialect-neutral finish reason; each wire spells it its own way. */
const WIRE_FINISH_REASONS: Record<string, Record<string, string>> = {
  'chat.completions': { stop: 'stop', length: 'length', tool_calls: 'tool_calls' },
  // The Responses API has no finish reason: the response status stands in for it.
  responses: { stop: 'completed', length: 'incomplete', tool_calls: 'completed' },
  messages: { stop: 'end_turn', length: 'max_tokens', tool_calls: 'tool_use' },
  generateContent: { stop: 'STOP', length: 'MAX_TOKENS', tool_calls: 'STOP' },
  streamGenerateContent: { stop: 'STOP', length: 'MAX_TOKENS', tool_calls: 'STOP' },
};

function record(value: unknown): Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
}

function put(attributes: Attributes, key: string, value: unknown): void {
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') attributes[key] = value;
  else if (Array.isArray(value) && value.every(v => typeof v === 'string')) attributes[key] = value as string[];
}

/** `gen_ai.request.*` from the body the relay received. */
function requestParameters(route: string, body: Json, urlModel: string | undefined): Attributes {
  const a: Attributes = {};
  const stop = (value: unknown) => (typeof value === 'string' ? [value] : value);
  switch (route) {
    case 'chat.completions':
      put(a, 'gen_ai.request.model', body.model);
      put(a, 'gen_ai.request.max_tokens', body.max_completion_tokens ?? body.max_tokens);
      put(a, 'gen_ai.request.temperature', body.temperature);
      put(a, 'gen_ai.request.top_p', body.top_p);
      put(a, 'gen_ai.request.stop_sequences', stop(body.stop));
      if (typeof body.n === 'number' && body.n !== 1) a['gen_ai.request.choice.count'] = body.n;
      break;
    case 'responses':
      put(a, 'gen_ai.request.model', body.model);
      put(a, 'gen_ai.request.max_tokens', body.max_output_tokens);
      put(a, 'gen_ai.request.temperature', body.temperature);
      put(a, 'gen_ai.request.top_p', body.top_p);
      break;
    case 'embeddings':
      put(a, 'gen_ai.request.model', body.model);
      if (typeof body.encoding_format === 'string') a['gen_ai.request.encoding_formats'] = [body.encoding_format];
      break;
    case 'messages':
      put(a, 'gen_ai.request.model', body.model);
      put(a, 'gen_ai.request.max_tokens', body.max_tokens);
      put(a, 'gen_ai.request.temperature', body.temperature);
      put(a, 'gen_ai.request.top_p', body.top_p);
      put(a, 'gen_ai.request.top_k', body.top_k);
      put(a, 'gen_ai.request.stop_sequences', body.stop_sequences);
      break;
    case 'generateContent':
    case 'streamGenerateContent': {
      const config = record(body.generationConfig);
      put(a, 'gen_ai.request.model', urlModel);
      put(a, 'gen_ai.request.max_tokens', config.maxOutputTokens);
      put(a, 'gen_ai.request.temperature', config.temperature);
      put(a, 'gen_ai.request.top_p', config.topP);
      put(a, 'gen_ai.request.top_k', config.topK);
      put(a, 'gen_ai.request.stop_sequences', config.stopSequences);
      break;
    }
  }
  const streamed = route === 'streamGenerateContent' || body.stream === true;
  if (streamed) a['gen_ai.request.stream'] = true;
  return a;
}

/** Usage as each wire carries it: which counts a dialect always sends, which only when non-zero. */
function usage(route: string, r: NonNullable<RecordedRequest['response']>): Attributes {
  const a: Attributes = {};
  put(a, 'gen_ai.usage.input_tokens', r.inputTokens);
  if (route === 'embeddings') return a;
  put(a, 'gen_ai.usage.output_tokens', r.outputTokens);
  switch (route) {
    case 'chat.completions':
    case 'responses':
      // `…_tokens_details` are always sent, zeros included.
      put(a, 'gen_ai.usage.cache_read.input_tokens', r.cachedInputTokens);
      put(a, 'gen_ai.usage.reasoning.output_tokens', r.reasoningTokens);
      break;
    case 'messages':
      put(a, 'gen_ai.usage.cache_read.input_tokens', r.cachedInputTokens);
      // The simulator never writes to a prompt cache and says so: `cache_creation_input_tokens: 0`.
      a['gen_ai.usage.cache_creation.input_tokens'] = 0;
      a['gen_ai.usage.cache_write.input_tokens'] = 0;
      break;
    default:
      // Gemini sends `cachedContentTokenCount` and `thoughtsTokenCount` only when they are not zero.
      if (r.cachedInputTokens) a['gen_ai.usage.cache_read.input_tokens'] = r.cachedInputTokens;
      if (r.reasoningTokens) a['gen_ai.usage.reasoning.output_tokens'] = r.reasoningTokens;
  }
  return a;
}

/** The route the simulator answered on, or the test fails with what it did get. */
export function answeredRoute(request: RecordedRequest): string {
  const route = request.response?.route;
  if (!route || !ROUTES[route]) throw new Error(`relay answered ${request.path} on unexpected route ${String(route)}`);
  return route;
}

/** The requested model: the body's, else the URL's (Gemini `models/<model>:<method>`). */
export function requestedModel(request: RecordedRequest): string | undefined {
  const body = record(JSON.parse(request.body || '{}'));
  if (typeof body.model === 'string') return body.model;
  return /\/models\/([^/:]+):/.exec(request.path)?.[1];
}

/** The expected span name: `{operation} {request model}`. */
export function expectedSpanName(request: RecordedRequest): string {
  return `${ROUTES[answeredRoute(request)]!.operation} ${requestedModel(request)}`;
}

/**
 * Every attribute the relay span of `request` must have, and no other. Cost and time to first
 * chunk are `expect.any(Number)`: check their ranges with {@link checkTimingAndCost}.
 */
export function expectedRelaySpanAttributes(relay: RelaySimulator, request: RecordedRequest): Attributes {
  const route = answeredRoute(request);
  const facts = ROUTES[route]!;
  const response = request.response!;
  const body = record(JSON.parse(request.body || '{}'));
  const params = requestParameters(route, body, requestedModel(request));
  const attributes: Record<string, unknown> = {
    'gen_ai.operation.name': facts.operation,
    'gen_ai.provider.name': facts.provider,
    'server.address': '127.0.0.1',
    'server.port': relay.port,
    'http.request.method': 'POST',
    'url.full': `${relay.url}${request.path}`,
    'llm_relay.wire_format': facts.wireFormat,
    ...params,
    'http.response.status_code': response.status,
  };
  // OpenAI refinements (provider openai): the API type from the route, the requested tier from the body.
  const apiType = { 'chat.completions': 'chat_completions', responses: 'responses' }[route];
  if (apiType !== undefined) attributes['openai.api.type'] = apiType;
  if (facts.provider === 'openai') put(attributes as Attributes, 'openai.request.service_tier', body.service_tier);
  // The attempt number the OpenAI and Anthropic SDKs sent, on their retries only.
  const retryCount = Number(request.headers['x-stainless-retry-count'] ?? 0);
  if (retryCount > 0) attributes['http.request.resend_count'] = retryCount;
  if (response.status >= 400) {
    attributes['error.type'] = String(response.status);
    // The class in the vendor's error body; the simulator does not report it, so only its shape is checked.
    attributes['llm_relay.error.vendor_type'] = expect.stringMatching(/^[A-Za-z0-9_.-]{1,64}$/);
    return attributes as Attributes;
  }
  if (params['gen_ai.request.stream']) attributes['gen_ai.response.time_to_first_chunk'] = expect.any(Number);
  put(attributes as Attributes, 'gen_ai.response.model', response.responseModel);
  put(attributes as Attributes, 'gen_ai.response.id', response.responseId);
  const finish = response.finishReason && WIRE_FINISH_REASONS[route]?.[response.finishReason];
  if (finish) attributes['gen_ai.response.finish_reasons'] = [finish];
  Object.assign(attributes, usage(route, response));
  // The simulator answers chat and responses calls with `service_tier: 'default'`, chat also with a `system_fingerprint`.
  if (apiType !== undefined) attributes['openai.response.service_tier'] = 'default';
  if (route === 'chat.completions')
    attributes['openai.response.system_fingerprint'] = expect.stringMatching(/^fp_[0-9a-f]+$/);
  attributes['llm_relay.cost.usd'] = expect.any(Number);
  attributes['llm_relay.cost.source'] = 'table';
  return attributes as Attributes;
}

function seconds(time: [number, number]): number {
  return time[0] + time[1] / 1e9;
}

/** Cost is positive; time to first chunk, when there is one, lies inside the call. */
export function checkTimingAndCost(span: ReadableSpan): void {
  const a = span.attributes;
  if (a['llm_relay.cost.usd'] !== undefined) expect(a['llm_relay.cost.usd']).toBeGreaterThan(0);
  const ttfc = a['gen_ai.response.time_to_first_chunk'];
  if (ttfc !== undefined) {
    expect(ttfc).toBeGreaterThan(0);
    expect(ttfc).toBeLessThan(seconds(span.endTime) - seconds(span.startTime));
  }
}

const W3C_TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

/** The trace and span a single, valid W3C `traceparent` names; fails on none, junk or several values. */
export function parsedTraceparent(request: RecordedRequest): { traceId: string; spanId: string } {
  const value = request.headers['traceparent'];
  expect(value, `traceparent received by the relay for ${request.path}`).toMatch(W3C_TRACEPARENT);
  const match = W3C_TRACEPARENT.exec(value!)!;
  return { traceId: match[1]!, spanId: match[2]! };
}

/** True when any attribute key of the span is a `gen_ai.*` one. */
export function hasGenAiAttributes(span: ReadableSpan): boolean {
  return Object.keys(span.attributes).some(k => k.startsWith('gen_ai.'));
}

/** Spans in start order (the simulator records requests in arrival order too). */
export function byStartTime(spans: readonly ReadableSpan[]): ReadableSpan[] {
  return [...spans].sort((x, y) => seconds(x.startTime) - seconds(y.startTime));
}
