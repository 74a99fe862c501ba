/*
 * The metric names of docs/ARCHITECTURE.md (the authoritative table) and how each export path spells
 * them in Prometheus:
 *  (a) the OpenTelemetry JS Prometheus exporter (read from @opentelemetry/exporter-prometheus 0.301
 *      PrometheusSerializer): invalid characters become `_`, monotonic sums get `_total`, the unit
 *      only goes into a `# UNIT` comment;
 *  (b) an OpenTelemetry Collector's `prometheus` exporter (prometheus/otlptranslator MetricNamer, the
 *      default UnderscoreEscapingWithSuffixes strategy): also appends the unit (`s` -> `_seconds`;
 *      units in braces add nothing) and `_ratio` to gauges of unit `1`.
 */

export type InstrumentKind = 'counter' | 'gauge' | 'histogram';

export interface MetricSpec {
  /** OpenTelemetry instrument name, e.g. `gen_ai.client.operation.duration`. */
  otelName: string;
  /** UCUM unit as the instrument declares it, e.g. `s`, `{token}`, `1`. */
  unit: string;
  kind: InstrumentKind;
  /** The table's Prometheus column without series suffixes, e.g. `gen_ai_client_operation_duration`. */
  tableName: string;
}

const backticked = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map(m => m[1]!);

/** Splits a Markdown table row on `|`, keeping escaped `\|` inside cells. */
function splitRow(line: string): string[] {
  return line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/)
    .map(cell => cell.trim());
}

/**
 * Reads the "Metric names" table of docs/ARCHITECTURE.md. Throws when a row cannot be understood,
 * so that a change of the table's layout shows up as a failing kit test rather than as fewer metrics.
 */
export function readMetricTable(markdown: string): MetricSpec[] {
  const lines = markdown.split('\n');
  const header = lines.findIndex(l => /^\|\s*OpenTelemetry\s*\|\s*unit\s*\|\s*Prometheus\s*\|/.test(l));
  if (header < 0) throw new Error('metric table not found in ARCHITECTURE.md');
  const specs: MetricSpec[] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.trim().startsWith('|')) break;
    const [otelCell = '', unitCell = '', promCell = ''] = splitRow(line);
    const otelName = backticked(otelCell)[0];
    const unit = backticked(unitCell)[0];
    const promText = backticked(promCell)[0];
    if (!otelName || !unit || !promText) throw new Error(`cannot read metric table row: ${line}`);
    const histogramByName = /_\{bucket|_\*$/.test(promText);
    let kind: InstrumentKind | undefined;
    if (/\(counter\)/.test(otelCell)) kind = 'counter';
    else if (/\(gauge/.test(otelCell)) kind = 'gauge';
    else if (/\(histogram\)/.test(otelCell) || histogramByName) kind = 'histogram';
    if (!kind) throw new Error(`no instrument kind in metric table row: ${line}`);
    specs.push({ otelName, unit, kind, tableName: promText.replace(/_\{[^}]*\}$/, '').replace(/_\*$/, '') });
  }
  if (specs.length === 0) throw new Error('metric table has no rows');
  return specs;
}

/** Path (a): the name the OpenTelemetry JS Prometheus exporter gives the metric. */
export function jsExporterName(spec: MetricSpec): string {
  const name = spec.otelName.replace(/[^a-z0-9_]/gi, '_').replace(/_{2,}/g, '_');
  return spec.kind === 'counter' && !name.endsWith('_total') ? `${name}_total` : name;
}

// The otlptranslator unit map, for the units an LLM instrumentation can plausibly use.
const UNIT_WORDS: Record<string, string> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  '1': '',
  '%': 'percent',
};

/** Path (b): the name an OpenTelemetry Collector's `prometheus` exporter gives the metric. */
export function collectorExporterName(spec: MetricSpec): string {
  let tokens = spec.otelName.split(/[^a-zA-Z0-9:]+/).filter(Boolean);
  const mainUnit = spec.unit.split('/')[0]!.trim();
  const unitWord = mainUnit === '' || /[{}]/.test(mainUnit) ? '' : (UNIT_WORDS[mainUnit] ?? mainUnit);
  if (unitWord !== '' && !tokens.includes(unitWord)) tokens.push(unitWord);
  if (spec.kind === 'counter') tokens = [...tokens.filter(t => t !== 'total'), 'total'];
  if (spec.unit === '1' && spec.kind === 'gauge') tokens = [...tokens.filter(t => t !== 'ratio'), 'ratio'];
  return tokens.join('_');
}

/** The series names a metric family produces (`_bucket`, `_sum`, `_count` for histograms). */
export function seriesNames(familyName: string, kind: InstrumentKind): string[] {
  return kind === 'histogram' ? [`${familyName}_bucket`, `${familyName}_sum`, `${familyName}_count`] : [familyName];
}
