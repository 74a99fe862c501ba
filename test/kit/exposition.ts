/*
 * Prometheus text exposition for the kit's live test: a parser for what an app's own endpoint
 * serves (path a, the OpenTelemetry JS Prometheus exporter), and the same data written the way an
 * OpenTelemetry Collector's `prometheus` exporter would serve it after receiving it over OTLP
 * (path b): unit suffixes in the names (metric-names.ts), job/instance labels from each app's
 * service.name and service.instance.id, Go number formatting, no `# UNIT` lines.
 */

import { type InstrumentKind, collectorExporterName } from './metric-names.ts';

export type Labels = Record<string, string>;

export interface Sample {
  /** Series name as written, e.g. `gen_ai_client_operation_duration_bucket`. */
  name: string;
  labels: Labels;
  value: number;
}

export interface Family {
  name: string;
  help: string;
  /** From the `# UNIT` line; '' when there is none. */
  unit: string;
  type: string;
  samples: Sample[];
}

/** The Content-Type a Collector's `prometheus` exporter answers with. */
export const COLLECTOR_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const unescapeLabel = (v: string): string => v.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
const escapeLabel = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const escapeHelp = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

function parseNumber(text: string): number {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

/** `name{a="x",b="y"} 1.5 [timestamp]`, label values with escapes, commas and braces inside quotes. */
function parseSampleLine(line: string): Sample | undefined {
  const nameEnd = line.search(/[{\s]/);
  if (nameEnd <= 0) return undefined;
  const name = line.slice(0, nameEnd);
  const labels: Labels = {};
  let i = nameEnd;
  if (line[i] === '{') {
    i++;
    for (;;) {
      while (line[i] === ' ' || line[i] === ',') i++;
      if (line[i] === '}') {
        i++;
        break;
      }
      const eq = line.indexOf('=', i);
      if (eq < 0 || line[eq + 1] !== '"') return undefined;
      const key = line.slice(i, eq).trim();
      let j = eq + 2;
      let raw = '';
      while (j < line.length && line[j] !== '"') {
        raw += line[j] === '\\' ? line.slice(j, j + 2) : line[j];
        j += line[j] === '\\' ? 2 : 1;
      }
      if (j >= line.length) return undefined;
      labels[key] = unescapeLabel(raw);
      i = j + 1;
    }
  }
  const [valueText] = line.slice(i).trim().split(/\s+/);
  if (valueText === undefined || valueText === '') return undefined;
  return { name, labels, value: parseNumber(valueText) };
}

/**
 * Reads a text exposition into its metric families, in order. Samples belong to the family of the
 * `# TYPE` block they follow (histogram series carry `_bucket`/`_sum`/`_count`). Throws on a line it
 * cannot read, so that a format change of the exporter fails the test instead of losing data.
 */
export function parseExposition(text: string): Family[] {
  const families: Family[] = [];
  const byName = new Map<string, Family>();
  const family = (name: string): Family => {
    let found = byName.get(name);
    if (!found) {
      found = { name, help: '', unit: '', type: 'untyped', samples: [] };
      byName.set(name, found);
      families.push(found);
    }
    return found;
  };
  let current: Family | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const meta = /^#\s+(HELP|UNIT|TYPE)\s+(\S+)\s?(.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest = ''] = meta as unknown as [string, string, string, string];
      current = family(name);
      if (kind === 'HELP') current.help = rest.replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
      else if (kind === 'UNIT') current.unit = rest.trim();
      else current.type = rest.trim();
      continue;
    }
    if (line.startsWith('#')) continue;
    const sample = parseSampleLine(line);
    if (!sample) throw new Error(`cannot read exposition line: ${line}`);
    const owner = current && sample.name.startsWith(current.name) ? current : family(sample.name);
    owner.samples.push(sample);
  }
  return families;
}

/**
 * Go's `strconv.FormatFloat(n, 'g', -1, 64)`, as client_golang (the Collector) writes numbers:
 * shortest digits, exponent form when the decimal exponent is below -4 or at least 6
 * (`1.795319284848e+09`, where JavaScript writes `1795319284.848`).
 */
export function goNumber(n: number): string {
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  if (Number.isNaN(n)) return 'NaN';
  if (n === 0) return '0';
  const [mantissa, exponentText] = n.toExponential().split('e') as [string, string];
  const exponent = Number(exponentText);
  if (exponent >= -4 && exponent < 6) return String(n);
  return `${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
}

const KINDS: Record<string, InstrumentKind> = { counter: 'counter', gauge: 'gauge', histogram: 'histogram' };

/** The name the Collector gives a family the JS exporter wrote, from the family's own unit and type. */
export function collectorFamilyName(family: Pick<Family, 'name' | 'unit' | 'type'>): string {
  const kind = KINDS[family.type];
  if (!kind) return family.name;
  // The JS exporter's name has the OpenTelemetry name's words (and `_total` on counters, which the
  // Collector's namer removes and appends again), so it stands in for the OTLP name.
  return collectorExporterName({ otelName: family.name, unit: family.unit, kind, tableName: family.name });
}

/** The resource of a JS-exporter scrape, read from its `target_info` series. */
function resourceOf(families: Family[]): Labels {
  return families.find(f => f.name === 'target_info')?.samples[0]?.labels ?? {};
}

function sampleLine(name: string, labels: Labels, value: number): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return `${name}{${pairs.join(',')}} ${goNumber(value)}`;
}

/**
 * What a Collector that received these apps' metrics over OTLP serves on its `prometheus`
 * exporter, given each app's own scrape (path a): the same families and values, renamed with unit
 * suffixes, with `job` = service.namespace/service.name and `instance` = service.instance.id of
 * the app they came from; one `target_info` series per app with its other resource attributes.
 */
export function collectorExposition(appScrapes: string[]): string {
  interface Out {
    name: string;
    help: string;
    type: string;
    lines: string[];
  }
  const out = new Map<string, Out>();
  const add = (name: string, help: string, type: string): Out => {
    let found = out.get(name);
    if (!found) {
      found = { name, help, type, lines: [] };
      out.set(name, found);
    }
    return found;
  };
  for (const text of appScrapes) {
    const families = parseExposition(text);
    const resource = resourceOf(families);
    const {
      service_name: service = 'unknown_service',
      service_namespace: namespace,
      service_instance_id: instance,
      ...rest
    } = resource;
    const identity: Labels = {
      job: namespace ? `${namespace}/${service}` : service,
      ...(instance ? { instance } : {}),
    };
    add('target_info', 'Target metadata', 'gauge').lines.push(sampleLine('target_info', { ...identity, ...rest }, 1));
    for (const family of families) {
      if (family.name === 'target_info') continue;
      const renamed = collectorFamilyName(family);
      const target = add(renamed, family.help, family.type);
      for (const sample of family.samples) {
        const suffix = sample.name.slice(family.name.length);
        const labels = { ...sample.labels, ...identity };
        // Bucket bounds are numbers to the Collector too: `le="1048576"` becomes `le="1.048576e+06"`.
        if (labels.le !== undefined) labels.le = goNumber(parseNumber(labels.le));
        target.lines.push(sampleLine(`${renamed}${suffix}`, labels, sample.value));
      }
    }
  }
  const lines: string[] = [];
  for (const family of out.values()) {
    lines.push(
      `# HELP ${family.name} ${escapeHelp(family.help)}`,
      `# TYPE ${family.name} ${family.type}`,
      ...family.lines,
    );
  }
  return `${lines.join('\n')}\n`;
}
