/*
 * The monitoring kit against real data: two apps run under `node --import otel-llm-relay/register`
 * (examples/monitoring/load.mjs) and call the relay simulator, which is told to fail, stall,
 * substitute models and run out of rate limit (kit-traffic.ts); a second relay is down altogether.
 * A real Prometheus per export path scrapes them with the jobs of examples/monitoring/prometheus.yml
 * and evaluates the real alert-rules.yml every second:
 *   (a) `llm-relay-app`: the apps' own endpoints;
 *   (b) `otel-collector`: the same scrapes as an OpenTelemetry Collector serves them (collector-view.ts),
 *       so prometheus.yml's renaming is proven on real data.
 * Every dashboard query and every rule expression must answer, on each path on its own, with the
 * series the traffic implies (the models, relays and probe kinds that should be there and no others);
 * every alert must be raised (pending: their `for:` clauses last minutes) exactly where it should.
 */

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelaySimulator } from '../../examples/relay-simulator/server.ts';
import { startCollectorView } from './collector-view.ts';
import { parseExposition } from './exposition.ts';
import {
  KIT,
  REPO_ROOT,
  onPath,
  panelQueries,
  readDashboard,
  readRules,
  readYaml,
  substituteVariables,
} from './kit-files.ts';
import {
  BALANCE_LIMIT_USD,
  CALLED_MODELS,
  CHAT_PROBE_MODEL,
  DOWN_RELAY,
  MAIN_RELAY,
  MODEL,
  PRICING_FILE,
  SERVICE_NAME,
  SIMULATOR_OPTIONS,
  SUBSTITUTE,
  type AppProcess,
  startApp,
} from './kit-traffic.ts';
import { jsExporterName, readMetricTable } from './metric-names.ts';
import {
  type PromSample,
  type RunningPrometheus,
  freeLoopbackPort,
  sleep,
  startPrometheus,
} from './prometheus-process.ts';
import { metricNamesIn } from './promql-names.ts';

type ExportPath = 'a' | 'b';
const PATHS: ExportPath[] = ['a', 'b'];
const JOB: Record<ExportPath, string> = { a: 'llm-relay-app', b: 'otel-collector' };
const INSTANCES = ['kit-app-main', 'kit-app-down'];

const specs = readMetricTable(readFileSync(KIT.architecture, 'utf8'));
const dashboard = readDashboard();
const queries = panelQueries(dashboard);
const rules = readRules();

const hasPrometheus = onPath('prometheus');
const title = hasPrometheus
  ? 'the kit against a real Prometheus scraping real apps'
  : 'the kit against a real Prometheus — SKIPPED: prometheus is not on PATH, run `bash scripts/install-prometheus.sh` (CI does)';

// ------------------------------------------------------------------ what the traffic implies

/** Models with calls on the dashboard: '' is the down relay's, refused before a body (and its model) was sent. */
const MODELS_OF_CALLS = [...CALLED_MODELS, ''];
const PRICED_MODELS = CALLED_MODELS.filter(m => m !== MODEL.unpriced);

