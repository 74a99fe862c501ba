/*
 * Prometheus exposition texts for the kit's live test, generated from the metric table: one as the
 * app's own endpoint serves it (path a, OpenTelemetry JS exporter) and one as an OpenTelemetry
 * Collector's `prometheus` exporter serves it (path b). Both describe the same traffic, which is
 * shaped so that every dashboard panel has data and every alert condition holds:
 *   main relay: gpt-4.1 slow (P95 ~ 20 s), slow first chunks, 9% failures, 10% of its request limit
 *               left, a model substitution; claude-sonnet-4-5 healthy; an unpriced fine-tune; cost
 *               far over the 100 USD/day budget.
 *   down relay: every deepseek-v3.2 call fails and its probe is down.
 */

import { type MetricSpec, collectorExporterName, jsExporterName } from './metric-names.ts';

export type ExportPath = 'a' | 'b';
export type Labels = Record<string, string>;

/** Histogram observations: [value, observations per traffic unit]. */
type Observations = Array<[value: number, perUnit: number]>;

interface HistogramSeries {
  labels: Labels;
  observations: Observations;
}
interface ValueSeries {
  labels: Labels;
  /** Value for `units` traffic units so far (counters must not decrease as units grow). */
  value: (units: number, nowSeconds: number) => number;
}

// Bucket advice of the GenAI conventions (also in src/telemetry/semconv.ts).
const DURATION_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];

/** The relays of one path; their names tell the paths apart in one Prometheus. */
export function relaysOf(path: ExportPath): { main: string; down: string; regex: string } {
  return { main: `main.path-${path}.test`, down: `down.path-${path}.test`, regex: `.*path-${path}.*` };
}

function callLabels(relay: string, model: string, provider: string, responseModel?: string): Labels {
  return {
    gen_ai_operation_name: 'chat',
    gen_ai_provider_name: provider,
    gen_ai_request_model: model,
    ...(responseModel ? { gen_ai_response_model: responseModel } : {}),
    server_address: relay,
    server_port: '443',
  };
}

type Scenario = { histograms?: HistogramSeries[]; values?: ValueSeries[]; buckets?: number[] };

