/*
 * The benchmark (`npm run bench`; scripts/bench.mjs provisions Node and builds dist/ first).
 *
 *   node bench/run.ts [--quick] [--rounds 5] [--variants bare,ours,...] [--workloads chat,...]
 *                     [--no-memory] [--profile chat,stream-200 | --profile none] [--out bench]
 *   node bench/run.ts --memory-only [--memory-repetitions 3] [--out dir]   the memory test alone
 *   node bench/run.ts --render-only [--out bench]     RESULTS.md again from results.json
 *
 * Starts the simulated relay in a process of its own, then, round after round, runs every
 * (workload, variant) in a fresh client process (bench/client.cjs), the variants in a rotated order
 * each round; then the memory test (bench/memory.cjs) and CPU profiles of ours. Writes
 * <out>/results.json and <out>/RESULTS.md. --quick runs one short round and writes to a temporary
 * directory unless --out is given, so that a smoke run never replaces the committed results;
 * --memory-only (no workloads, no profiles) does the same.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { inclusiveShare, splitUnder, topFunctions, topUnder } from './lib/cpu-profile.ts';
import type { CpuProfile } from './lib/cpu-profile.ts';
import { MEMORY_CASES, OPENAI_VERSION, VARIANTS, WORKLOADS } from './lib/plan.ts';
import type { MemoryCase, Variant, Workload } from './lib/plan.ts';
import { recordedFeatures } from './lib/recorded.ts';
import { renderResults } from './lib/report.ts';
import { extractSection } from './instructions/lib.ts';
import type { BenchDocument, PreviousRun, ProfileSummary } from './lib/report.ts';
import { compareWithBare, median, roundOrder, runFigures } from './lib/stats.ts';
import type { RunResult } from './lib/stats.ts';
import { evaluateTargets, formatSize } from './lib/targets.ts';
import type { MemoryResult, WorkloadResults } from './lib/targets.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const startedAt = Date.now();
const loadStart = os.loadavg()[0]!;

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    variants: { type: 'string' },
    workloads: { type: 'string' },
    'no-memory': { type: 'boolean', default: false },
    'memory-only': { type: 'boolean', default: false },
    'memory-repetitions': { type: 'string' },
    profile: { type: 'string', default: 'chat,stream-200' },
    out: { type: 'string' },
    'render-only': { type: 'boolean', default: false },
  },
});

function pick<T extends { name: string }>(all: readonly T[], list: string | undefined, what: string): T[] {
  if (!list) return [...all];
  const names = list
    .split(',')
    .map(s => s.trim())
    .filter(Boolean);
  const unknown = names.filter(n => !all.some(x => x.name === n));
  if (unknown.length)
    throw new Error(`unknown ${what}: ${unknown.join(', ')} (known: ${all.map(x => x.name).join(', ')})`);
  return all.filter(x => names.includes(x.name));
}

const quick = args.quick;
const memoryOnly = args['memory-only'];
if (memoryOnly && args['no-memory']) throw new Error('--memory-only and --no-memory exclude each other');
const rounds = Number(args.rounds ?? (quick ? 1 : 5));
if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be a positive integer');
const variants = pick(VARIANTS, args.variants, 'variants');
if (!variants.some(v => v.name === 'bare')) variants.unshift(VARIANTS.find(v => v.name === 'bare')!);
const workloads = memoryOnly ? [] : pick(WORKLOADS, args.workloads, 'workloads');
const profiled = memoryOnly || args.profile === 'none' ? [] : pick(WORKLOADS, args.profile, 'workloads to profile');
const memoryRepetitions = Number(args['memory-repetitions'] ?? (quick ? 1 : 3));
const outDir = resolve(
  args.out ?? (quick || memoryOnly ? mkdtempSync(join(os.tmpdir(), 'otel-llm-relay-bench-')) : join(root, 'bench')),
);
/** Scratch directory of the children's result files and profiles (set by main, removed at the end). */
let work = '';