/** The values a label of a query's result must take, given the metric it reads. */
function expectedValues(label: string, metric: string, expr: string): string[] {
  const failuresOnly = /error_type!=""/.test(expr);
  switch (label) {
    case 'gen_ai_request_model':
      if (failuresOnly) return [MODEL.failing, ''];
      if (metric === 'llm_relay_cost_usd_total') return PRICED_MODELS;
      if (metric === 'llm_relay_cost_unpriced_total') return [MODEL.unpriced];
      if (metric === 'llm_relay_model_substitutions_total') return [MODEL.substituted];
      // load.mjs retries 429 and 5xx answers as the OpenAI SDK does: only the failing model gets them.
      if (metric === 'llm_relay_retries_total') return [MODEL.failing];
      // The models probe's rate-limit reading has no model.
      if (metric.startsWith('llm_relay_rate_limit_')) return [...CALLED_MODELS, ''];
      if (metric === 'gen_ai_client_operation_duration') return MODELS_OF_CALLS;
      // Only reasoning models report reasoning tokens; of the called models, the slow Gemini 2.5 one.
      if (metric === 'gen_ai_client_inference_usage_detailed_reasoning_output_tokens_total') return [MODEL.slow];
      // Token usage and chunk timings: every model has answered calls, plain and streaming.
      return CALLED_MODELS;
    case 'gen_ai_response_model':
      return [SUBSTITUTE];
    case 'error_type':
      return ['503', 'ECONNREFUSED'];
    case 'server_address':
      if (metric === 'llm_relay_probe_last_success') return [MAIN_RELAY];
      if (metric.startsWith('llm_relay_probe_') || metric === 'gen_ai_client_operation_duration')
        return [MAIN_RELAY, DOWN_RELAY];
      return [MAIN_RELAY];
    case 'llm_relay_probe_kind':
      return ['chat', 'models'];
    case 'gen_ai_token_type':
      return ['input', 'output'];
    case 'llm_relay_rate_limit_kind':
      return ['requests', 'tokens'];
    default:
      throw new Error(`the test has no expectation for label ${label} (metric ${metric}); add one`);
  }
}

/** Labels of the `by (...)` clauses of an expression, `le` aside. */
function groupingLabels(expr: string): string[] {
  const labels = [...expr.matchAll(/\bby\s*\(([^)]*)\)/g)].flatMap(m => m[1]!.split(',').map(l => l.trim()));
  return [...new Set(labels.filter(l => l !== '' && l !== 'le'))];
}

const baseMetric = (name: string): string => name.replace(/_(bucket|sum|count)$/, '');
const sorted = (values: Iterable<string>): string[] => [...new Set(values)].sort();
const groupKey = (sample: PromSample, labels: string[]): string => labels.map(l => sample.metric[l] ?? '').join(' | ');
const show = (samples: PromSample[]): string => JSON.stringify(samples.map(s => ({ ...s.metric, value: s.value[1] })));

type Check = (samples: PromSample[]) => string | undefined;

/** The result's groups (label tuples) are exactly these. */
const exactly =
  (labels: string[], groups: string[][]): Check =>
  samples => {
    const want = sorted(groups.map(g => g.join(' | ')));
    const got = sorted(samples.map(s => groupKey(s, labels)));
    return JSON.stringify(got) === JSON.stringify(want)
      ? undefined
      : `groups by (${labels.join(', ')}): want ${JSON.stringify(want)}, got ${show(samples)}`;
  };

/** The sample of this group has a value that passes `ok`. */
const valueOf =
  (labels: string[], group: string[], ok: (v: number) => boolean, what: string): Check =>
  samples => {
    const sample = samples.find(s => groupKey(s, labels) === group.join(' | '));
    const value = Number(sample?.value[1]);
    return sample && ok(value) ? undefined : `${group.join(' | ')} should be ${what}: ${show(samples)}`;
  };

const allOf =
  (...checks: Check[]): Check =>
  samples => {
    for (const check of checks) {
      const complaint = check(samples);
      if (complaint !== undefined) return complaint;
    }
    return undefined;
  };

const BY_MODEL = ['server_address', 'gen_ai_request_model'];
const CALL_GROUPS = [...CALLED_MODELS.map(m => [MAIN_RELAY, m]), [DOWN_RELAY, '']];
const FAILING_GROUPS = [
  [MAIN_RELAY, MODEL.failing],
  [DOWN_RELAY, ''],
];
const is = (n: number) => (v: number) => v === n;
const over = (n: number) => (v: number) => v > n;
const under = (n: number) => (v: number) => v < n;

