/*
 * The token-inflation drift alert on a real Prometheus. The alert compares the last hour with a
 * 7-day baseline, so live traffic cannot raise it in a test (live-prometheus.test.ts checks it stays
 * quiet there); drift-rules.test.yml proves it in promtool's unit-test engine. Here the real server
 * raises it, from a real TSDB:
 *   1. eight days of samples, every 15 minutes up to now, written as TSDB blocks by
 *      `promtool tsdb create-blocks-from openmetrics`;
 *   2. the hourly ratio and character count recorded over those eight days by
 *      `promtool tsdb create-blocks-from rules`, Prometheus's own backfill, from the real alert-rules.yml;
 *   3. Prometheus restarted over all blocks with alert-rules.yml evaluated every second: it records the
 *      baselines and the current hour itself, and must raise the alert for the models whose output
 *      tokens per character moved more than 15 % with enough traffic, and only for them.
 * Backfilled rules have one sample per 15 minutes (a live Prometheus records every evaluation), so the
 * server runs with a 16-minute lookback to find them.
 */

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { KIT, onPath, readYaml } from './kit-files.ts';
import { type RunningPrometheus, sleep, startPrometheus } from './prometheus-process.ts';

const ALERT = 'LlmRelayOutputTokensPerCharacterDrift';
const STEP_S = 15 * 60;
const DAYS = 8;
/** promtool's rule backfill writes one block per 2 hours of time since the epoch. */
const BLOCK_S = 2 * 3600;
/** Characters of generated text per 15 minutes for a model with enough traffic (160,000 an hour). */
const CHARS = 40_000;

/** Per model: output tokens per 15 minutes before, and in the last 3 hours; characters per 15 minutes. */
const MODELS = [
  { model: 'gpt-4.1', provider: 'openai', before: 10_000, last3h: 10_000, chars: CHARS, fires: false }, // steady
  { model: 'claude-sonnet-4-5', provider: 'anthropic', before: 10_000, last3h: 14_000, chars: CHARS, fires: true }, // +40 %
  { model: 'gemini-2.5-flash', provider: 'gcp.gemini', before: 10_000, last3h: 7_500, chars: CHARS, fires: true }, // −25 %
  { model: 'deepseek-v3.2', provider: 'deepseek', before: 10_000, last3h: 11_000, chars: CHARS, fires: false }, // +10 %
  { model: 'my-finetune-v2', provider: 'openai', before: 1_000, last3h: 1_400, chars: CHARS / 10, fires: false }, // too little traffic
] as const;

const RECORDED_FROM_RAW = ['llm_relay:output_tokens_per_character:ratio1h', 'llm_relay:output_characters:increase1h'];

const hasPrometheus = onPath('prometheus') && onPath('promtool');
const title = hasPrometheus
  ? 'the drift alert on a real Prometheus over eight backfilled days'
  : 'the drift alert on a real Prometheus — SKIPPED: prometheus or promtool is not on PATH, run `bash scripts/install-prometheus.sh` (CI does)';

function labels(m: (typeof MODELS)[number]): string {
  return [
    `gen_ai_operation_name="chat"`,
    `gen_ai_provider_name="${m.provider}"`,
    `gen_ai_request_model="${m.model}"`,
    `gen_ai_response_model="${m.model}"`,
    `server_address="relay.example.com"`,
    `server_port="443"`,
    `job="llm-relay-app"`,
    `instance="app:9464"`,
  ].join(',');
}

/** OpenMetrics text of the two counters the drift rules read, every 15 minutes from `start` to `end` (seconds). */
function openMetrics(start: number, end: number): string {
  const lines: string[] = ['# TYPE gen_ai_client_token_usage_sum gauge'];
  const inflatedFrom = end - 3 * 3600;
  for (const m of MODELS) {
    let tokens = 0;
    for (let t = start; t <= end; t += STEP_S) {
      lines.push(`gen_ai_client_token_usage_sum{${labels(m)},gen_ai_token_type="output"} ${tokens} ${t}`);
      tokens += t >= inflatedFrom ? m.last3h : m.before;
    }
  }
  lines.push('# TYPE llm_relay_output_characters_total gauge');
  for (const m of MODELS) {
    let chars = 0;
    for (let t = start; t <= end; t += STEP_S) {
      lines.push(`llm_relay_output_characters_total{${labels(m)}} ${chars} ${t}`);
      chars += m.chars;
    }
  }
  lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}

