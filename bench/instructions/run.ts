/*
 * The instruction benchmark (`npm run bench -- --instructions`; scripts/bench.mjs provisions Node,
 * 24 by default here, builds dist/ and installs valgrind when missing). See bench/README.md.
 *
 *   node bench/instructions/run.ts [--workloads chat,stream-200] [--variants bare,ours,...]
 *        [--calls N] [--warmup W] [--at <commit>[,<commit>...]] [--at-workloads chat,...]
 *        [--jobs 2] [--quick] [--out bench]
 *   node bench/instructions/run.ts --render-only [--out bench]
 *
 * Each (variant, workload) runs once under `valgrind --tool=callgrind` (bench/instructions/client.cjs):
 * warm-up, then the measured calls, each counted on its own (callgrind dumps and zeroes its count at
 * the os.loadavg() the client makes after each call), then gc() (dumped too). Every figure is the
 * median call: start-up, module loading and warm-up are left out, and so are the calls where a major
 * GC or a compilation landed; "all in" keeps them, with the gc(). Streams are written one acknowledged event at a time
 * (bench/relay.ts --ack). `--jobs` processes run at once, each with a relay of its own (counts do
 * not depend on load; only the wall time does).
 * Writes <out>/results-instructions.json and the "Instructions" section of <out>/RESULTS.md (the
 * wall-clock sections are left as they are). --quick writes to a temporary directory unless --out.
 */