/** What each recording rule and alert expression must return (alerts: also where ALERTS shows them). */
const RULE_CHECKS: Record<string, Check> = {
  'llm_relay:calls:rate5m': allOf(
    exactly(BY_MODEL, CALL_GROUPS),
    valueOf(BY_MODEL, [MAIN_RELAY, MODEL.healthy], over(0), '> 0'),
  ),
  'llm_relay:errors:rate5m': allOf(
    exactly(BY_MODEL, CALL_GROUPS),
    valueOf(BY_MODEL, [MAIN_RELAY, MODEL.failing], over(0), '> 0'),
    valueOf(BY_MODEL, [MAIN_RELAY, MODEL.healthy], is(0), '0'),
  ),
  'llm_relay:error_ratio:rate5m': allOf(
    exactly(BY_MODEL, CALL_GROUPS),
    valueOf(BY_MODEL, [MAIN_RELAY, MODEL.failing], v => v > 0.05 && v < 0.9, 'between 5% and 90%'),
    valueOf(BY_MODEL, [MAIN_RELAY, MODEL.healthy], is(0), '0'),
    valueOf(BY_MODEL, [DOWN_RELAY, ''], is(1), '1'),
  ),
  'llm_relay:error_ratio:rate1h': allOf(
    exactly(BY_MODEL, CALL_GROUPS),
    valueOf(BY_MODEL, [DOWN_RELAY, ''], is(1), '1'),
  ),
  'llm_relay:duration_p95:5m': allOf(
    exactly(BY_MODEL, CALL_GROUPS),
    valueOf(BY_MODEL, [MAIN_RELAY, MODEL.slow], over(10.24), '> 10.24 s'),
    valueOf(BY_MODEL, [MAIN_RELAY, MODEL.healthy], under(2), '< 2 s'),
  ),
  'llm_relay:time_to_first_chunk_p95:5m': allOf(
    exactly(
      BY_MODEL,
      CALLED_MODELS.map(m => [MAIN_RELAY, m]),
    ),
    valueOf(BY_MODEL, [MAIN_RELAY, MODEL.slow], over(10.24), '> 10.24 s'),
    valueOf(BY_MODEL, [MAIN_RELAY, MODEL.healthy], under(2), '< 2 s'),
  ),
  'llm_relay:rate_limit_headroom:ratio': allOf(
    valueOf([...BY_MODEL, 'llm_relay_rate_limit_kind'], [MAIN_RELAY, MODEL.healthy, 'requests'], under(0.2), '< 0.2'),
    // The models probe spends no request: its reading stays at the full limit.
    valueOf([...BY_MODEL, 'llm_relay_rate_limit_kind'], [MAIN_RELAY, '', 'requests'], is(1), '1'),
  ),
  'llm_relay:cost_usd_per_day:projected1h': allOf(
    exactly(['server_address'], [[MAIN_RELAY]]),
    valueOf(['server_address'], [MAIN_RELAY], over(100), '> 100'),
  ),
  'llm_relay:daily_cost_budget_usd': allOf(exactly([], [[]]), valueOf([], [], is(100), '100')),

  LlmRelayHighLatencyP95: exactly(BY_MODEL, [[MAIN_RELAY, MODEL.slow]]),
  LlmRelayHighErrorRate: exactly(BY_MODEL, FAILING_GROUPS),
  // No baseline an hour back yet: a model that fails now counts as a spike.
  LlmRelayErrorRateSpike: exactly(BY_MODEL, FAILING_GROUPS),
  LlmRelayDown: exactly(['server_address'], [[DOWN_RELAY]]),
  LlmRelayProbeDown: exactly(
    ['server_address', 'llm_relay_probe_kind'],
    [
      [DOWN_RELAY, 'chat'],
      [DOWN_RELAY, 'models'],
    ],
  ),
  // Every model soon spends its 10 requests: the healthy one must be there, and nothing without calls.
  LlmRelayRateLimitHeadroomLow: samples => {
    const groups = samples.map(s => groupKey(s, [...BY_MODEL, 'llm_relay_rate_limit_kind']));
    if (!groups.includes([MAIN_RELAY, MODEL.healthy, 'requests'].join(' | ')))
      return `no low headroom for ${MODEL.healthy}: ${show(samples)}`;
    const stray = samples.filter(
      s => s.metric.server_address !== MAIN_RELAY || !CALLED_MODELS.includes(s.metric.gen_ai_request_model ?? ''),
    );
    return stray.length === 0 ? undefined : `raised where no calls go: ${show(stray)}`;
  },
  LlmRelayCostBurnRateHigh: exactly(['server_address'], [[MAIN_RELAY]]),
  LlmRelaySlowTimeToFirstChunk: exactly(BY_MODEL, [[MAIN_RELAY, MODEL.slow]]),
  // The main relay's balance (its first reading, a second after start) against the expensive model's
  // spending; the down relay reports no balance, so it cannot be named.
  LlmRelayBalanceRunsOutSoon: exactly(['server_address'], [[MAIN_RELAY]]),
  LlmRelayUnpricedCalls: exactly(BY_MODEL, [[MAIN_RELAY, MODEL.unpriced]]),

  // Token-inflation drift: every model's answers have a ratio, and no hour of history is a baseline yet.
  'llm_relay:output_tokens_per_character:ratio1h': allOf(
    exactly(
      BY_MODEL,
      CALLED_MODELS.map(m => [MAIN_RELAY, m]),
    ),
    ...CALLED_MODELS.map(m =>
      valueOf(BY_MODEL, [MAIN_RELAY, m], v => v > 0.05 && v < 2, 'between 0.05 and 2 tokens per character'),
    ),
  ),
  'llm_relay:output_characters:increase1h': allOf(
    exactly(
      BY_MODEL,
      CALLED_MODELS.map(m => [MAIN_RELAY, m]),
    ),
    valueOf(BY_MODEL, [MAIN_RELAY, MODEL.healthy], over(0), '> 0'),
  ),
  'llm_relay:output_tokens_per_character:baseline7d': exactly(BY_MODEL, []),
  'llm_relay:output_tokens_per_character:baseline_hours7d': exactly(BY_MODEL, []),
  LlmRelayOutputTokensPerCharacterDrift: exactly(BY_MODEL, []),
};

