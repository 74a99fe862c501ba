/* Runs a real Prometheus server for the kit's live test: a loopback port, a temp dir, bounded waits. */

import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface RunningPrometheus {
  baseUrl: string;
  /** Instant query; throws on an HTTP or PromQL error (a bad expression fails loudly). */
  query(expr: string): Promise<PromSample[]>;
  /** `/api/v1/label/<name>/values` restricted by a series selector. */
  labelValues(label: string, match: string): Promise<string[]>;
  /** Scrape targets and their health. */
  targets(): Promise<Array<{ job: string; health: string; lastError: string }>>;
  /** Last lines Prometheus logged, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms));

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  const body = (await res.json()) as { status: string; data: T; error?: string };
  if (!res.ok || body.status !== 'success') throw new Error(`${url}: HTTP ${res.status} ${body.error ?? ''}`);
  return body.data;
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
 * Starts `prometheus` with `config` (written as JSON, which is YAML) in `workDir`, and waits until it
 * is ready (`extraArgs` go to its command line, after ours). Rejects, with Prometheus' last log lines, if it exits or is not ready in `readyTimeoutMs`.
 */
export async function startPrometheus(
  config: object,
  workDir: string,
  readyTimeoutMs = 15_000,
  extraArgs: string[] = [],
): Promise<RunningPrometheus> {
  const configFile = path.join(workDir, 'prometheus.json.yml');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const port = await freeLoopbackPort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const child = spawn(
    'prometheus',
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${path.join(workDir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
      ...extraArgs,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const logLines: string[] = [];
  const keep = (chunk: Buffer): void => {
    logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    logLines.splice(0, Math.max(0, logLines.length - 40));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const log = (): string => logLines.join('\n');

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    if (!(await waitForExit(child, 5_000))) {
      child.kill('SIGKILL');
      await waitForExit(child, 2_000);
    }
  };

  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`prometheus exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${log()}`);
    }
    try {
      const res = await fetch(`${baseUrl}/-/ready`, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus not ready after ${readyTimeoutMs} ms:\n${log()}`);
    }
    await sleep(200);
  }

  return {
    baseUrl,
    log,
    stop,
    async query(expr) {
      const data = await getJson<{ resultType: string; result: PromSample[] | [number, string] }>(
        `${baseUrl}/api/v1/query?query=${encodeURIComponent(expr)}`,
      );
      if (data.resultType === 'vector' || data.resultType === 'matrix') return data.result as PromSample[];
      // scalar or string: one value without labels
      return [{ metric: {}, value: data.result as [number, string] }];
    },
    async labelValues(label, match) {
      return getJson<string[]>(
        `${baseUrl}/api/v1/label/${encodeURIComponent(label)}/values?match[]=${encodeURIComponent(match)}`,
      );
    },
    async targets() {
      const data = await getJson<{
        activeTargets: Array<{ labels: Record<string, string>; scrapePool: string; health: string; lastError: string }>;
      }>(`${baseUrl}/api/v1/targets`);
      return data.activeTargets.map(t => ({ job: t.scrapePool, health: t.health, lastError: t.lastError }));
    },
  };
}
