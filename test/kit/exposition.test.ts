import { describe, expect, it } from 'vitest';
import { collectorExposition, goNumber, parseExposition } from './exposition.ts';

// Shaped like the OpenTelemetry JS exporter's output (cut down): `# UNIT` lines, counters with
// `_total`, resource attributes on target_info, label values with quotes, commas and braces.
const APP_SCRAPE = `# HELP target_info Target metadata
# TYPE target_info gauge
target_info{service_instance_id="app-1",service_name="shop",process_command_args="[\\"node\\",\\"a,b{c}\\"]",telemetry_sdk_language="nodejs"} 1
# HELP llm_relay_probe_up Whether the last health probe of the relay succeeded (1) or failed (0).
# UNIT llm_relay_probe_up 1
# TYPE llm_relay_probe_up gauge
llm_relay_probe_up{server_address="relay.example.com",server_port="443",llm_relay_probe_kind="models",otel_scope_name="otel-llm-relay",otel_scope_version="0.1.0"} 0
# HELP llm_relay_probe_last_success Unix time of the last successful health probe of the relay.
# UNIT llm_relay_probe_last_success s
# TYPE llm_relay_probe_last_success gauge
llm_relay_probe_last_success{server_address="relay.example.com",server_port="443",llm_relay_probe_kind="models",otel_scope_name="otel-llm-relay",otel_scope_version="0.1.0"} 1795319284.848
# HELP gen_ai_client_operation_duration GenAI operation duration.
# UNIT gen_ai_client_operation_duration s
# TYPE gen_ai_client_operation_duration histogram
gen_ai_client_operation_duration_count{gen_ai_request_model="gpt-4.1",server_address="relay.example.com"} 3
gen_ai_client_operation_duration_sum{gen_ai_request_model="gpt-4.1",server_address="relay.example.com"} 0.27614516299999947
gen_ai_client_operation_duration_bucket{gen_ai_request_model="gpt-4.1",server_address="relay.example.com",le="0.16"} 3
gen_ai_client_operation_duration_bucket{gen_ai_request_model="gpt-4.1",server_address="relay.example.com",le="+Inf"} 3
# HELP gen_ai_client_token_usage Number of input and output tokens used.
# UNIT gen_ai_client_token_usage {token}
# TYPE gen_ai_client_token_usage histogram
gen_ai_client_token_usage_bucket{gen_ai_request_model="gpt-4.1",gen_ai_token_type="output",le="1048576"} 2
# HELP llm_relay_cost_usd_total Cost of LLM calls in US dollars.
# UNIT llm_relay_cost_usd_total {USD}
# TYPE llm_relay_cost_usd_total counter
llm_relay_cost_usd_total{gen_ai_request_model="gpt-4.1",llm_relay_cost_source="table"} 0.000008400000000000001
`;

describe('parseExposition', () => {
  const families = parseExposition(APP_SCRAPE);

  it('reads families with their unit, type and samples', () => {
    expect(families.map(f => [f.name, f.unit, f.type, f.samples.length])).toEqual([
      ['target_info', '', 'gauge', 1],
      ['llm_relay_probe_up', '1', 'gauge', 1],
      ['llm_relay_probe_last_success', 's', 'gauge', 1],
      ['gen_ai_client_operation_duration', 's', 'histogram', 4],
      ['gen_ai_client_token_usage', '{token}', 'histogram', 1],
      ['llm_relay_cost_usd_total', '{USD}', 'counter', 1],
    ]);
  });

  it('reads escaped quotes, commas and braces inside label values', () => {
    expect(families[0]!.samples[0]!.labels.process_command_args).toBe('["node","a,b{c}"]');
    expect(families[0]!.samples[0]!.labels.telemetry_sdk_language).toBe('nodejs');
  });

  it('refuses a line it cannot read instead of dropping it', () => {
    expect(() => parseExposition('gen_ai_x{a="unterminated} 1\n')).toThrow(/cannot read/);
  });
});

describe('collectorExposition (path b)', () => {
  const text = collectorExposition([APP_SCRAPE]);
  const names = parseExposition(text).map(f => f.name);

  it('appends the unit suffixes an OpenTelemetry Collector adds, and keeps `_total` once', () => {
    expect(names).toEqual([
      'target_info',
      'llm_relay_probe_up_ratio',
      'llm_relay_probe_last_success_seconds',
      'gen_ai_client_operation_duration_seconds',
      'gen_ai_client_token_usage',
      'llm_relay_cost_usd_total',
    ]);
    expect(text).toContain('gen_ai_client_operation_duration_seconds_bucket{');
    expect(text).not.toContain('# UNIT');
  });

  it("labels every series with job and instance from the app's service.name and service.instance.id", () => {
    const samples = parseExposition(text).flatMap(f => f.samples);
    for (const sample of samples) expect(sample.labels).toMatchObject({ job: 'shop', instance: 'app-1' });
    const targetInfo = samples.find(s => s.name === 'target_info')!;
    expect(targetInfo.labels.service_name).toBeUndefined();
    expect(targetInfo.labels.telemetry_sdk_language).toBe('nodejs');
  });

  it('writes numbers, bucket bounds included, as Go does', () => {
    expect(text).toContain('llm_relay_probe_last_success_seconds{');
    expect(text).toMatch(/llm_relay_probe_last_success_seconds\{[^}]*\} 1\.795319284848e\+09\n/);
    expect(text).toContain('le="1.048576e+06"');
    expect(text).toMatch(/llm_relay_cost_usd_total\{[^}]*\} 8\.400000000000001e-06\n/);
    expect([goNumber(0.16), goNumber(3), goNumber(Infinity), goNumber(123456), goNumber(0.0001)]).toEqual([
      '0.16',
      '3',
      '+Inf',
      '123456',
      '0.0001',
    ]);
  });

  it('merges the apps into one family per metric', () => {
    const second = APP_SCRAPE.replace('service_instance_id="app-1"', 'service_instance_id="app-2"');
    const merged = parseExposition(collectorExposition([APP_SCRAPE, second]));
    const up = merged.filter(f => f.name === 'llm_relay_probe_up_ratio');
    expect(up).toHaveLength(1);
    expect(up[0]!.samples.map(s => s.labels.instance)).toEqual(['app-1', 'app-2']);
  });
});