import { execFileSync, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { OPENAI_VERSION, VARIANTS } from '../lib/plan.ts';
import {
  cellsOf,
  evaluateTargets,
  judgeWallClock,
  parseDumpTotal,
  parseInstructionCount,
  renderInstructions,
  splitOurs,
  spliceSection,
} from './lib.ts';
import type { AtCommit, CountedRun, InstructionsDocument, Repeat, WallClockFigure } from './lib.ts';
import { summarisePerCall } from './per-call.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const startedAt = Date.now();

interface InstructionWorkload {
  name: string;
  title: string;
  warmup: number;
  calls: number;
  quickWarmup: number;
  quickCalls: number;
}

/**
 * Call counts: the warm-up lets the JIT settle, so that what is counted is the steady state of a
 * long-running service and not compilation (paid once per process). The measured calls make the
 * median: enough that a run of calls with a GC step in them cannot move it.
 */
const WORKLOADS: readonly InstructionWorkload[] = [
  {
    name: 'chat',
    title: 'small chat completion, not streamed (~700 B JSON)',
    warmup: 300,
    calls: 150,
    quickWarmup: 10,
    quickCalls: 10,
  },
  {
    name: 'stream-200',
    title: 'openai stream of 200 chunks (+ role, finish and usage chunks), one acknowledged event at a time',
    warmup: 60,
    calls: 30,
    quickWarmup: 2,
    quickCalls: 3,
  },
  {
    name: 'gzip-json',
    title: 'chat completion of 1000 tokens, gzip-compressed JSON (2 KB on the wire, 6.8 KB decoded)',
    warmup: 200,
    calls: 100,
    quickWarmup: 5,
    quickCalls: 5,
  },
  {
    name: 'embeddings-5mb',
    title: 'embeddings of 80 inputs × 3072 floats (a 5.2 MB JSON body)',
    warmup: 6,
    calls: 7,
    quickWarmup: 1,
    quickCalls: 1,
  },
  {
    name: 'anthropic-stream',
    title: '@anthropic-ai/sdk messages stream of 200 text deltas, one acknowledged event at a time',
    // bare's streams settle only after ~110 (26 M -> 13-15 M per stream); the other streams after ~55.
    warmup: 120,
    calls: 30,
    quickWarmup: 2,
    quickCalls: 3,
  },
  {
    name: 'gemini-stream',
    title: '@google/genai generateContentStream of 200 chunks (SSE), one acknowledged event at a time',
    warmup: 60,
    calls: 30,
    quickWarmup: 2,
    quickCalls: 3,
  },
];

/** Variants in their table order; ours-channels and ours-noop split ours (bench/variants/*.cjs). */
const INSTRUCTION_VARIANTS = [
  ...VARIANTS.filter(v => ['bare', 'sdk-only'].includes(v.name)),
  {
    name: 'ours-channels',
    title: 'subscribers to the same undici channels that do nothing (split of ours)',
    preload: ['--require', './bench/variants/ours-channels.cjs'],
    patchesSdk: false,
  },
  {
    name: 'ours-noop',
    title: 'ours with no-op tracer and meter providers (split of ours)',
    preload: ['--require', './bench/variants/ours-noop.cjs'],
    patchesSdk: false,
  },
  ...VARIANTS.filter(v => !['bare', 'sdk-only'].includes(v.name)),
];
const DEFAULT_WORKLOADS = 'chat,stream-200,gzip-json,embeddings-5mb,anthropic-stream,gemini-stream';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    variants: { type: 'string' },
    workloads: { type: 'string', default: DEFAULT_WORKLOADS },
    calls: { type: 'string' },
    warmup: { type: 'string' },
    at: { type: 'string' },
    'at-workloads': { type: 'string' },
    jobs: { type: 'string', default: '2' },
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
const variants = pick(INSTRUCTION_VARIANTS, args.variants, 'variants');
if (!variants.some(v => v.name === 'bare')) variants.unshift(INSTRUCTION_VARIANTS[0]!);
const workloads = pick(WORKLOADS, args.workloads, 'workloads').map(w => {
  let calls = quick ? w.quickCalls : w.calls;
  if (args.calls) {
    calls = Number(args.calls);
    if (!Number.isInteger(calls) || calls < 1)
      throw new Error('--calls takes a count of measured calls, e.g. --calls 200');
  }
  const warmup = args.warmup !== undefined ? Number(args.warmup) : quick ? w.quickWarmup : w.warmup;
  return { ...w, calls, warmup };
});
const atCommits = (args.at ?? '')
  .split(',')
  .map(s => s.trim())
  .filter(Boolean);
const atWorkloads = args['at-workloads'] ? args['at-workloads'].split(',') : workloads.map(w => w.name);
const jobs = Math.max(1, Number(args.jobs));
const outDir = resolve(
  args.out ?? (quick ? mkdtempSync(join(os.tmpdir(), 'otel-llm-relay-ibench-')) : join(root, 'bench')),
);
const cacheDir = join(root, 'node_modules', '.cache', 'otel-llm-relay-bench');
let work = '';

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

function git(...gitArgs: string[]): string {
  return execFileSync('git', gitArgs, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
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

interface Relay {
  url: string;
  ackPort: number;
  /** `ack-timeout` lines printed so far (a stream that was not acknowledged: the run is void). */
  ackTimeouts: number;
  stop(): void;
}

function startRelay(): Promise<Relay> {
  return new Promise((resolveRelay, reject) => {
    const child = spawn(process.execPath, ['bench/relay.ts', '--ack'], {
      cwd: root,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const lines: string[] = [];
    let buffered = '';
    let relay: Relay | undefined;
    child.once('error', reject);
    child.once('exit', code => reject(new Error(`relay exited with ${code}`)));
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let newline;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (relay) {
          if (line === 'ack-timeout') relay.ackTimeouts++;
          continue;
        }
        lines.push(line);
        if (lines.length === 2) {
          relay = {
            url: lines[0]!,
            ackPort: Number(lines[1]!.split(' ')[1]),
            ackTimeouts: 0,
            stop: () => {
              child.stdin.end();
              setTimeout(() => child.kill(), 2000).unref();
            },
          };
          resolveRelay(relay);
        }
      }
    });
  });
}

/** The environment of a child: ours, minus anything that would configure OpenTelemetry behind our back. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('OTEL_') || key.startsWith('TRACELOOP_') || key === 'NODE_OPTIONS') continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/** Runs `command` and resolves with its stderr; rejects with its output when it fails. */
function runProcess(
  command: string,
  commandArgs: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 60 * 60_000,
): Promise<string> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, commandArgs, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout = (stdout + chunk.toString('utf8')).slice(-4000);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-16000);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolveRun(stderr);
      else
        reject(
          new Error(
            `${command} ${commandArgs.join(' ').slice(0, 300)} exited with ${code ?? signal}\n${stdout}\n${stderr}`,
          ),
        );
    });
  });
}

interface Job {
  label: string;
  preload: string[];
  dist: string;
  workload: (typeof workloads)[number];
}

/** The numbered dump files of one callgrind run (`<prefix>.<pid>.<n>`), their totals in order. */
function dumpTotals(prefix: string): number[] {
  const dir = dirname(prefix);
  const base = prefix.slice(dir.length + 1);
  const numbered = readdirSync(dir)
    .filter(f => f.startsWith(`${base}.`) && /\.\d+\.\d+$/.test(f))
    .sort((a, b) => Number(a.split('.').at(-1)) - Number(b.split('.').at(-1)));
  return numbered.map(f => parseDumpTotal(readFileSync(join(dir, f), 'utf8')));
}

