/*
 * Usage and cost on one layer only. An SDK that traces its own calls (the Anthropic SDK 1.x emits a
 * CLIENT span with `gen_ai.usage.*` around each request) puts the same usage on its span as we put
 * on ours, nested under it: a backend that sums `gen_ai.usage.*` over all spans counts the call
 * twice. `spanUsage` decides which layer keeps it:
 *   always            our span always carries usage and cost (the default; nothing changes)
 *   unless-sdk-span   left off our span when the call runs inside such an SDK span
 *   never             never on our span (the SDK's or no span has it)
 * Metrics are ours alone and always count every call. Pure.
 */
import type { Attributes } from '@opentelemetry/api';
import { ATTR_LLM_RELAY_USAGE_ON_PARENT } from './semconv';

export type SpanUsageMode = 'always' | 'unless-sdk-span' | 'never';
export const SPAN_USAGE_MODES: readonly SpanUsageMode[] = ['always', 'unless-sdk-span', 'never'];

/**
 * SDKs that trace their own calls, by their User-Agent; they inject their span's traceparent into
 * the request (without making it the active span), so that is what we nest under.
 */
const SELF_TRACING_SDKS: readonly RegExp[] = [/^Anthropic\/JS /];

/**
 * True when the call runs inside a GenAI span of another layer: the active span is one (it carries
 * `gen_ai.operation.name`: instrumentation-openai and other instrumentations that make their span
 * active), or a self-tracing SDK injected its traceparent into the request before us.
 */
export function insideSdkGenAiSpan(
  activeSpan: unknown,
  injectedTraceparent: boolean,
  userAgent: string | undefined,
): boolean {
  const attributes = (activeSpan as { attributes?: unknown } | undefined)?.attributes;
  if (
    typeof attributes === 'object' &&
    attributes !== null &&
    typeof (attributes as Attributes)['gen_ai.operation.name'] === 'string'
  ) {
    return true;
  }
  return injectedTraceparent && userAgent !== undefined && SELF_TRACING_SDKS.some(sdk => sdk.test(userAgent));
}

const USAGE_PREFIXES = ['gen_ai.usage.', 'llm_relay.cost.', 'llm_relay.usage.'];

/** The span attributes without usage and cost, and a marker saying where they are. */
export function withoutUsage(attributes: Attributes): Attributes {
  const kept: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (!USAGE_PREFIXES.some(prefix => key.startsWith(prefix))) kept[key] = value;
  }
  kept[ATTR_LLM_RELAY_USAGE_ON_PARENT] = true;
  return kept;
}
