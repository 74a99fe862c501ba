/*
 * Configuration: explicit options win, then environment variables, then defaults.
 * Pure: the caller passes the environment (variables are read through src/config/env.ts).
 */
import { envText } from './config/env';
import type { Env, Warn } from './config/env';
import type { LlmRelayInstrumentationConfig } from './types';
import type { RelayHostPattern } from './hook/relay-matcher';
import { SPAN_USAGE_MODES } from './telemetry/span-usage';
import type { SpanUsageMode } from './telemetry/span-usage';
import { DEFAULT_MAX_CONTENT_ATTRIBUTE_LENGTH } from './telemetry/span-attributes';

export const DEFAULT_MAX_CONTENT_LENGTH = 4096;
export { DEFAULT_MAX_CONTENT_ATTRIBUTE_LENGTH };
/** Smaller bounds would leave room for little but the truncation note. */
export const MIN_MAX_CONTENT_ATTRIBUTE_LENGTH = 1024;
export const DEFAULT_MAX_MODELS_PER_METRIC = 100;
export const DEFAULT_IDLE_TIMEOUT_MS = 10 * 60 * 1000;
/** A day: longer is "never" in practice, and every duration stays within what a Node timer holds. */
export const MAX_IDLE_TIMEOUT_MS = 24 * 60 * 60 * 1000;

export interface ResolvedConfig {
  /** undefined: the default host selection (well-known hosts, or any host on a known LLM route). */
  relayHosts?: RelayHostPattern[];
  pricingFile?: string;
  /** Codecs collect content: true when it goes on spans, on events, or both. */
  captureMessageContent: boolean;
  /** Content attributes on the span (`true`, `SPAN_ONLY`, `SPAN_AND_EVENT`). */
  contentOnSpans: boolean;
  /** The `gen_ai.client.inference.operation.details` event with the content (`EVENT_ONLY`, `SPAN_AND_EVENT`). */
  contentOnEvents: boolean;
  /** Which spans carry usage and cost when an SDK traces its own calls (src/telemetry/span-usage.ts). */
  spanUsage: SpanUsageMode;
  maxContentLength: number;
  maxContentAttributeLength: number;
  maxModelsPerMetric: number;
  propagateContext: boolean;
  idleTimeoutMs: number;
}

export interface ContentCapture {
  spans: boolean;
  events: boolean;
}

const CAPTURE_MODES: Readonly<Record<string, ContentCapture>> = {
  true: { spans: true, events: false },
  span_only: { spans: true, events: false },
  false: { spans: false, events: false },
  no_content: { spans: false, events: false },
  event_only: { spans: false, events: true },
  span_and_event: { spans: true, events: true },
};

/**
 * Where captured content goes, from `true`/`false` or the GenAI enum of OpenTelemetry Python
 * (`NO_CONTENT`, `SPAN_ONLY`, `EVENT_ONLY`, `SPAN_AND_EVENT`; any case). `true` means spans only.
 * undefined when unset or empty; warns and returns undefined for anything else.
 */
export function parseContentCapture(
  name: string,
  value: string | boolean | undefined,
  warn: Warn,
): ContentCapture | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'boolean') return CAPTURE_MODES[String(value)];
  const v = value.trim().toLowerCase();
  if (v === '') return undefined;
  const mode = Object.hasOwn(CAPTURE_MODES, v) ? CAPTURE_MODES[v] : undefined;
  if (mode === undefined)
    warn(`${name}: ignoring "${value}", expected true, false, NO_CONTENT, SPAN_ONLY, EVENT_ONLY or SPAN_AND_EVENT`);
  return mode;
}

function spanUsageMode(option: string | undefined, envValue: string | undefined, warn: Warn): SpanUsageMode {
  for (const [name, value] of [
    ['spanUsage', option],
    ['OTEL_LLM_RELAY_SPAN_USAGE', envValue],
  ] as const) {
    const v = value?.trim().toLowerCase();
    if (v === undefined || v === '') continue;
    const mode = SPAN_USAGE_MODES.find(m => m === v);
    if (mode !== undefined) return mode;
    warn(`${name}: ignoring "${value}", expected ${SPAN_USAGE_MODES.join(', ')}`);
  }
  return 'always';
}

