/*
 * A real Prometheus scrapes two targets served by this test, one per export path:
 *   (a) the app's own endpoint, as the OpenTelemetry JS Prometheus exporter writes it;
 *   (b) an OpenTelemetry Collector's `prometheus` exporter (unit suffixes, job/instance labels),
 * both generated from the ARCHITECTURE.md metric table. The scrape jobs are those of
 * examples/monitoring/prometheus.yml (relabelling included) and the rules are alert-rules.yml, so the
 * test checks the shipped files: every dashboard query, recording rule and alert expression must
 * return data for each path on its own. The relays' names tell the paths apart (relaysOf()).
 */

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_TYPE, type ExportPath, assertScenarioCovers, expositionText, relaysOf } from './exposition.ts';
import { KIT, onPath, panelQueries, readDashboard, readRules, readYaml, substituteVariables } from './kit-files.ts';
import { readMetricTable } from './metric-names.ts';
import { type PromSample, type RunningPrometheus, sleep, startPrometheus } from './prometheus-process.ts';

const PATHS: ExportPath[] = ['a', 'b'];
const JOB: Record<ExportPath, string> = { a: 'llm-relay-app', b: 'otel-collector' };
/** The service name the Collector turns into the `job` label of path-(b) series. */
const COLLECTED_SERVICE = 'llm-demo-app';

const specs = readMetricTable(readFileSync(KIT.architecture, 'utf8'));
const dashboard = readDashboard();
const queries = panelQueries(dashboard);
const rules = readRules();
const alerts = rules.filter((r) => r.kind === 'alert');

const hasPrometheus = onPath('prometheus');
const title = hasPrometheus
  ? 'the kit against a real Prometheus'
  : 'the kit against a real Prometheus — SKIPPED: prometheus is not on PATH, run `bash scripts/install-prometheus.sh` (CI does)';

/** Retries `check` until it returns no complaint or `ms` pass; returns the last complaint. */
async function eventually(check: () => Promise<string | undefined>, ms: number): Promise<string | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    const complaint = await check();
    if (complaint === undefined || Date.now() > deadline) return complaint;
    await sleep(250);
  }
}

/**
 * Rules and rate() windows settle within a few evaluations of the first scrapes. Checks share one
 * deadline for that, so a broken kit fails in seconds rather than a wait per query.
 */
let settledBy = Date.now() + 30_000;
const settleWait = (): number => Math.max(500, settledBy - Date.now());

const belongsTo = (sample: PromSample, p: ExportPath): boolean => (sample.metric.server_address ?? '').includes(`path-${p}.`);

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? `127.0.0.1:${address.port}` : '');
    });
  });
}