/**
 * Alerts the live traffic cannot raise: the drift alert needs 72 hours of baseline, so here it must
 * stay quiet (drift-rules.test.yml has it fire on a week of samples, drift-backfill.test.ts on a real Prometheus).
 */
const QUIET_ALERTS = new Set(['LlmRelayOutputTokensPerCharacterDrift']);

// ------------------------------------------------------------------ the run

/** Retries `check` until it returns no complaint or the deadline passes; returns the last complaint. */
async function eventually(check: () => Promise<string | undefined>, deadline: number): Promise<string | undefined> {
  for (;;) {
    const complaint = await check();
    if (complaint === undefined || Date.now() > deadline) return complaint;
    await sleep(250);
  }
}

/** Waits for every start, so that none is still under way (and missed by the cleanup) when one fails. */
async function settleAll(starts: Array<Promise<unknown>>): Promise<void> {
  const failed = (await Promise.allSettled(starts)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * One deadline for the data to settle: the slow model's first calls end about 11 s in, the second
 * probe about 15 s in, and the rules need a few evaluations after that. A broken kit fails at this
 * deadline rather than after a wait per query.
 */
const SETTLE_MS = 45_000;
let settledBy = Date.now() + SETTLE_MS;

describe.skipIf(!hasPrometheus)(title, () => {
  const prometheus: Partial<Record<ExportPath, RunningPrometheus>> = {};
  const apps: AppProcess[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  let workDir = '';
  let viewUrl = '';

  const prom = (p: ExportPath): RunningPrometheus => {
    const running = prometheus[p];
    if (!running) throw new Error(`Prometheus of path ${p} did not start`);
    return running;
  };
  const diagnostics = (): string =>
    [prometheus.a?.log(), prometheus.b?.log(), ...apps.map(a => a.output())].filter(Boolean).join('\n---\n');

  beforeAll(async () => {
    if (!existsSync(path.join(REPO_ROOT, 'dist/register.js')))
      throw new Error('dist/ is missing: run `npm run build` first');
    workDir = mkdtempSync(path.join(os.tmpdir(), 'llm-relay-kit-'));
    const pricingFile = path.join(workDir, 'prices.json');
    writeFileSync(pricingFile, JSON.stringify(PRICING_FILE));

    const simulator = await startRelaySimulator(SIMULATOR_OPTIONS);
    cleanups.push(() => simulator.close());
    const mainRelay = `${simulator.url}/v1`;
    // Nothing listens on this port of 127.0.0.1, so nothing on 127.0.0.2 either: a relay that is down.
    const downRelay = `http://${DOWN_RELAY}:${await freeLoopbackPort()}/v1`;
    const appPorts = [await freeLoopbackPort(), await freeLoopbackPort()];
    const common = {
      LOAD_MAX_IN_FLIGHT: '40',
      OTEL_LLM_RELAY_PROBE_CHAT_MODEL: CHAT_PROBE_MODEL,
      OTEL_LLM_RELAY_PROBE_BALANCE: 'true',
    };
    const started = [
      startApp(INSTANCES[0]!, appPorts[0]!, {
        ...common,
        RELAY_BASE_URL: mainRelay,
        LOAD_MODELS: CALLED_MODELS.join(','),
        LOAD_INTERVAL_MS: '100',
        // Cache reads and writes on every answered call, for the cache panel and the cache counters.
        LOAD_CACHED_TOKENS: '3',
        LOAD_CACHE_WRITE_TOKENS: '1',
        OTEL_LLM_RELAY_PROBE_URL: mainRelay,
        OTEL_LLM_RELAY_PRICING: pricingFile,
      }),
      startApp(INSTANCES[1]!, appPorts[1]!, {
        ...common,
        RELAY_BASE_URL: downRelay,
        LOAD_MODELS: MODEL.healthy,
        LOAD_INTERVAL_MS: '250',
        OTEL_LLM_RELAY_PROBE_URL: downRelay,
      }),
    ].map(starting =>
      starting.then(app => {
        apps.push(app);
        cleanups.push(() => app.stop());
      }),
    );
    await settleAll(started);
    const byInstance = (id: string): AppProcess => apps.find(a => a.instanceId === id)!;
    const appTargets = INSTANCES.map(id => new URL(byInstance(id).metricsUrl).host);

    const view = await startCollectorView(INSTANCES.map(id => byInstance(id).metricsUrl));
    cleanups.push(() => view.close());
    viewUrl = view.metricsUrl;

    // The shipped config and rules, one job per Prometheus, scraping and evaluating every second.
    const shipped = readYaml(KIT.prometheusConfig) as {
      global?: Record<string, unknown>;
      scrape_configs: Array<Record<string, unknown> & { job_name: string }>;
    };
    const targets: Record<ExportPath, string[]> = { a: appTargets, b: [view.address] };
    await settleAll(
      PATHS.map(async p => {
        const job = shipped.scrape_configs.find(j => j.job_name === JOB[p]);
        if (!job) throw new Error(`examples/monitoring/prometheus.yml has no job ${JOB[p]}`);
        const { scrape_interval: _i, scrape_timeout: _t, ...rest } = job;
        const config = {
          ...shipped,
          global: { ...shipped.global, scrape_interval: '1s', evaluation_interval: '1s' },
          rule_files: [KIT.alertRules],
          scrape_configs: [{ ...rest, static_configs: [{ targets: targets[p] }] }],
        };
        const dir = path.join(workDir, p);
        mkdirSync(dir);
        const running = await startPrometheus(config, dir);
        prometheus[p] = running;
        cleanups.push(() => running.stop());
      }),
    );
    settledBy = Date.now() + SETTLE_MS;
  }, 40_000);

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch {
        // keep cleaning up the rest
      }
    }
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  }, 30_000);

  it(
    'scrapes the apps on path (a) and the Collector view on path (b) without errors',
    async () => {
      for (const p of PATHS) {
        const complaint = await eventually(async () => {
          const targets = await prom(p).targets();
          const bad = targets.filter(t => t.health !== 'up');
          if (targets.length === 0 || bad.length > 0) return `targets: ${JSON.stringify(targets)}`;
          // rate() needs two samples in its window and the rules evaluations after that.
          const scrapes = await prom(p).query('min(count_over_time(up[1m]))');
          return Number(scrapes[0]?.value[1] ?? 0) >= 3 ? undefined : 'fewer than 3 scrapes so far';
        }, settledBy);
        expect(complaint, `path ${p}\n${diagnostics()}`).toBeUndefined();
      }
    },
    SETTLE_MS + 15_000,
  );

  it(
    "sees every metric of the ARCHITECTURE.md table in the apps' scrapes, with its unit and type",
    async () => {
      const complaint = await eventually(async () => {
        const families = (
          await Promise.all(apps.map(async a => parseExposition(await (await fetch(a.metricsUrl)).text())))
        ).flat();
        const problems = specs.flatMap(spec => {
          const name = jsExporterName(spec);
          const seen = families.filter(f => f.name === name);
          if (seen.length === 0) return [`${name} missing`];
          return seen
            .filter(f => f.unit !== spec.unit || f.type !== spec.kind)
            .map(f => `${name}: unit ${f.unit}, type ${f.type}`);
        });
        return problems.length === 0 ? undefined : problems.join('; ');
      }, settledBy);
      expect(complaint, diagnostics()).toBeUndefined();
    },
    SETTLE_MS + 15_000,
  );

  it(
    "stores the Collector's series under the path-(a) names, with the apps' service as job",
    async () => {
      const ours = '__name__=~"gen_ai_.+|llm_relay_.+"';
      const complaint = await eventually(async () => {
        // The view names them as the Collector does...
        const served = parseExposition(await (await fetch(viewUrl)).text()).map(f => f.name);
        const collectorNames = [
          'gen_ai_client_operation_duration_seconds',
          'llm_relay_probe_up_ratio',
          'llm_relay_probe_last_success_seconds',
        ];
        if (!collectorNames.every(n => served.includes(n))) return `the Collector view serves: ${served.join(' ')}`;
        // ...and the job's relabelling brings back the names of path (a).
        const suffixed = await prom('b').query(
          `count by (__name__) ({${ours}, __name__=~".+_seconds(_bucket|_sum|_count)?|.+_ratio"})`,
        );
        if (suffixed.length > 0) return `not renamed: ${show(suffixed)}`;
        const names = async (p: ExportPath) =>
          sorted((await prom(p).query(`count by (__name__) ({${ours}})`)).map(s => s.metric.__name__!));
        const [a, b] = [await names('a'), await names('b')];
        if (a.length === 0 || JSON.stringify(a) !== JSON.stringify(b))
          return `names differ:\n a: ${a.join(' ')}\n b: ${b.join(' ')}`;
        const owners = await prom('b').query(`count by (job, instance) ({${ours}})`);
        return JSON.stringify(sorted(owners.map(s => `${s.metric.job} ${s.metric.instance}`))) ===
          JSON.stringify(sorted(INSTANCES.map(i => `${SERVICE_NAME} ${i}`)))
          ? undefined
          : `job/instance on path (b): ${show(owners)}`;
      }, settledBy);
      expect(complaint, diagnostics()).toBeUndefined();
    },
    SETTLE_MS + 15_000,
  );

  it.each(queries.map(q => [`${q.panel} [${q.refId}]`, q] as const))(
    'dashboard query %s returns the expected series on both paths',
    async (_name, q) => {
      const expr = substituteVariables(q.expr, { relay: '.*', model: '.*' });
      const metric = baseMetric(metricNamesIn(expr)[0] ?? '');
      const labels = groupingLabels(expr);
      const expected = labels.map(l => [l, sorted(expectedValues(l, metric, expr))] as const);
      for (const p of PATHS) {
        const complaint = await eventually(async () => {
          const samples = await prom(p).query(expr);
          if (samples.length === 0) return 'no data';
          for (const [label, values] of expected) {
            const got = sorted(samples.map(s => s.metric[label] ?? ''));
            if (JSON.stringify(got) !== JSON.stringify(values))
              return `${label}: want ${JSON.stringify(values)}, got ${show(samples)}`;
          }
          return undefined;
        }, settledBy);
        expect(complaint, `path ${p}: ${expr}`).toBeUndefined();
      }
    },
    SETTLE_MS + 15_000,
  );

  it(
    'stores the balance the main relay reports, and none for the relay that is down, on both paths',
    async () => {
      for (const p of PATHS) {
        const complaint = await eventually(async () => {
          const left = await prom(p).query('llm_relay_balance_remaining_usd');
          const limit = await prom(p).query('llm_relay_balance_limit_usd');
          const ok =
            left.length === 1 &&
            limit.length === 1 &&
            left[0]!.metric.server_address === MAIN_RELAY &&
            limit[0]!.metric.server_address === MAIN_RELAY &&
            Number(limit[0]!.value[1]) === BALANCE_LIMIT_USD &&
            Number(left[0]!.value[1]) > BALANCE_LIMIT_USD - 1 &&
            Number(left[0]!.value[1]) <= BALANCE_LIMIT_USD;
          return ok ? undefined : `left ${show(left)}, limit ${show(limit)}`;
        }, settledBy);
        expect(complaint, `path ${p}`).toBeUndefined();
      }
    },
    SETTLE_MS + 15_000,
  );

  it("offers the dashboard's relay and model choices on both paths", async () => {
    const variables = (dashboard.templating?.list ?? []).filter(v => v.type === 'query');
    expect(variables.map(v => v.name).sort()).toEqual(['model', 'relay']);
    const want: Record<string, string[]> = { relay: [MAIN_RELAY, DOWN_RELAY], model: CALLED_MODELS };
    for (const variable of variables) {
      const definition = substituteVariables(variable.definition ?? '', { relay: '.*' });
      const parsed = /^label_values\((.+),\s*(\w+)\)$/.exec(definition);
      expect(parsed, definition).not.toBeNull();
      for (const p of PATHS) {
        const values = await prom(p).labelValues(parsed![2]!, parsed![1]!);
        expect(sorted(values), `path ${p}: ${definition}`).toEqual(sorted(want[variable.name]!));
      }
    }
  });

  it.each(rules.map(r => [`${r.kind} ${r.name}`, r] as const))(
    '%s: its expression returns the expected series on both paths',
    async (_name, rule) => {
      const check = RULE_CHECKS[rule.name];
      expect(check, `the test has no expectation for ${rule.name}; add one to RULE_CHECKS`).toBeDefined();
      for (const p of PATHS) {
        const complaint = await eventually(async () => check!(await prom(p).query(rule.expr)), settledBy);
        expect(complaint, `path ${p}: ${rule.expr}`).toBeUndefined();
      }
    },
    SETTLE_MS + 15_000,
  );

  it.each(rules.filter(r => r.kind === 'alert').map(r => [r.name, r] as const))(
    'raises %s where it should (or, without history, keeps it quiet), and nowhere else, on both paths',
    async name => {
      const check = RULE_CHECKS[name]!;
      for (const p of PATHS) {
        const complaint = await eventually(async () => {
          const raised = await prom(p).query(`ALERTS{alertname="${name}"}`);
          if (QUIET_ALERTS.has(name))
            return raised.length === 0 ? undefined : `raised without a baseline: ${show(raised)}`;
          return raised.length > 0 && raised.every(s => ['pending', 'firing'].includes(s.metric.alertstate ?? ''))
            ? check(raised)
            : `not raised: ${show(raised)}`;
        }, settledBy);
        expect(complaint, `path ${p}`).toBeUndefined();
      }
    },
    SETTLE_MS + 15_000,
  );
});