/** `host`, `host:port`, `[::1]:8080` or an origin URL; undefined (with a warning) when unreadable. */
export function parseRelayHost(entry: string, warn: Warn): RelayHostPattern | undefined {
  const text = entry.trim();
  if (text === '') return undefined;
  try {
    const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
    const url = new URL(hasScheme ? text : `http://${text}`);
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (!host) throw new Error('no host');
    const pattern: RelayHostPattern = { host };
    if (hasScheme) {
      pattern.protocol = url.protocol;
      pattern.port = url.port || (url.protocol === 'https:' ? '443' : url.protocol === 'http:' ? '80' : '');
    } else if (url.port) {
      pattern.port = url.port;
    } else if (/:80$/.test(text)) {
      pattern.port = '80'; // URL drops the default port; the user asked for exactly it
    }
    return pattern;
  } catch {
    warn(`OTEL_LLM_RELAY_HOSTS: ignoring "${entry}", expected host, host:port or an origin URL`);
    return undefined;
  }
}

export function parseRelayHosts(list: readonly string[], warn: Warn): RelayHostPattern[] {
  const patterns: RelayHostPattern[] = [];
  for (const entry of list) {
    const pattern = parseRelayHost(entry, warn);
    if (pattern) patterns.push(pattern);
  }
  return patterns;
}

function positiveInteger(name: string, value: number | undefined, fallback: number, warn: Warn, min = 1): number {
  if (value === undefined) return fallback;
  if (Number.isInteger(value) && value >= min) return value;
  warn(
    `${name}: ignoring ${String(value)}, expected ${min === 1 ? 'a positive integer' : `an integer of at least ${min}`}`,
  );
  return fallback;
}

function atMost(name: string, value: number, max: number, warn: Warn): number {
  if (value <= max) return value;
  warn(`${name}: ${value} is above the maximum, using ${max}`);
  return max;
}

export function resolveConfig(options: LlmRelayInstrumentationConfig, env: Env, warn: Warn): ResolvedConfig {
  const hostList = options.relayHosts ?? envText(env, 'OTEL_LLM_RELAY_HOSTS')?.split(',');
  const relayHosts = hostList ? parseRelayHosts(hostList, warn) : undefined;
  const capture =
    parseContentCapture('captureMessageContent', options.captureMessageContent, warn) ??
    parseContentCapture(
      'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT',
      envText(env, 'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT'),
      warn,
    ) ??
    CAPTURE_MODES['false']!;
  return {
    // An explicitly empty host list would silently observe nothing: fall back to the defaults instead.
    relayHosts: relayHosts && relayHosts.length > 0 ? relayHosts : undefined,
    pricingFile: options.pricingFile ?? envText(env, 'OTEL_LLM_RELAY_PRICING'),
    captureMessageContent: capture.spans || capture.events,
    contentOnSpans: capture.spans,
    contentOnEvents: capture.events,
    spanUsage: spanUsageMode(options.spanUsage, envText(env, 'OTEL_LLM_RELAY_SPAN_USAGE'), warn),
    maxContentLength: positiveInteger('maxContentLength', options.maxContentLength, DEFAULT_MAX_CONTENT_LENGTH, warn),
    maxContentAttributeLength: positiveInteger(
      'maxContentAttributeLength',
      options.maxContentAttributeLength,
      DEFAULT_MAX_CONTENT_ATTRIBUTE_LENGTH,
      warn,
      MIN_MAX_CONTENT_ATTRIBUTE_LENGTH,
    ),
    maxModelsPerMetric: positiveInteger(
      'maxModelsPerMetric',
      options.maxModelsPerMetric,
      DEFAULT_MAX_MODELS_PER_METRIC,
      warn,
    ),
    propagateContext: options.propagateContext ?? true,
    idleTimeoutMs: atMost(
      'idleTimeoutMs',
      positiveInteger('idleTimeoutMs', options.idleTimeoutMs, DEFAULT_IDLE_TIMEOUT_MS, warn),
      MAX_IDLE_TIMEOUT_MS,
      warn,
    ),
  };
}