/** Runs promtool; returns what it printed (a rules backfill whose queries found nothing exits 0 and writes nothing). */
function promtool(args: string[]): string {
  const result = spawnSync('promtool', args, { encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0)
    throw new Error(
      `promtool ${args.slice(0, 3).join(' ')} failed (${result.status}):\n${result.stdout}${result.stderr}`,
    );
  return `${result.stdout}${result.stderr}`;
}

/** Moves every block promtool wrote into Prometheus's data directory. */
function adoptBlocks(from: string, dataDir: string): number {
  if (!existsSync(from)) return 0;
  const blocks = readdirSync(from);
  for (const block of blocks) renameSync(path.join(from, block), path.join(dataDir, block));
  return blocks.length;
}

describe.skipIf(!hasPrometheus)(title, () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'drift-backfill-'));
  const dataDir = path.join(work, 'data');
  let prometheus: RunningPrometheus | undefined;

  afterAll(async () => {
    await prometheus?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it(
    'raises the alert for the models whose tokens per character moved, and only for them',
    { timeout: 240_000 },
    async () => {
      const end = Math.floor(Date.now() / 1000 / 60) * 60 - 60;
      const start = end - DAYS * 86_400;

      // 1. Raw samples as TSDB blocks.
      const rawFile = path.join(work, 'raw.om');
      writeFileSync(rawFile, openMetrics(start, end));
      promtool(['tsdb', 'create-blocks-from', 'openmetrics', '--max-block-duration=24h', rawFile, dataDir]);

      // 2. The rules that read raw samples, backfilled from the real rule file by a Prometheus serving those blocks.
      const ruleFile = readYaml(KIT.alertRules) as {
        groups: Array<{ name: string; rules: Array<Record<string, unknown>> }>;
      };
      const fromRaw = ruleFile.groups.flatMap(g => g.rules).filter(r => RECORDED_FROM_RAW.includes(String(r.record)));
      expect(fromRaw.map(r => r.record)).toEqual(RECORDED_FROM_RAW);
      const backfillRules = path.join(work, 'backfill-rules.yml');
      writeFileSync(backfillRules, toYaml({ groups: [{ name: 'drift-backfill', rules: fromRaw }] }));

      const lookback = ['--query.lookback-delta=16m'];
      const reader = await startPrometheus({ global: { scrape_interval: '1m' } }, work, 30_000, lookback);
      const recordedDir = path.join(work, 'recorded');
      // On a 2-hour block boundary: promtool (2.42, Debian 12) aligns each block's first evaluation to
      // the group's interval and stops the whole backfill, writing nothing, when that falls past the
      // block's end, which an arbitrary start within the block's last 15 minutes does.
      const rulesFrom = Math.ceil((start + 3600) / BLOCK_S) * BLOCK_S;
      let backfillOutput: string;
      let readerLog: string;
      try {
        backfillOutput = promtool([
          'tsdb',
          'create-blocks-from',
          'rules',
          `--start=${rulesFrom}`,
          `--end=${end}`,
          `--url=${reader.baseUrl}`,
          `--output-dir=${recordedDir}`,
          '--eval-interval=15m',
          backfillRules,
        ]);
      } finally {
        readerLog = reader.log();
        await reader.stop();
      }
      expect(
        adoptBlocks(recordedDir, dataDir),
        `blocks recorded by promtool; it printed:\n${backfillOutput}\nthe Prometheus it read said:\n${readerLog}`,
      ).toBeGreaterThan(0);

      // 3. The real rule file, evaluated every second over the eight days.
      prometheus = await startPrometheus(
        { global: { scrape_interval: '1m', evaluation_interval: '1s' }, rule_files: [KIT.alertRules] },
        work,
        30_000,
        lookback,
      );
      const running = prometheus;

      const expected = MODELS.filter(m => m.fires)
        .map(m => m.model)
        .sort();
      let raised: string[] = [];
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        const alerts = await running.query(`ALERTS{alertname="${ALERT}"}`);
        raised = alerts.map(a => a.metric.gen_ai_request_model ?? '').sort();
        if (raised.length >= expected.length) break;
        await sleep(1_000);
      }
      expect(raised, `ALERTS for ${ALERT}; Prometheus log:\n${running.log()}`).toEqual(expected);

      // The backfilled hours are the baseline: a week of them for every model.
      const baselineHours = await running.query('llm_relay:output_tokens_per_character:baseline_hours7d');
      expect(baselineHours).toHaveLength(MODELS.length);
      for (const sample of baselineHours) expect(Number(sample.value[1])).toBeGreaterThanOrEqual(166);

      // Its value is the ratio to the baseline the alert's summary shows: about 1.4 and 0.75.
      const ratios = await running.query(
        'llm_relay:output_tokens_per_character:ratio1h / llm_relay:output_tokens_per_character:baseline7d',
      );
      const ratioOf = (model: string): number =>
        Number(ratios.find(s => s.metric.gen_ai_request_model === model)?.value[1]);
      expect(ratioOf('claude-sonnet-4-5')).toBeGreaterThan(1.3);
      expect(ratioOf('gemini-2.5-flash')).toBeLessThan(0.8);
      expect(ratioOf('gpt-4.1')).toBeCloseTo(1, 2);
      expect(ratioOf('deepseek-v3.2')).toBeGreaterThan(1.05);
      expect(ratioOf('deepseek-v3.2')).toBeLessThan(1.15);
    },
  );
});
