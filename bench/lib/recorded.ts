/*
 * What a variant recorded on a workload, read from the spans and the Prometheus scrape of its run:
 * a variant that is fast because it recorded nothing must show up as such.
 */

export interface SpanSummary {
  scope: string;
  spans: number;
  names: string[];
  attributes: string[];
}

export interface Recorded {
  /** Spans per measured call, all scopes (undefined when the variant's spans cannot be counted). */
  spansPerCall?: number;
  /** Token counts (span attributes or the token-usage metric). */
  tokens: boolean;
  /** Time to first chunk (span attribute or metric). */
  timeToFirstChunk: boolean;
  /** Time between output chunks (metric). */
  timePerChunk: boolean;
  cost: boolean;
  rateLimits: boolean;
  /** Metric families with data, besides target_info. */
  metricFamilies: string[];
}

const TOKEN_ATTRIBUTE = /^gen_ai\.usage\.(input|output|prompt|completion)_tokens$/;

/** Reads what was recorded from the span summaries and metric families of one run. */
export function recordedFeatures(
  spans: readonly SpanSummary[],
  metrics: Readonly<Record<string, unknown>>,
  spansPerCall: number | undefined,
): Recorded {
  const attributes = new Set(spans.flatMap(s => s.attributes));
  const families = Object.keys(metrics).sort();
  const hasAttribute = (test: (name: string) => boolean) => [...attributes].some(test);
  const hasMetric = (test: RegExp) => families.some(f => test.test(f));
  return {
    spansPerCall,
    tokens: hasAttribute(a => TOKEN_ATTRIBUTE.test(a)) || hasMetric(/^gen_ai_client_token_usage$/),
    timeToFirstChunk: hasAttribute(a => a.includes('time_to_first')) || hasMetric(/time_to_first/),
    timePerChunk: hasMetric(/time_per_output_chunk/),
    cost: hasAttribute(a => a.includes('cost')) || hasMetric(/cost/),
    rateLimits: hasAttribute(a => a.includes('rate_limit')) || hasMetric(/rate_limit/),
    metricFamilies: families,
  };
}

/** `tokens, TTFT, cost` — the GenAI data a variant recorded, for the results table. */
export function describeRecorded(recorded: Recorded): string {
  const parts: string[] = [];
  if (recorded.tokens) parts.push('tokens');
  if (recorded.timeToFirstChunk) parts.push('TTFT');
  if (recorded.timePerChunk) parts.push('time/chunk');
  if (recorded.cost) parts.push('cost');
  if (recorded.rateLimits) parts.push('rate limits');
  return parts.length === 0 ? '—' : parts.join(', ');
}