async function count(job: Job, relay: Relay, openaiDir: string): Promise<CountedRun> {
  const id = `${job.label.replace(/[^\w.-]/g, '_')}-${job.workload.name}`;
  const out = join(work, `${id}.json`);
  const dumps = join(work, `cg-${id}-${Date.now()}`);
  const calls = job.workload.calls;
  const clientJob = {
    url: relay.url,
    ackPort: relay.ackPort,
    openai: openaiDir,
    workload: job.workload.name,
    warmup: job.workload.warmup,
    calls,
    out,
  };
  const extra: Record<string, string> = { BENCH_DIST: job.dist, BENCH_SPAN_PROCESSOR: 'batch' };
  if (job.label === 'ours-register') {
    Object.assign(extra, {
      OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
      OTEL_EXPORTER_PROMETHEUS_PORT: String(await freePort()),
    });
  }
  const preload = job.preload.map(arg => arg.replaceAll('{dist}', job.dist));
  const timeoutsBefore = relay.ackTimeouts;
  const started = Date.now();
  const stderr = await runProcess(
    'valgrind',
    [
      '--tool=callgrind',
      `--callgrind-out-file=${dumps}.%p`,
      // A dump (and zeroed counters) after the warm-up and after each measured call (the client's
      // os.loadavg()), and after the gc() of their garbage.
      '--dump-after=node::os::GetLoadAvg*',
      '--dump-after=v8::internal::GCExtension::GC*',
      process.execPath,
      '--predictable',
      // A fixed heap-growing schedule and no memory reducer: without it, whether a major GC falls in
      // the measured segment depends on wall time (seen: the same build at +0.8 M or +2.2 M per chat call).
      '--predictable-gc-schedule',
      // Each major GC in one step where the heap limit is reached: incremental marking is paced by
      // wall time, which valgrind stretches 50 times (one cycle smeared over ~15 streams).
      '--no-incremental-marking',
      '--expose-gc',
      ...preload,
      'bench/instructions/client.cjs',
      JSON.stringify(clientJob),
    ],
    childEnv(extra),
  );
  if (relay.ackTimeouts !== timeoutsBefore)
    throw new Error(`${job.label} ${job.workload.name}: a streamed event was never acknowledged`);
  const totals = dumpTotals(dumps);
  // Start-up and warm-up, each call, the gc().
  if (totals.length !== calls + 2)
    throw new Error(
      `${job.label} ${job.workload.name}: ${totals.length} callgrind dumps, expected ${calls + 2} (warm-up, ${calls} calls, gc())`,
    );
  const total = parseInstructionCount(stderr);
  const result = JSON.parse(readFileSync(out, 'utf8')) as {
    eventsPerCall: number;
    spansByScope?: Record<string, number>;
    spansPerCall?: number;
    metrics: Record<string, unknown>;
  };
  const wallSeconds = (Date.now() - started) / 1000;
  return {
    label: job.label,
    workload: job.workload.name,
    warmup: job.workload.warmup,
    callCounts: totals.slice(1, -1),
    gcAfter: totals.at(-1)!,
    eventsPerCall: result.eventsPerCall,
    spansByScope: result.spansPerCall === undefined ? undefined : (result.spansByScope ?? {}),
    metricFamilies: Object.keys(result.metrics),
    wallSeconds,
    processInstructions: total,
  };
}

