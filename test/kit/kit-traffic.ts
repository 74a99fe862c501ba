/*
 * The real traffic of the kit's live test: apps run as users run them
 * (`node --import otel-llm-relay/register examples/monitoring/load.mjs`) against the relay
 * simulator, which is told to misbehave so that every dashboard panel and every alert has data:
 *
 *   main relay (the simulator, 127.0.0.1)   one model per role below, plain and streaming calls
 *   down relay (127.0.0.2, a closed port)   every call and every probe is refused
 *
 * Both apps run the probe's balance check: the main relay reports a balance the expensive model's
 * spending would eat in far less than a day; the down relay has none to report.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import type { RelaySimulatorOptions } from '../../examples/relay-simulator/types.ts';
import { MONITORING_DIR, REPO_ROOT } from './kit-files.ts';
import { sleep } from './prometheus-process.ts';

/** The models the main app rotates through, by the role each plays in the scenario. */
export const MODEL = {
  /** Fast, always answers: no alert may name it but the rate-limit one. */
  healthy: 'gpt-4.1',
  /** 30% of its calls answer 503. */
  failing: 'claude-sonnet-4-5',
  /** 10.5 s before the response headers: slow calls and slow first chunks. */
  slow: 'gemini-2.5-flash',
  /** Answered by another model family. */
  substituted: 'deepseek-v3.2',
  /** No price anywhere. */
  unpriced: 'my-finetune-v2',
  /** Priced by the app's pricing file so high that the daily budget burns in seconds. */
  expensive: 'kit-premium-llm',
} as const;

export const SUBSTITUTE = 'deepseek-reasoner';
export const MAIN_RELAY = '127.0.0.1';
export const DOWN_RELAY = '127.0.0.2';
/** Model of both apps' chat probes. */
export const CHAT_PROBE_MODEL = MODEL.healthy;
/** What the main relay's billing routes report as the key's quota, in USD. */
export const BALANCE_LIMIT_USD = 50;
/** Requests per rate-limit window and model: a few calls bring the headroom under 20%. */
export const RATE_LIMIT_REQUESTS = 10;

/** Models with calls through the main relay. */
export const CALLED_MODELS: string[] = Object.values(MODEL);

/** The simulator's settings for the main relay. */
export const SIMULATOR_OPTIONS: RelaySimulatorOptions = {
  rateLimits: { requests: RATE_LIMIT_REQUESTS, windowMs: 600_000 },
  billing: { limitUsd: BALANCE_LIMIT_USD },
  scenario: {
    latencyMs: { [MODEL.slow]: 10_500 },
    errorRate: { [MODEL.failing]: 0.3 },
    errorFault: '503',
    substitute: { [MODEL.substituted]: SUBSTITUTE },
    seed: 7,
  },
};

/**
 * The pricing file the main app reads (OTEL_LLM_RELAY_PRICING). At these prices a 16-token answer
 * costs about 0.4 USD, so a few seconds of calls project to more than the 100 USD daily budget.
 */
export const PRICING_FILE = { models: { [MODEL.expensive]: { input: 5000, output: 25000 } } };

export const SERVICE_NAME = 'llm-kit-app';
export const LOAD_APP = path.join(MONITORING_DIR, 'load.mjs');

export interface AppProcess {
  /** Its service.instance.id. */
  instanceId: string;
  /** `http://127.0.0.1:<port>/metrics` */
  metricsUrl: string;
  /** Last lines the app wrote, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise(resolve => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Starts load.mjs under the register hook with its Prometheus endpoint on `metricsPort`, and waits
 * (at most `readyTimeoutMs`) until that endpoint answers. `env` adds to the ones every app gets.
 */
export async function startApp(
  instanceId: string,
  metricsPort: number,
  env: Record<string, string>,
  readyTimeoutMs = 15_000,
): Promise<AppProcess> {
  const child = spawn(process.execPath, ['--import', 'otel-llm-relay/register', LOAD_APP], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      OTEL_SERVICE_NAME: SERVICE_NAME,
      OTEL_RESOURCE_ATTRIBUTES: `service.instance.id=${instanceId}`,
      OTEL_METRICS_EXPORTER: 'prometheus',
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
      OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
      OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer): void => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - 30));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const output = (): string => `${instanceId}:\n${lines.join('\n')}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    if (!(await waitForExit(child, 5_000))) {
      child.kill('SIGKILL');
      await waitForExit(child, 2_000);
    }
  };

  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `the app exited (${child.exitCode ?? child.signalCode}) before serving ${metricsUrl}:\n${output()}`,
      );
    }
    try {
      const res = await fetch(metricsUrl, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the app did not serve ${metricsUrl} within ${readyTimeoutMs} ms:\n${output()}`);
    }
    await sleep(200);
  }
  return { instanceId, metricsUrl, output, stop };
}
