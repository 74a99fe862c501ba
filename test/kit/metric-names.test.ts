import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KIT, readYaml } from './kit-files.ts';
import { collectorExporterName, jsExporterName, readMetricTable, seriesNames } from './metric-names.ts';
import { type NameRelabel, relabelName } from './relabel.ts';

const specs = readMetricTable(readFileSync(KIT.architecture, 'utf8'));
const byOtelName = (name: string) => {
  const spec = specs.find(s => s.otelName === name);
  if (!spec) throw new Error(`${name} is not in the ARCHITECTURE.md metric table`);
  return spec;
};

interface ScrapeConfig {
  job_name: string;
  metric_relabel_configs?: NameRelabel[];
}
const scrapeConfigs = (readYaml(KIT.prometheusConfig) as { scrape_configs: ScrapeConfig[] }).scrape_configs;
const collectorRelabel = scrapeConfigs.find(j => j.job_name === 'otel-collector')?.metric_relabel_configs ?? [];

describe('the ARCHITECTURE.md metric table', () => {
  it('reads instrument kinds and units from the table', () => {
    expect(byOtelName('gen_ai.client.operation.duration')).toMatchObject({ kind: 'histogram', unit: 's' });
    expect(byOtelName('gen_ai.client.token.usage')).toMatchObject({ kind: 'histogram', unit: '{token}' });
    expect(byOtelName('llm_relay.cost.usd')).toMatchObject({ kind: 'counter', unit: '{USD}' });
    expect(byOtelName('llm_relay.rate_limit.remaining')).toMatchObject({ kind: 'gauge' });
    expect(byOtelName('llm_relay.probe.up')).toMatchObject({ kind: 'gauge', unit: '1' });
  });

  it('gives every metric the Prometheus name the OpenTelemetry JS exporter produces (path a)', () => {
    for (const spec of specs) expect(jsExporterName(spec), spec.otelName).toBe(spec.tableName);
  });
});

describe('Collector names (path b) and the relabelling in prometheus.yml', () => {
  it('appends the unit suffixes the Collector adds', () => {
    expect(collectorExporterName(byOtelName('gen_ai.client.operation.duration'))).toBe(
      'gen_ai_client_operation_duration_seconds',
    );
    expect(collectorExporterName(byOtelName('gen_ai.client.token.usage'))).toBe('gen_ai_client_token_usage');
    expect(collectorExporterName(byOtelName('llm_relay.cost.usd'))).toBe('llm_relay_cost_usd_total');
    expect(collectorExporterName(byOtelName('llm_relay.probe.up'))).toBe('llm_relay_probe_up_ratio');
    expect(collectorExporterName(byOtelName('llm_relay.probe.last_success'))).toBe(
      'llm_relay_probe_last_success_seconds',
    );
    // The currency is in the name and the unit in braces: no suffix, one name on both paths.
    expect(collectorExporterName(byOtelName('llm_relay.balance.remaining.usd'))).toBe(
      'llm_relay_balance_remaining_usd',
    );
    expect(collectorExporterName(byOtelName('llm_relay.balance.limit.usd'))).toBe('llm_relay_balance_limit_usd');
  });

  it('renames every Collector series of the table back to its path-(a) name', () => {
    expect(collectorRelabel.length).toBeGreaterThan(0);
    for (const spec of specs) {
      const collectorSeries = seriesNames(collectorExporterName(spec), spec.kind);
      const jsSeries = seriesNames(jsExporterName(spec), spec.kind);
      expect(
        collectorSeries.map(n => relabelName(n, collectorRelabel)),
        spec.otelName,
      ).toEqual(jsSeries);
    }
  });

  it("leaves path-(a) names and other instrumentations' metrics alone", () => {
    for (const spec of specs) {
      for (const name of seriesNames(jsExporterName(spec), spec.kind))
        expect(relabelName(name, collectorRelabel)).toBe(name);
    }
    for (const other of [
      'http_client_request_duration_seconds_bucket',
      'process_cpu_seconds_total',
      'target_info',
      'system_cpu_utilization_ratio',
    ]) {
      expect(relabelName(other, collectorRelabel)).toBe(other);
    }
  });
});