/** openai@OPENAI_VERSION, unpacked by the wall-clock bench (bench/run.ts) or here, once. */
function provisionOpenAi(): string {
  const dir = join(cacheDir, `openai-${OPENAI_VERSION}`, 'node_modules', 'openai');
  if (existsSync(join(dir, 'package.json'))) return dir;
  log(`fetching openai@${OPENAI_VERSION} ...`);
  const tmp = mkdtempSync(join(os.tmpdir(), 'openai-pack-'));
  try {
    execFileSync('npm', ['pack', `openai@${OPENAI_VERSION}`, '--pack-destination', tmp, '--silent'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    execFileSync('sh', ['-c', `tar -xzf "${tmp}"/*.tgz -C "${tmp}"`]);
    mkdirSync(dirname(dir), { recursive: true });
    cpSync(join(tmp, 'package'), dir, { recursive: true });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return dir;
}

/**
 * A copy of dist/ taken at the start (a rebuild during the run must not mix two versions); one per
 * run, so two runs at once do not replace each other's. Under node_modules, to resolve the same deps.
 */
function snapshotDist(): string {
  mkdirSync(cacheDir, { recursive: true });
  const copy = mkdtempSync(join(cacheDir, 'dist-instructions-'));
  cpSync(join(root, 'dist'), copy, { recursive: true });
  return copy;
}

/**
 * dist/ of another commit: its src/ and tsconfigs from `git archive` into a temporary directory
 * (no worktree is registered), this tree's node_modules linked in, built with tsc.
 */
function buildAt(commit: string): string {
  const dir = mkdtempSync(join(work, `at-${commit.replace(/\W/g, '_')}-`));
  execFileSync(
    'sh',
    ['-c', `git archive "${commit}" src tsconfig.json tsconfig.build.json package.json | tar -x -C "${dir}"`],
    { cwd: root },
  );
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return join(dir, 'dist');
}

/** Runs the jobs `jobs` at a time, each worker on a relay of its own. */
async function runAll(list: Job[], relays: Relay[], openaiDir: string): Promise<CountedRun[]> {
  const results: CountedRun[] = [];
  let next = 0;
  let done = 0;
  const worker = async (relay: Relay) => {
    while (next < list.length) {
      const job = list[next++]!;
      let counted: CountedRun;
      try {
        counted = await count(job, relay, openaiDir);
      } catch (err) {
        log(`${job.label} ${job.workload.name} failed, running it again: ${String(err).slice(0, 600)}`);
        counted = await count(job, relay, openaiDir);
      }
      results.push(counted);
      done++;
      const summary = summarisePerCall(counted.callCounts)!;
      const figure = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
      log(
        `[${done}/${list.length}] ${job.workload.name.padEnd(16)} ${job.label.padEnd(16)} ` +
          `median ${figure(summary.median).padStart(12)} per call (ordinary ${summary.ordinaryCalls}/${summary.calls}, ` +
          `mean ${figure(summary.ordinaryMean)}; all ${figure(summary.mean)}; gc() after ${figure(counted.gcAfter)}; ` +
          `process ${figure(counted.processInstructions ?? 0)})  ${counted.wallSeconds.toFixed(0)} s`,
      );
    }
  };
  await Promise.all(relays.map(worker));
  return results;
}

async function main(): Promise<void> {
  if (!existsSync(join(root, 'dist', 'index.js')))
    throw new Error('dist/ is missing: run `npm run build` (npm run bench does it)');
  const valgrind = execFileSync('valgrind', ['--version'], { encoding: 'utf8' }).trim();
  work = mkdtempSync(join(os.tmpdir(), 'otel-llm-relay-ibench-work-'));
  const openaiDir = provisionOpenAi();
  const dist = snapshotDist();
  const commit = git('rev-parse', '--short', 'HEAD');
  const dirty = git('status', '--porcelain', '--', 'src') !== '';
  const relays = await Promise.all(Array.from({ length: jobs }, () => startRelay()));
  try {
    const list: Job[] = [];
    const ats: AtCommit[] = [];
    const oursVariant = INSTRUCTION_VARIANTS.find(v => v.name === 'ours')!;
    for (const at of atCommits) {
      const short = git('rev-parse', '--short', at);
      const subject = git('log', '-1', '--format=%s', at);
      try {
        log(`building dist/ at ${short} (${subject.slice(0, 80)})`);
        const atDist = buildAt(at);
        for (const workload of workloads.filter(w => atWorkloads.includes(w.name))) {
          list.push({ label: `ours@${short}`, preload: [...oursVariant.preload], dist: atDist, workload });
        }
        ats.push({ commit: short, subject, added: {} });
      } catch (err) {
        const message = String((err as { stderr?: Buffer }).stderr ?? err)
          .trim()
          .split('\n')
          .slice(0, 5)
          .join(' ');
        log(`${short} did not build: ${message}`);
        ats.push({ commit: short, subject, added: {}, error: `did not build: ${message.slice(0, 300)}` });
      }
    }
    for (const workload of workloads) {
      for (const variant of variants) list.push({ label: variant.name, preload: [...variant.preload], dist, workload });
    }
    // Streams (the longest) first, so that the workers finish together.
    list.sort((a, b) => Number(b.workload.name.includes('stream')) - Number(a.workload.name.includes('stream')));
    log(
      `Node ${process.version}; ${valgrind}; ${list.length} processes under callgrind, ${jobs} at a time; ` +
        `workloads ${workloads.map(w => `${w.name} (${w.warmup}; ${w.calls})`).join(', ')}`,
    );
    const runs = await runAll(list, relays, openaiDir);
    const cells = cellsOf(runs);
    for (const at of ats) {
      for (const cell of cells.filter(c => c.label === `ours@${at.commit}`)) at.added[cell.workload] = cell.added;
    }
    // Repeatability: ours at a commit whose src/ is the working tree's measures the same code twice.
    const repeats: Repeat[] = [];
    for (const at of ats) {
      if (dirty || at.error || git('rev-parse', `${at.commit}:src`) !== git('rev-parse', 'HEAD:src')) continue;
      for (const cell of cells.filter(c => c.label === `ours@${at.commit}`)) {
        const ours = cells.find(c => c.label === 'ours' && c.workload === cell.workload);
        if (ours)
          repeats.push({
            what: `${cell.workload}: ours per call (working tree, and built from ${at.commit})`,
            first: ours.perCall,
            second: cell.perCall,
          });
      }
    }
    const doc: InstructionsDocument = {
      generatedAt: new Date().toISOString(),
      durationSeconds: (Date.now() - startedAt) / 1000,
      commit,
      dirty,
      node: process.version,
      valgrind,
      quick,
      workloads: workloads.map(w => ({ name: w.name, title: w.title, warmup: w.warmup, calls: w.calls })),
      variants: variants.map(v => ({ name: v.name, title: v.title, patchesSdk: v.patchesSdk })),
      cells,
      splits: workloads.map(w => splitOurs(cells, w.name)).filter(s => s !== undefined),
      atCommits: ats,
      repeats,
      targets: evaluateTargets(cells, new Set(variants.filter(v => v.patchesSdk).map(v => v.name))),
    };
    write(doc);
    log('');
    for (const t of doc.targets)
      log(`${t.met === undefined ? 'n/a   ' : t.met ? 'met   ' : 'MISSED'} ${t.target}: ${t.measured}`);
    log(
      `\nwrote ${join(outDir, 'RESULTS.md')} (Instructions section) and results-instructions.json (${Math.round(doc.durationSeconds)} s)`,
    );
  } finally {
    for (const relay of relays) relay.stop();
    rmSync(dist, { recursive: true, force: true });
    // BENCH_KEEP_DUMPS=1 keeps callgrind's per-segment dumps (callgrind_annotate reads them).
    if (process.env.BENCH_KEEP_DUMPS === '1') log(`callgrind dumps kept in ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

/** The wall-clock run's CPU figures (bench/results.json next to RESULTS.md), judged against this run. */
function wallClockOf(doc: InstructionsDocument): InstructionsDocument['wallClock'] {
  const file = join(outDir, 'results.json');
  if (!existsSync(file)) return undefined;
  const wall = JSON.parse(readFileSync(file, 'utf8')) as {
    commit: string;
    node: string;
    results: Record<string, Record<string, { cpuAddedUsPerCall?: number; cpuAddedRange?: [number, number] }>>;
  };
  const figures: WallClockFigure[] = [];
  for (const [workload, byVariant] of Object.entries(wall.results)) {
    for (const [variant, r] of Object.entries(byVariant)) {
      if (variant === 'bare' || r.cpuAddedUsPerCall === undefined || !r.cpuAddedRange) continue;
      figures.push({ workload, variant, cpuAddedUs: r.cpuAddedUsPerCall, range: r.cpuAddedRange });
    }
  }
  return { commit: wall.commit, node: wall.node, figures: judgeWallClock(figures, doc.cells) };
}

function write(doc: InstructionsDocument): void {
  mkdirSync(outDir, { recursive: true });
  doc.wallClock = wallClockOf(doc);
  writeFileSync(join(outDir, 'results-instructions.json'), `${JSON.stringify(doc, null, 2)}\n`);
  const file = join(outDir, 'RESULTS.md');
  const existing = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n';
  writeFileSync(file, spliceSection(existing, renderInstructions(doc)));
}

function renderOnly(): void {
  const doc = JSON.parse(readFileSync(join(outDir, 'results-instructions.json'), 'utf8')) as InstructionsDocument;
  write(doc);
  log(`wrote the Instructions section of ${join(outDir, 'RESULTS.md')} from results-instructions.json`);
}

(args['render-only'] ? Promise.resolve().then(renderOnly) : main()).catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