/** What each metric of the table reports in the scenario; a metric missing here fails the test. */
function scenarioFor(otelName: string, path: ExportPath): Scenario | undefined {
  const { main, down } = relaysOf(path);
  const gpt = callLabels(main, 'gpt-4.1', 'openai', 'gpt-4.1-2025-04-14');
  const gptFailed = { ...callLabels(main, 'gpt-4.1', 'openai'), error_type: '429' };
  const claude = callLabels(main, 'claude-sonnet-4-5', 'anthropic', 'claude-sonnet-4-5-20250929');
  const claudeFailed = { ...callLabels(main, 'claude-sonnet-4-5', 'anthropic'), error_type: 'timeout' };
  const deepseekFailed = { ...callLabels(down, 'deepseek-v3.2', 'deepseek'), error_type: '502' };
  const probe = (relay: string, kind: string): Labels => ({ server_address: relay, server_port: '443', llm_relay_probe_kind: kind });
  const rateLimit = (labels: Labels, kind: string): Labels => ({ ...labels, llm_relay_rate_limit_kind: kind });
  switch (otelName) {
    case 'gen_ai.client.operation.duration':
      return {
        buckets: DURATION_BUCKETS,
        histograms: [
          { labels: gpt, observations: [[1.0, 5], [15, 5]] },
          { labels: gptFailed, observations: [[0.3, 1]] },
          { labels: claude, observations: [[2, 10]] },
          { labels: claudeFailed, observations: [[30, 1]] },
          { labels: deepseekFailed, observations: [[0.2, 4]] },
        ],
      };
    case 'gen_ai.client.token.usage':
      return {
        buckets: TOKEN_BUCKETS,
        histograms: [
          { labels: { ...gpt, gen_ai_token_type: 'input' }, observations: [[800, 10]] },
          { labels: { ...gpt, gen_ai_token_type: 'output' }, observations: [[150, 10]] },
          { labels: { ...claude, gen_ai_token_type: 'input' }, observations: [[1200, 10]] },
          { labels: { ...claude, gen_ai_token_type: 'output' }, observations: [[2_000_000, 1]] },
        ],
      };
    case 'gen_ai.client.operation.time_to_first_chunk':
      return {
        buckets: DURATION_BUCKETS,
        histograms: [
          { labels: gpt, observations: [[7, 5]] },
          { labels: claude, observations: [[0.5, 5]] },
        ],
      };
    case 'gen_ai.client.operation.time_per_output_chunk':
      return {
        buckets: DURATION_BUCKETS,
        histograms: [
          { labels: gpt, observations: [[0.03, 50]] },
          { labels: claude, observations: [[0.015, 80]] },
        ],
      };
    case 'llm_relay.cost.usd':
      return {
        values: [
          { labels: { ...gpt, llm_relay_cost_source: 'table' }, value: (n) => n * 0.02 },
          { labels: { ...claude, llm_relay_cost_source: 'relay' }, value: (n) => n * 0.05 },
        ],
      };
    case 'llm_relay.cost.unpriced':
      return { values: [{ labels: callLabels(main, 'my-finetune-v2', 'openai', 'my-finetune-v2'), value: (n) => n }] };
    case 'llm_relay.rate_limit.remaining':
      return {
        values: [
          { labels: rateLimit(gpt, 'requests'), value: () => 10 },
          { labels: rateLimit(gpt, 'tokens'), value: () => 20_000 },
          { labels: rateLimit(claude, 'input_tokens'), value: () => 35_000 },
        ],
      };
    case 'llm_relay.rate_limit.limit':
      return {
        values: [
          { labels: rateLimit(gpt, 'requests'), value: () => 100 },
          { labels: rateLimit(gpt, 'tokens'), value: () => 30_000 },
          { labels: rateLimit(claude, 'input_tokens'), value: () => 40_000 },
        ],
      };
    case 'llm_relay.model.substitutions':
      return { values: [{ labels: { ...gpt, gen_ai_response_model: 'gpt-4.1-mini' }, value: (n) => n }] };
    case 'llm_relay.probe.up':
      return {
        values: [
          { labels: probe(main, 'models'), value: () => 1 },
          { labels: probe(main, 'chat'), value: () => 1 },
          { labels: probe(down, 'models'), value: () => 0 },
        ],
      };
    case 'llm_relay.probe.duration':
      return {
        buckets: DURATION_BUCKETS,
        histograms: [
          { labels: probe(main, 'models'), observations: [[0.2, 1]] },
          { labels: { ...probe(down, 'models'), error_type: 'timeout' }, observations: [[5, 1]] },
        ],
      };
    case 'llm_relay.probe.last_success':
      return {
        values: [
          { labels: probe(main, 'models'), value: (_n, now) => Math.floor(now) - 5 },
          { labels: probe(down, 'models'), value: (_n, now) => Math.floor(now) - 600 },
        ],
      };
    default:
      return undefined;
  }
}

/** Throws for a metric of the table that the scenario does not cover. */
export function assertScenarioCovers(specs: MetricSpec[]): void {
  const missing = specs.filter((s) => scenarioFor(s.otelName, 'a') === undefined).map((s) => s.otelName);
  if (missing.length > 0) throw new Error(`test/kit/exposition.ts has no scenario for: ${missing.join(', ')}`);
}

const SCOPE: Labels = { otel_scope_name: 'otel-llm-relay', otel_scope_version: '0.1.0' };
const RESOURCE: Labels = {
  service_name: 'llm-demo-app',
  telemetry_sdk_language: 'nodejs',
  telemetry_sdk_name: 'opentelemetry',
  telemetry_sdk_version: '2.1.0',
};

const escapeValue = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const labelText = (labels: Labels): string =>
  `{${Object.entries(labels).map(([k, v]) => `${k}="${escapeValue(v)}"`).join(',')}}`;