describe.skipIf(!hasPrometheus)(title, () => {
  let workDir = '';
  let prometheus: RunningPrometheus | undefined;
  const servers: Server[] = [];

  beforeAll(async () => {
    assertScenarioCovers(specs);
    workDir = mkdtempSync(path.join(os.tmpdir(), 'llm-relay-kit-'));
    const started = Date.now();
    // 100 traffic units a second: counters grow between two 1 s scrapes, so rate() has data.
    const units = (): number => Math.floor((Date.now() - started) / 10);
    const address: Partial<Record<ExportPath, string>> = {};
    for (const p of PATHS) {
      const server = createServer((req, res) => {
        if (req.url !== '/metrics') {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(200, { 'content-type': CONTENT_TYPE[p] });
        res.end(expositionText(specs, p, units(), Date.now() / 1000, COLLECTED_SERVICE));
      });
      servers.push(server);
      address[p] = await listen(server);
    }

    // The shipped config, pointed at the test's targets, scraping and evaluating every second.
    const shipped = readYaml(KIT.prometheusConfig) as {
      global?: Record<string, unknown>;
      scrape_configs: Array<Record<string, unknown> & { job_name: string }>;
    };
    const scrapeConfigs = PATHS.map((p) => {
      const job = shipped.scrape_configs.find((j) => j.job_name === JOB[p]);
      if (!job) throw new Error(`examples/monitoring/prometheus.yml has no job ${JOB[p]}`);
      const { scrape_interval: _i, scrape_timeout: _t, ...rest } = job;
      return { ...rest, static_configs: [{ targets: [address[p]] }] };
    });
    const config = {
      ...shipped,
      global: { ...shipped.global, scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: [KIT.alertRules],
      scrape_configs: scrapeConfigs,
    };
    prometheus = await startPrometheus(config, workDir);
  }, 30_000);

  afterAll(async () => {
    await prometheus?.stop();
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('scrapes both exposition formats without errors', async () => {
    const complaint = await eventually(async () => {
      const targets = await prometheus!.targets();
      const bad = targets.filter((t) => t.health !== 'up');
      if (targets.length !== PATHS.length || bad.length > 0) return `targets: ${JSON.stringify(targets)}`;
      // rate() needs two samples in its window and the rules need evaluations after that: wait for 3 scrapes.
      const scrapes = await prometheus!.query('min(count_over_time(up[1m]))');
      return Number(scrapes[0]?.value[1] ?? 0) >= 3 ? undefined : 'fewer than 3 scrapes so far';
    }, 20_000);
    settledBy = Date.now() + 5_000;
    expect(complaint, prometheus!.log()).toBeUndefined();
  }, 30_000);

  it('stores the Collector\'s series under the path-(a) names, with the app as job', async () => {
    const renamed = await prometheus!.query(`count by (__name__) ({job="${COLLECTED_SERVICE}", __name__=~".+_seconds(_bucket|_sum|_count)?|.+_ratio"})`);
    expect(renamed.map((s) => s.metric.__name__)).toEqual([]);
    const collected = await prometheus!.query(`count by (__name__) ({job="${COLLECTED_SERVICE}", __name__=~"gen_ai_.+|llm_relay_.+"})`);
    const direct = await prometheus!.query(`count by (__name__) ({job="${JOB.a}", __name__=~"gen_ai_.+|llm_relay_.+"})`);
    const names = (samples: PromSample[]) => samples.map((s) => s.metric.__name__).sort();
    expect(names(collected).length).toBeGreaterThan(0);
    expect(names(collected)).toEqual(names(direct));
  });

  it.each(queries.map((q) => [`${q.panel} [${q.refId}]`, q] as const))('dashboard query %s returns data on both paths', async (_name, q) => {
    for (const p of PATHS) {
      const expr = substituteVariables(q.expr, { relay: relaysOf(p).regex, model: '.*' });
      const complaint = await eventually(async () => ((await prometheus!.query(expr)).length > 0 ? undefined : 'no data'), settleWait());
      expect(complaint, `path ${p}: ${expr}`).toBeUndefined();
    }
  });

  it('offers the dashboard\'s relay and model choices from both paths', async () => {
    const relays = await prometheus!.labelValues('server_address', 'gen_ai_client_operation_duration_count');
    for (const p of PATHS) expect(relays).toEqual(expect.arrayContaining([relaysOf(p).main, relaysOf(p).down]));
    for (const p of PATHS) {
      const models = await prometheus!.labelValues('gen_ai_request_model', `gen_ai_client_operation_duration_count{server_address=~"${relaysOf(p).regex}"}`);
      expect(models).toEqual(expect.arrayContaining(['gpt-4.1', 'claude-sonnet-4-5', 'deepseek-v3.2']));
    }
  });

  it.each(rules.map((r) => [`${r.kind} ${r.name}`, r] as const))('rule expression of %s returns data on both paths', async (_name, rule) => {
    const perRelay = !/^\s*vector\(/.test(rule.expr);
    for (const p of PATHS) {
      const complaint = await eventually(async () => {
        const samples = await prometheus!.query(rule.expr);
        return samples.some((s) => !perRelay || belongsTo(s, p)) ? undefined : `no data for path ${p}: ${JSON.stringify(samples)}`;
      }, settleWait());
      expect(complaint, rule.expr).toBeUndefined();
    }
  });

  it('raises every alert (pending or firing) for both paths', async () => {
    const complaint = await eventually(async () => {
      const raised = await prometheus!.query('ALERTS');
      const missing = alerts.flatMap((a) =>
        PATHS.filter((p) => !raised.some((s) => s.metric.alertname === a.name && belongsTo(s, p))).map((p) => `${a.name} (path ${p})`),
      );
      return missing.length === 0 ? undefined : `not raised: ${missing.join(', ')}`;
    }, Math.max(5_000, settleWait()));
    expect(complaint).toBeUndefined();
  }, 20_000);
});
