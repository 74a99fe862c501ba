import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BUILTIN_VARIABLES,
  KIT,
  MONITORING_DIR,
  allPanels,
  onPath,
  panelQueries,
  readDashboard,
  readRules,
  readYaml,
  variablesUsed,
} from './kit-files.ts';
import { jsExporterName, readMetricTable, seriesNames } from './metric-names.ts';
import { metricNamesIn } from './promql-names.ts';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' ? (v as Obj) : {});
const portOf = (address: string): string => address.slice(address.lastIndexOf(':') + 1);

const specs = readMetricTable(readFileSync(KIT.architecture, 'utf8'));
const collector = obj(readYaml(KIT.collectorConfig));
const compose = obj(readYaml(KIT.compose));
const services = obj(compose.services);
const prometheusConfig = readYaml(KIT.prometheusConfig) as {
  rule_files: string[];
  scrape_configs: Array<{ job_name: string; honor_labels?: boolean; static_configs: Array<{ targets: string[] }> }>;
};
const jobTarget = (job: string): string => {
  const scrape = prometheusConfig.scrape_configs.find(j => j.job_name === job);
  if (!scrape) throw new Error(`prometheus.yml has no job ${job}`);
  return scrape.static_configs[0]!.targets[0]!;
};

describe('collector-config.yaml', () => {
  const receivers = obj(collector.receivers);
  const processors = obj(collector.processors);
  const exporters = obj(collector.exporters);
  const pipelines = obj(obj(collector.service).pipelines);

  it('receives OTLP over gRPC on 4317 and HTTP on 4318, from other containers too', () => {
    const protocols = obj(obj(receivers.otlp).protocols);
    expect(obj(protocols.grpc).endpoint).toBe('0.0.0.0:4317');
    expect(obj(protocols.http).endpoint).toBe('0.0.0.0:4318');
  });

  it('serves metrics on 0.0.0.0:8889 with resource attributes kept on target_info', () => {
    const prometheus = obj(exporters.prometheus);
    expect(prometheus.endpoint).toBe('0.0.0.0:8889');
    expect(obj(prometheus.resource_to_telemetry_conversion).enabled).toBe(false);
  });

  it('sends traces to Jaeger over OTLP without TLS, and keeps a debug exporter for troubleshooting', () => {
    const otlp = Object.entries(exporters).filter(([name]) => name === 'otlp' || name.startsWith('otlp/'));
    expect(otlp).toHaveLength(1);
    const [, settings] = otlp[0]!;
    expect(obj(settings).endpoint).toBe('jaeger:4317');
    expect(obj(obj(settings).tls).insecure).toBe(true);
    expect(readFileSync(KIT.collectorConfig, 'utf8')).toMatch(/^\s*#\s*debug:\s*$/m);
  });

  it('wires traces and metrics pipelines from defined components, memory_limiter first', () => {
    expect(Object.keys(pipelines).sort()).toEqual(['metrics', 'traces']);
    for (const [name, pipelineValue] of Object.entries(pipelines)) {
      const pipeline = pipelineValue as { receivers: string[]; processors: string[]; exporters: string[] };
      for (const r of pipeline.receivers) expect(receivers, `${name} receiver ${r}`).toHaveProperty([r]);
      for (const p of pipeline.processors) expect(processors, `${name} processor ${p}`).toHaveProperty([p]);
      for (const e of pipeline.exporters) expect(exporters, `${name} exporter ${e}`).toHaveProperty([e]);
      expect(pipeline.processors[0], name).toBe('memory_limiter');
      expect(pipeline.processors).toContain('batch');
    }
    expect((pipelines.metrics as { exporters: string[] }).exporters).toContain('prometheus');
    expect((pipelines.traces as { exporters: string[] }).exporters.some(e => e.startsWith('otlp'))).toBe(true);
  });
});

describe('prometheus.yml', () => {
  it('scrapes the app on 9464 and the Collector on the port its prometheus exporter serves', () => {
    expect(portOf(jobTarget('llm-relay-app'))).toBe('9464');
    expect(portOf(jobTarget('otel-collector'))).toBe(portOf(String(obj(obj(collector.exporters).prometheus).endpoint)));
  });

  it('keeps the job/instance labels the Collector derives from each app', () => {
    expect(prometheusConfig.scrape_configs.find(j => j.job_name === 'otel-collector')?.honor_labels).toBe(true);
  });

  it('loads the alert rules beside it', () => {
    expect(prometheusConfig.rule_files.map(f => path.resolve(MONITORING_DIR, f))).toContain(KIT.alertRules);
  });
});

describe('docker-compose.yml', () => {
  const service = (name: string): Obj => {
    expect(services, `service ${name}`).toHaveProperty([name]);
    return obj(services[name]);
  };
  const volumes = (name: string): Array<[source: string, target: string]> =>
    ((service(name).volumes ?? []) as string[]).map(v => {
      const [source = '', target = ''] = v.split(':');
      return [source, target];
    });
  const image = (name: string): string => String(service(name).image);

  it("runs the Collector with the repository's collector-config.yaml", () => {
    expect(image('otel-collector')).toMatch(/^otel\/opentelemetry-collector-contrib:/);
    const mount = volumes('otel-collector').find(
      ([source]) => path.resolve(MONITORING_DIR, source) === KIT.collectorConfig,
    );
    expect(mount).toBeDefined();
    expect(String(service('otel-collector').command)).toContain(mount![1]);
  });

  it('runs Prometheus with prometheus.yml and the rule file it names, side by side', () => {
    const mounts = volumes('prometheus');
    const configMount = mounts.find(([source]) => path.resolve(MONITORING_DIR, source) === KIT.prometheusConfig);
    expect(configMount).toBeDefined();
    for (const ruleFile of prometheusConfig.rule_files) {
      const expectedTarget = path.posix.join(path.posix.dirname(configMount![1]), ruleFile);
      expect(
        mounts.some(
          ([source, target]) =>
            path.resolve(MONITORING_DIR, source) === path.resolve(MONITORING_DIR, ruleFile) &&
            target === expectedTarget,
        ),
      ).toBe(true);
    }
  });

  it('names the services that prometheus.yml and collector-config.yaml address', () => {
    expect(services).toHaveProperty([jobTarget('llm-relay-app').split(':')[0]!]);
    expect(services).toHaveProperty([jobTarget('otel-collector').split(':')[0]!]);
    const tracesEndpoint = Object.entries(obj(collector.exporters)).find(([n]) => n.startsWith('otlp'))![1];
    expect(services).toHaveProperty([String(obj(tracesEndpoint).endpoint).split(':')[0]!]);
    expect(String(obj(service('jaeger').environment).COLLECTOR_OTLP_ENABLED)).toBe('true');
  });

  it('provisions Grafana with the datasource and the dashboard folder', () => {
    const mounts = volumes('grafana');
    expect(mounts).toContainEqual(['./grafana/provisioning', '/etc/grafana/provisioning']);
    const providerPath = String(
      obj(obj((obj(readYaml(KIT.grafanaDashboardProvider)).providers as unknown[])[0]).options).path,
    );
    const dashboardMount = mounts.find(([, target]) => target === providerPath);
    expect(dashboardMount).toBeDefined();
    expect(path.resolve(MONITORING_DIR, dashboardMount![0])).toBe(path.dirname(KIT.dashboard));
    const datasource = obj((obj(readYaml(KIT.grafanaDatasources)).datasources as unknown[])[0]);
    const url = new URL(String(datasource.url));
    expect(services).toHaveProperty([url.hostname]);
    expect(datasource.type).toBe('prometheus');
  });

  it('runs the example app under the register hook, exporting where Prometheus looks', () => {
    const app = service('app');
    expect(String(app.image)).toMatch(/^node:(2[2-9]|[3-9]\d)/);
    expect(app.command).toEqual(expect.arrayContaining(['node', '--import', 'otel-llm-relay/register']));
    const env = obj(app.environment);
    expect(String(env.OTEL_EXPORTER_PROMETHEUS_PORT)).toBe(portOf(jobTarget('llm-relay-app')));
    expect(String(env.OTEL_EXPORTER_OTLP_ENDPOINT)).toBe('http://otel-collector:4318');
  });

  it('mounts only paths that exist in the repository', () => {
    for (const [name, value] of Object.entries(services)) {
      for (const v of (obj(value).volumes ?? []) as string[]) {
        const source = v.split(':')[0]!;
        if (source.startsWith('.'))
          expect(existsSync(path.resolve(MONITORING_DIR, source)), `${name}: ${v}`).toBe(true);
      }
    }
  });

  const composeCli = onPath('docker', ['compose', 'version'])
    ? ['docker', 'compose']
    : onPath('docker-compose', ['version'])
      ? ['docker-compose']
      : undefined;
  it.skipIf(!composeCli)(
    composeCli
      ? 'passes `docker compose config`'
      : '`docker compose config` — SKIPPED: no docker compose client on this machine',
    () => {
      const [command, ...args] = composeCli!;
      const result = spawnSync(command!, [...args, '-f', KIT.compose, 'config', '--quiet'], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
    },
  );
});

describe('grafana/dashboards/llm-relay.json', () => {
  const dashboard = readDashboard();
  const panels = allPanels(dashboard);
  const queries = panelQueries(dashboard);
  const variables = new Set((dashboard.templating?.list ?? []).map(v => v.name));

  it('has unique panel ids and a query with a refId on every panel that is not a row', () => {
    const ids = panels.map(p => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of panels.filter(p => p.type !== 'row')) {
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      const refIds = panel.targets!.map(t => t.refId);
      expect(new Set(refIds).size, panel.title).toBe(refIds.length);
      for (const t of panel.targets!) expect(t.expr?.trim(), panel.title).toBeTruthy();
    }
  });

  it('queries the datasource chosen in its `datasource` variable', () => {
    expect(variables.has('datasource')).toBe(true);
    for (const panel of panels.filter(p => p.type !== 'row')) {
      expect(obj((panel as Obj).datasource).uid, panel.title).toBe('${datasource}');
    }
  });

  it('lets the user pick relays (server_address) and models', () => {
    const list = dashboard.templating!.list;
    expect(list.find(v => v.name === 'relay')?.definition).toMatch(/server_address\)$/);
    expect(list.find(v => v.name === 'model')?.definition).toMatch(/gen_ai_request_model\)$/);
    for (const q of queries) {
      expect(q.expr, q.panel).toContain('server_address=~"$relay"');
    }
  });

  it('uses only variables it defines or Grafana provides', () => {
    const known = new Set([...variables, ...Object.keys(BUILTIN_VARIABLES)]);
    for (const q of queries)
      for (const v of variablesUsed(q.expr)) expect(known.has(v), `${q.panel}: $${v}`).toBe(true);
  });

  it('shows every metric of the ARCHITECTURE.md table, under its path-(a) name', () => {
    const used = new Set(queries.flatMap(q => metricNamesIn(q.expr)));
    for (const spec of specs) {
      const names = seriesNames(jsExporterName(spec), spec.kind);
      expect(
        names.some(n => used.has(n)),
        spec.otelName,
      ).toBe(true);
    }
    const known = new Set(specs.flatMap(s => seriesNames(jsExporterName(s), s.kind)));
    for (const name of used) expect(known.has(name), `dashboard reads unknown metric ${name}`).toBe(true);
  });

  it('has the panels the kit promises', () => {
    const titles = panels.map(p => p.title ?? '');
    for (const wanted of [
      /latency percentiles/i,
      /first chunk/i,
      /calls per model/i,
      /success rate/i,
      /tokens per model per day/i,
      /cost per model per day/i,
      /error types/i,
      /rate-limit headroom/i,
      /substitutions/i,
      /unpriced/i,
      /probe up/i,
      /probe latency/i,
      /balance left/i,
      /balance lasts/i,
      /cache hit ratio/i,
    ]) {
      expect(
        titles.some(t => wanted.test(t)),
        String(wanted),
      ).toBe(true);
    }
  });

  it('lays panels out without overlaps', () => {
    const boxes = panels.map(p => ({
      title: p.title,
      ...(obj((p as Obj).gridPos) as { x: number; y: number; w: number; h: number }),
    }));
    for (const [i, a] of boxes.entries()) {
      expect(a.x + a.w, a.title).toBeLessThanOrEqual(24);
      for (const b of boxes.slice(i + 1)) {
        const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
        expect(overlap, `${a.title} / ${b.title}`).toBe(false);
      }
    }
  });
});

describe('alert rules and dashboard', () => {
  it('aggregate per relay and model on the labels the dashboard variables offer', () => {
    const list = readDashboard().templating!.list;
    const relayLabel = /, (\w+)\)$/.exec(list.find(v => v.name === 'relay')!.definition!)![1];
    const modelLabel = /, (\w+)\)$/.exec(list.find(v => v.name === 'model')!.definition!)![1];
    const perModel = readRules().filter(r => r.kind === 'record' && r.expr.includes(`${modelLabel}`));
    expect(perModel.length).toBeGreaterThan(0);
    for (const r of perModel) expect(r.expr, r.name).toContain(`by (${relayLabel}, ${modelLabel}`);
  });
});