/** JS number formatting (path a): `String(n)`. */
const jsNumber = (n: number): string => (n === Infinity ? '+Inf' : String(n));

/**
 * Go's `strconv.FormatFloat(n, 'g', -1, 64)`, as client_golang (the Collector, path b) writes numbers:
 * shortest digits, exponent form when the decimal exponent is below -4 or at least 6 (`1.048576e+06`).
 */
function goNumber(n: number): string {
  if (n === Infinity) return '+Inf';
  if (n === 0) return '0';
  const [mantissa, exponentText] = n.toExponential().split('e') as [string, string];
  const exponent = Number(exponentText);
  if (exponent >= -4 && exponent < 6) return String(n);
  return `${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
}

interface Family {
  name: string;
  help: string;
  unit: string;
  type: 'counter' | 'gauge' | 'histogram';
  lines: string[];
}

/**
 * The exposition text of one path after `units` traffic units (the counters' clock), at `nowSeconds`.
 * Path b also carries the job/instance labels the Collector derives from service.name and
 * service.instance.id; `serviceName` names that job.
 */
export function expositionText(
  specs: MetricSpec[],
  path: ExportPath,
  units: number,
  nowSeconds: number,
  serviceName = 'llm-demo-app',
): string {
  const num = path === 'a' ? jsNumber : goNumber;
  const extra: Labels =
    path === 'a' ? SCOPE : { ...SCOPE, otel_scope_schema_url: '', job: serviceName, instance: `${serviceName}-1` };
  const families: Family[] = [];
  for (const spec of specs) {
    const scenario = scenarioFor(spec.otelName, path);
    if (!scenario) throw new Error(`no scenario for ${spec.otelName}`);
    const name = path === 'a' ? jsExporterName(spec) : collectorExporterName(spec);
    const lines: string[] = [];
    for (const series of scenario.values ?? []) {
      lines.push(`${name}${labelText({ ...series.labels, ...extra })} ${num(series.value(units, nowSeconds))}`);
    }
    for (const series of scenario.histograms ?? []) {
      const bounds = [...(scenario.buckets ?? []), Infinity];
      const labels = { ...series.labels, ...extra };
      const count = series.observations.reduce((acc, [, per]) => acc + per * units, 0);
      const sum = series.observations.reduce((acc, [value, per]) => acc + value * per * units, 0);
      lines.push(`${name}_count${labelText(labels)} ${num(count)}`, `${name}_sum${labelText(labels)} ${num(sum)}`);
      for (const bound of bounds) {
        const below = series.observations.reduce((acc, [value, per]) => acc + (value <= bound ? per * units : 0), 0);
        lines.push(`${name}_bucket${labelText({ ...labels, le: num(bound) })} ${num(below)}`);
      }
    }
    const type = spec.kind;
    families.push({ name, help: `${spec.otelName} (kit test data)`, unit: spec.unit, type, lines });
  }

  const out: string[] = [];
  const targetInfo =
    path === 'a'
      ? `target_info${labelText(RESOURCE)} 1`
      : `target_info${labelText({ ...Object.fromEntries(Object.entries(RESOURCE).filter(([k]) => k !== 'service_name')), job: serviceName, instance: `${serviceName}-1` })} 1`;
  out.push('# HELP target_info Target metadata', '# TYPE target_info gauge', targetInfo);
  for (const family of families) {
    out.push(`# HELP ${family.name} ${family.help}`);
    // The JS exporter writes the unit as an OpenMetrics-style comment; the text format ignores it.
    if (path === 'a' && family.unit) out.push(`# UNIT ${family.name} ${family.unit}`);
    out.push(`# TYPE ${family.name} ${family.type}`, ...family.lines);
  }
  return `${out.join('\n')}\n`;
}

/** The Content-Type each path's endpoint answers with. */
export const CONTENT_TYPE: Record<ExportPath, string> = {
  a: 'text/plain',
  b: 'text/plain; version=0.0.4; charset=utf-8',
};