const calls = (w: Workload) => (quick ? w.quickCalls : w.calls);
const warmup = (w: Workload) => (quick ? w.quickWarmup : w.warmup);

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** The openai SDK every variant uses, unpacked from the registry into node_modules/.cache (once). */
function provisionOpenAi(version: string): string {
  const dir = join(
    root,
    'node_modules',
    '.cache',
    'otel-llm-relay-bench',
    `openai-${version}`,
    'node_modules',
    'openai',
  );
  if (existsSync(join(dir, 'package.json'))) return dir;
  log(`fetching openai@${version} (the SDK both SDK-patching peers support) ...`);
  const tmp = mkdtempSync(join(os.tmpdir(), 'openai-pack-'));
  try {
    execFileSync('npm', ['pack', `openai@${version}`, '--pack-destination', tmp, '--silent'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const tarball = readdirSync(tmp).find(f => f.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack openai@${version} produced no tarball`);
    execFileSync('tar', ['-xzf', join(tmp, tarball), '-C', tmp]);
    mkdirSync(dirname(dir), { recursive: true });
    rmSync(dir, { recursive: true, force: true });
    renameSync(join(tmp, 'package'), dir);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return dir;
}

function packageVersion(name: string): string {
  const file =
    name === 'otel-llm-relay' ? join(root, 'package.json') : join(root, 'node_modules', name, 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

function git(...gitArgs: string[]): string {
  try {
    return execFileSync('git', gitArgs, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

/** A hash of the files under `dir`: tells whether an earlier run measured the same code. */
function fingerprint(dir: string): string {
  const hash = createHash('sha256');
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) walk(path);
      else {
        hash.update(relative(dir, path));
        hash.update(readFileSync(path));
      }
    }
  };
  walk(dir);
  return hash.digest('hex').slice(0, 12);
}

/**
 * A copy of dist/ taken when the run starts, which every child loads: a rebuild during the run
 * (by someone working in the same tree) must not mix two versions of the code in one result.
 * It lives under node_modules/ so that its requires resolve as dist/'s do.
 */
function snapshotDist(): string {
  const copy = join(root, 'node_modules', '.cache', 'otel-llm-relay-bench', 'dist');
  rmSync(copy, { recursive: true, force: true });
  cpSync(join(root, 'dist'), copy, { recursive: true });
  return copy;
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** The environment of a child: ours, minus anything that would configure OpenTelemetry behind our back. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('OTEL_') || key.startsWith('TRACELOOP_') || key === 'NODE_OPTIONS') continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/** Runs node with `nodeArgs` in the repository root; rejects with its output when it fails. */
function runNode(nodeArgs: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 10 * 60_000): Promise<void> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, nodeArgs, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-8000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolveRun();
      else reject(new Error(`node ${nodeArgs.join(' ')} exited with ${code ?? signal}\n${output}`));
    });
  });
}

interface Relay {
  url: string;
  stop(): void;
}

function startRelay(): Promise<Relay> {
  return new Promise((resolveRelay, reject) => {
    const child = spawn(process.execPath, ['bench/relay.ts'], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
    let buffered = '';
    child.once('error', reject);
    child.once('exit', code => reject(new Error(`relay exited with ${code}`)));
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const newline = buffered.indexOf('\n');
      if (newline < 0) return;
      child.stdout.removeAllListeners('data');
      child.stdout.resume();
      resolveRelay({
        url: buffered.slice(0, newline).trim(),
        stop: () => {
          child.stdin.end();
          setTimeout(() => child.kill(), 2000).unref();
        },
      });
    });
  });
}

interface Context {
  relayUrl: string;
  openaiDir: string;
  registerPort: number;
  /** The copy of dist/ the children load (see snapshotDist). */
  dist: string;
}

function variantEnv(variant: Variant, ctx: Context): NodeJS.ProcessEnv {
  const env = { BENCH_DIST: ctx.dist };
  return variant.name === 'ours-register'
    ? childEnv({
        ...env,
        OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
        OTEL_EXPORTER_PROMETHEUS_PORT: String(ctx.registerPort),
      })
    : childEnv(env);
}

/** The variant's node arguments, `{dist}` replaced by the copy of dist/. */
function preload(variant: Variant, ctx: Context): string[] {
  return variant.preload.map(arg => arg.replaceAll('{dist}', ctx.dist));
}

let jobCounter = 0;

async function runClient(
  variant: Variant,
  workload: Workload,
  ctx: Context,
  extraArgs: readonly string[] = [],
): Promise<RunResult> {
  const out = join(work, `run-${++jobCounter}.json`);
  const job = {
    url: ctx.relayUrl,
    openai: ctx.openaiDir,
    workload: workload.name,
    calls: calls(workload),
    warmup: warmup(workload),
    concurrency: workload.concurrency,
    out,
  };
  await runNode(
    ['--expose-gc', ...extraArgs, ...preload(variant, ctx), 'bench/client.cjs', JSON.stringify(job)],
    variantEnv(variant, ctx),
  );
  return JSON.parse(readFileSync(out, 'utf8')) as RunResult;
}

interface MemoryRun {
  variant: string;
  bytes: number;
  wallMs: number;
  inFlightBytes: { bytes: number; heapBytes: number }[];
  afterBytes: number;
  maxRssKiB: number;
  spans: { scope: string; lastAttributes?: Record<string, unknown> }[];
}

async function runMemory(variant: Variant, memoryCase: MemoryCase, ctx: Context): Promise<MemoryRun> {
  const out = join(work, `memory-${++jobCounter}.json`);
  const job = {
    url: ctx.relayUrl,
    body: memoryCase.body,
    targetBytes: quick ? memoryCase.quickTargetBytes : memoryCase.targetBytes,
    samples: 10,
    out,
  };
  await runNode(
    ['--expose-gc', ...preload(variant, ctx), 'bench/memory.cjs', JSON.stringify(job)],
    variantEnv(variant, ctx),
  );
  return JSON.parse(readFileSync(out, 'utf8')) as MemoryRun;
}

/** Runs `task`, and once more if it fails (a loaded machine can break a connection); the second failure ends the bench. */
async function withOneRetry<T>(what: string, task: () => Promise<T>): Promise<T> {
  try {
    return await task();
  } catch (err) {
    log(`${what} failed, running it again: ${String(err).split('\n').slice(0, 3).join(' ').slice(0, 300)}`);
    return task();
  }
}

async function measureWorkloads(ctx: Context): Promise<WorkloadResults> {
  const runs = new Map<string, Map<string, RunResult[]>>();
  for (let round = 0; round < rounds; round++) {
    for (const workload of workloads) {
      for (const variant of roundOrder(variants, round)) {
        const result = await withOneRetry(`${workload.name} ${variant.name}`, () => runClient(variant, workload, ctx));
        const byVariant = runs.get(workload.name) ?? new Map<string, RunResult[]>();
        runs.set(workload.name, byVariant);
        byVariant.set(variant.name, [...(byVariant.get(variant.name) ?? []), result]);
        const f = runFigures(result);
        log(
          `round ${round + 1}/${rounds}  ${workload.name.padEnd(14)} ${variant.name.padEnd(13)} ` +
            `${f.callsPerSecond.toFixed(1).padStart(8)} calls/s  ${f.cpuUsPerCall.toFixed(0).padStart(7)} µs CPU/call  ` +
            `p50 ${f.p50Ms.toFixed(2)} ms  spans/call ${f.spansPerCall === undefined ? '-' : f.spansPerCall.toFixed(2)}`,
        );
      }
    }
  }
  const results: WorkloadResults = {};
  for (const workload of workloads) {
    const byVariant = runs.get(workload.name)!;
    const bare = byVariant.get('bare')!.map(runFigures);
    results[workload.name] = {};
    for (const variant of variants) {
      const variantRuns = byVariant.get(variant.name)!;
      const figures = compareWithBare(bare, variantRuns.map(runFigures));
      const last = variantRuns.at(-1)!;
      results[workload.name]![variant.name] = {
        ...figures,
        recorded: recordedFeatures(last.spans, last.metrics, figures.spansPerCall),
      };
    }
  }
  return results;
}

function usageOf(run: MemoryRun): Record<string, number> {
  const attributes = run.spans.find(s => s.scope === 'otel-llm-relay')?.lastAttributes ?? {};
  return Object.fromEntries(
    Object.entries(attributes).filter(
      (e): e is [string, number] => e[0].startsWith('gen_ai.usage.') && typeof e[1] === 'number',
    ),
  );
}

/** The most the request held while its body passed (see memory.cjs). */
function inFlightKiB(run: MemoryRun): number {
  return Math.max(0, ...run.inFlightBytes.map(s => s.heapBytes)) / 1024;
}

async function measureMemory(ctx: Context): Promise<MemoryResult[]> {
  const pair = [VARIANTS.find(v => v.name === 'bare')!, VARIANTS.find(v => v.name === 'ours')!];
  const results: MemoryResult[] = [];
  for (const memoryCase of MEMORY_CASES) {
    const reps: Record<string, MemoryRun>[] = [];
    for (let rep = 0; rep < memoryRepetitions; rep++) {
      const byVariant: Record<string, MemoryRun> = {};
      for (const variant of roundOrder(pair, rep)) {
        byVariant[variant.name] = await withOneRetry(`memory ${variant.name}`, () =>
          runMemory(variant, memoryCase, ctx),
        );
      }
      reps.push(byVariant);
      log(
        `memory ${memoryCase.body} ${formatSize(quick ? memoryCase.quickTargetBytes : memoryCase.targetBytes).padEnd(7)} ` +
          `rep ${rep + 1}/${memoryRepetitions}  in flight KiB: bare ${inFlightKiB(byVariant.bare!).toFixed(0)}, ` +
          `ours ${inFlightKiB(byVariant.ours!).toFixed(0)}; wall ms: bare ${byVariant.bare!.wallMs.toFixed(0)}, ours ${byVariant.ours!.wallMs.toFixed(0)}`,
      );
    }
    const per = (f: (r: MemoryRun) => number) => ({
      bare: median(reps.map(r => f(r.bare!))),
      ours: median(reps.map(r => f(r.ours!))),
    });
    results.push({
      body: memoryCase.body,
      targetBytes: quick ? memoryCase.quickTargetBytes : memoryCase.targetBytes,
      bytes: reps[0]!.ours!.bytes,
      inFlightKiB: per(inFlightKiB),
      afterKiB: per(r => r.afterBytes / 1024),
      maxRssMiB: per(r => r.maxRssKiB / 1024),
      oursInFlightKiB: median(reps.map(r => inFlightKiB(r.ours!) - inFlightKiB(r.bare!))),
      wallMs: per(r => r.wallMs),
      repetitions: reps.length,
      oursUsage: usageOf(reps.at(-1)!.ours!),
    });
  }
  return results;
}

async function profileOurs(ctx: Context): Promise<ProfileSummary[]> {
  const ours = VARIANTS.find(v => v.name === 'ours')!;
  const summaries: ProfileSummary[] = [];
  const distUrl = new RegExp(`^file://${ctx.dist.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/`);
  for (const workload of profiled) {
    const dir = join(work, `profile-${workload.name}`);
    // Sampling every 200 µs (default 1 ms): enough samples to tell apart functions of a few µs per call.
    await runClient(ours, workload, ctx, ['--cpu-prof', '--cpu-prof-interval', '200', '--cpu-prof-dir', dir]);
    const file = readdirSync(dir).find(f => f.endsWith('.cpuprofile'));
    if (!file) continue;
    // Kept next to the results for DevTools (git-ignored: *.cpuprofile).
    const kept = join(outDir, 'profiles', `ours-${workload.name}.cpuprofile`);
    mkdirSync(dirname(kept), { recursive: true });
    renameSync(join(dir, file), kept);
    const profile = JSON.parse(readFileSync(kept, 'utf8')) as CpuProfile;
    const share = inclusiveShare(profile, distUrl);
    summaries.push({
      variant: 'ours',
      workload: workload.name,
      calls: calls(workload) + warmup(workload),
      oursShare: share,
      split: splitUnder(profile, distUrl),
      ours: topUnder(profile, distUrl, 15, dirname(ctx.dist)),
      top: topFunctions(profile, 10, root),
    });
    log(`profiled ours on ${workload.name}: ${(share * 100).toFixed(1)}% of CPU under dist/ (${relative(root, kept)})`);
  }
  return summaries;
}

function previousRun(codeFingerprint: string): PreviousRun | undefined {
  const file = join(outDir, 'results.json');
  if (!existsSync(file)) return undefined;
  try {
    const doc = JSON.parse(readFileSync(file, 'utf8')) as BenchDocument;
    if (doc.quick || doc.codeFingerprint === codeFingerprint) return doc.previous;
    const ours: PreviousRun['ours'] = {};
    for (const [workload, results] of Object.entries(doc.results)) {
      const r = results.ours;
      if (r) ours[workload] = { throughputRatio: r.throughputRatio, cpuAddedUsPerCall: r.cpuAddedUsPerCall };
    }
    return { generatedAt: doc.generatedAt, commit: `${doc.commit}${doc.dirty ? '+changes' : ''}`, ours };
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  if (!existsSync(join(root, 'dist', 'index.js')))
    throw new Error('dist/ is missing: run `npm run build` (npm run bench does it)');
  work = mkdtempSync(join(os.tmpdir(), 'otel-llm-relay-bench-work-'));
  const openaiDir = memoryOnly ? '' : provisionOpenAi(OPENAI_VERSION); // the memory test calls fetch, not the SDK
  const dist = snapshotDist();
  const codeFingerprint = fingerprint(dist);
  const commit = git('rev-parse', '--short', 'HEAD') || 'unknown';
  const dirty = git('status', '--porcelain', '--', 'src') !== '';
  const relay = await startRelay();
  const ctx: Context = { relayUrl: relay.url, openaiDir, registerPort: await freePort(), dist };
  log(
    `relay ${relay.url}; Node ${process.version}; ${rounds} round(s); variants ${variants.map(v => v.name).join(', ')}; ` +
      `load average ${loadStart.toFixed(2)}`,
  );
  try {
    const results = await measureWorkloads(ctx);
    const memory = args['no-memory'] ? [] : await measureMemory(ctx);
    const profiles = await profileOurs(ctx);
    const cpus = os.cpus();
    const doc: BenchDocument = {
      generatedAt: new Date().toISOString(),
      durationSeconds: (Date.now() - startedAt) / 1000,
      commit,
      dirty,
      codeFingerprint,
      quick,
      rounds,
      node: process.version,
      machine: {
        cpu: cpus[0]?.model ?? 'unknown',
        cores: cpus.length,
        memoryGiB: os.totalmem() / 1024 ** 3,
        os: `${os.type()} ${os.release()}`,
        loadStart,
        loadEnd: os.loadavg()[0]!,
      },
      openaiVersion: OPENAI_VERSION,
      packages: Object.fromEntries(
        [
          'otel-llm-relay',
          '@opentelemetry/instrumentation-openai',
          '@traceloop/instrumentation-openai',
          '@opentelemetry/instrumentation-undici',
          '@opentelemetry/sdk-trace',
          '@opentelemetry/sdk-metrics',
          '@opentelemetry/exporter-prometheus',
          '@opentelemetry/sdk-node',
        ].map(name => [name, packageVersion(name)]),
      ),
      variants: variants.map(v => ({ name: v.name, title: v.title, patchesSdk: v.patchesSdk })),
      workloads: workloads.map(w => ({
        name: w.name,
        title: w.title,
        calls: calls(w),
        warmup: warmup(w),
        concurrency: w.concurrency,
      })),
      results,
      memory,
      targets: evaluateTargets(results, memory, new Set(variants.filter(v => v.patchesSdk).map(v => v.name))),
      profiles,
      previous: previousRun(codeFingerprint),
    };
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'results.json'), `${JSON.stringify(doc, null, 2)}\n`);
    writeResults(renderResults(doc));
    log('');
    for (const t of doc.targets)
      log(`${t.met === undefined ? 'n/a   ' : t.met ? 'met   ' : 'MISSED'} ${t.target}: ${t.measured}`);
    log(`\nwrote ${join(outDir, 'RESULTS.md')} and results.json (${Math.round(doc.durationSeconds)} s)`);
  } finally {
    relay.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

/** Writes RESULTS.md, keeping the Instructions section `npm run bench -- --instructions` wrote into it. */
function writeResults(markdown: string): void {
  const file = join(outDir, 'RESULTS.md');
  const instructions = existsSync(file) ? extractSection(readFileSync(file, 'utf8')) : '';
  writeFileSync(file, instructions ? `${markdown.trimEnd()}\n\n${instructions}` : markdown);
}

function renderOnly(): void {
  const doc = JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8')) as BenchDocument;
  writeResults(renderResults(doc));
  log(`wrote ${join(outDir, 'RESULTS.md')} from results.json`);
}

(args['render-only'] ? Promise.resolve().then(renderOnly) : main()).catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
