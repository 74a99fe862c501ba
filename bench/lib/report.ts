/*
 * bench/RESULTS.md from the results document (bench/results.json). Pure: the document in, text out.
 */
import { describeRecorded } from './recorded.ts';
import type { FunctionTime, OursSplit } from './cpu-profile.ts';
import type { MemoryResult, TargetCheck, WorkloadResults } from './targets.ts';
import { formatSize } from './targets.ts';

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  /** 1-minute load average when the run started and when it ended. */
  loadStart: number;
  loadEnd: number;
}

export interface ProfileSummary {
  variant: string;
  workload: string;
  /** Calls the profiled process made (warm-up included). */
  calls: number;
  /** Share of the sampled (non-idle) CPU time spent in our dist/ code and what it called. */
  oursShare: number;
  /** That time split between our own code, the OpenTelemetry SDK it called, and first-use module loading. */
  split?: OursSplit;
  /** Our functions, each charged with what it called (see topUnder). */
  ours: FunctionTime[];
  /** The whole process, self time. */
  top: FunctionTime[];
}

/** Ours' headline figures of an earlier run, for before/after. */
export interface PreviousRun {
  generatedAt: string;
  commit: string;
  ours: Record<string, { throughputRatio: number; cpuAddedUsPerCall: number }>;
}

export interface BenchDocument {
  generatedAt: string;
  durationSeconds: number;
  commit: string;
  /** Files under src/ differ from the commit. */
  dirty: boolean;
  /** Hash of the dist/ the run measured (copied when it started). */
  codeFingerprint: string;
  quick: boolean;
  rounds: number;
  node: string;
  machine: MachineInfo;
  openaiVersion: string;
  packages: Record<string, string>;
  variants: { name: string; title: string; patchesSdk: boolean }[];
  workloads: { name: string; title: string; calls: number; warmup: number; concurrency: number }[];
  results: WorkloadResults;
  memory: MemoryResult[];
  targets: TargetCheck[];
  profiles: ProfileSummary[];
  previous?: PreviousRun;
}

/** A Markdown table; cells are escaped for `|`. The first column is left-aligned, the others right-aligned. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const escape = (cell: string) => cell.replaceAll('|', '\\|').replaceAll('\n', ' ');
  const line = (cells: readonly string[]) => `| ${cells.map(escape).join(' | ')} |`;
  const align = header.map((_, i) => (i === 0 ? ':---' : '---:'));
  return [line(header), line(align), ...rows.map(line)].join('\n');
}

/** Fixed decimals, or `n/a` for a missing or non-finite number. */
export function fixed(n: number | undefined, digits: number): string {
  return n === undefined || !Number.isFinite(n) ? 'n/a' : n.toFixed(digits);
}

/** With an explicit sign: `+12`, `−3` (a true minus sign, so columns read well), `0`. */
export function signed(n: number | undefined, digits: number): string {
  if (n === undefined || !Number.isFinite(n)) return 'n/a';
  const text = Math.abs(n).toFixed(digits);
  if (Number(text) === 0) return text;
  return n > 0 ? `+${text}` : `−${text}`;
}

/** ` (low–high)`; nothing for results written before the bench kept the spread of its rounds. */
function spread(range: readonly [number, number] | undefined, format: (n: number) => string, dash: string): string {
  return range ? ` (${format(range[0])}${dash}${format(range[1])})` : '';
}

function check(met: boolean | undefined): string {
  return met === undefined ? 'n/a' : met ? 'met' : '**missed**';
}

function workloadSection(doc: BenchDocument, workload: BenchDocument['workloads'][number]): string {
  const results = doc.results[workload.name];
  if (!results) return '';
  const rows = doc.variants
    .filter(v => results[v.name])
    .map(v => {
      const r = results[v.name]!;
      const isBare = v.name === 'bare';
      return [
        v.name,
        fixed(r.callsPerSecond, 1),
        isBare ? '1' : `${fixed(r.throughputRatio, 3)}${spread(r.throughputRatioRange, v => fixed(v, 2), '–')}`,
        fixed(r.p50Ms, 2),
        isBare ? '' : signed(r.p50AddedMs, 2),
        fixed(r.p99Ms, 2),
        isBare ? '' : signed(r.p99AddedMs, 2),
        fixed(r.cpuUsPerCall, 0),
        isBare ? '' : `${signed(r.cpuAddedUsPerCall, 0)}${spread(r.cpuAddedRange, v => signed(v, 0), '…')}`,
        fixed(r.maxRssMiB, 1),
        fixed(r.heapAfterMiB, 1),
        r.recorded.spansPerCall === undefined ? (isBare ? '' : 'uncounted') : fixed(r.recorded.spansPerCall, 2),
        isBare ? '' : describeRecorded(r.recorded),
      ];
    });
  return [
    `### ${workload.name}: ${workload.title}`,
    '',
    `${workload.calls} measured calls after ${workload.warmup} warm-up calls, ${workload.concurrency} in flight.`,
    '',
    markdownTable(
      [
        'variant',
        'calls/s',
        '× bare',
        'p50 ms',
        'p50 added',
        'p99 ms',
        'p99 added',
        'CPU µs/call',
        'CPU added',
        'peak RSS MiB',
        'heap after MiB',
        'spans/call',
        'recorded',
      ],
      rows,
    ),
    '',
  ].join('\n');
}

function memorySection(memory: readonly MemoryResult[]): string {
  if (memory.length === 0) return '';
  const rows = memory.map(m => [
    `${m.body === 'sse' ? 'SSE stream' : 'JSON (embeddings)'} ${formatSize(m.targetBytes)}`,
    formatSize(m.bytes),
    fixed(m.inFlightKiB.bare, 0),
    fixed(m.inFlightKiB.ours, 0),
    signed(m.oursInFlightKiB, 0),
    signed(m.afterKiB.bare, 0),
    signed(m.afterKiB.ours, 0),
    fixed(m.wallMs.bare, 0),
    fixed(m.wallMs.ours, 0),
    fixed(m.maxRssMiB.bare, 1),
    fixed(m.maxRssMiB.ours, 1),
    Object.entries(m.oursUsage)
      .map(([k, v]) => `${k.replace('gen_ai.usage.', '')}=${v}`)
      .join(' '),
  ]);
  return [
    '## Memory: one large response through fetch',
    '',
    'The body is read with `fetch` and each chunk dropped, so the heap holds only what undici and the',
    'instrumentation keep. The heap (object spaces only: code and bytecode grow as V8 compiles hot',
    'functions) is read after a full GC before the request, ten times while the body passes, and once',
    'the response has ended. "In flight" is the largest sample minus the heap after the end: what the',
    "open request held (bare: undici's own state). \"Ours keeps\" is ours' in-flight figure minus bare's.",
    '"After" is the heap after the end minus before the request. Medians of ' +
      `${memory[0]!.repetitions} repetitions. The last column is what ours' span recorded for the body.`,
    '',
    markdownTable(
      [
        'response',
        'read',
        'in flight KiB (bare)',
        'in flight KiB (ours)',
        'ours keeps KiB',
        'after KiB (bare)',
        'after KiB (ours)',
        'read ms (bare)',
        'read ms (ours)',
        'RSS MiB (bare)',
        'RSS MiB (ours)',
        'ours recorded',
      ],
      rows,
    ),
    '',
  ].join('\n');
}

function profileSection(profiles: readonly ProfileSummary[]): string {
  if (profiles.length === 0) return '';
  const parts = [
    '## Where ours spends its time',
    '',
    'One extra run of `ours` per workload below under `--cpu-prof` (the profiler slows everything down;',
    'read the shares, not the absolute times). Shares are of the sampled CPU time, idle excluded. In the',
    'first table each sample is charged to the innermost function of `dist/` on its stack, so a',
    "function's figure includes what it called (JSON.parse, the OpenTelemetry SDK); µs/call divides",
    'by the calls the profiled process made. The profiles are kept in `profiles/` (open them in',
    'Chrome DevTools; git-ignored).',
    '',
  ];
  for (const p of profiles) {
    parts.push(`### ${p.workload}: ${(p.oursShare * 100).toFixed(1)}% of the CPU time is under dist/`, '');
    if (p.split) {
      const perCall = (us: number) => fixed(us / p.calls, 1);
      parts.push(
        `Of that, per call: our own code (with the built-ins it calls: JSON.parse, TextDecoder, zlib) ` +
          `${perCall(p.split.ownUs)} µs, the OpenTelemetry SDK and API it calls (span start and end, metric ` +
          `records, context) ${perCall(p.split.openTelemetryUs)} µs, module loading on first use ` +
          `${perCall(p.split.loadingUs)} µs (profiler-inflated figures: compare them with each other).`,
        '',
      );
    }
    parts.push(
      markdownTable(
        ['our function (callees included)', 'share', 'µs/call'],
        p.ours.map(t => [t.function, `${(t.share * 100).toFixed(1)}%`, fixed((t.selfMs * 1000) / p.calls, 1)]),
      ),
      '',
      markdownTable(
        ['whole process (self time)', 'share'],
        p.top.map(t => [t.function, `${(t.share * 100).toFixed(1)}%`]),
      ),
      '',
    );
  }
  return parts.join('\n');
}

function previousSection(doc: BenchDocument): string {
  const previous = doc.previous;
  if (!previous) return '';
  const rows = doc.workloads
    .filter(w => previous.ours[w.name] && doc.results[w.name]?.ours)
    .map(w => {
      const before = previous.ours[w.name]!;
      const after = doc.results[w.name]!.ours!;
      return [
        w.name,
        fixed(before.throughputRatio, 3),
        fixed(after.throughputRatio, 3),
        signed(before.cpuAddedUsPerCall, 0),
        signed(after.cpuAddedUsPerCall, 0),
      ];
    });
  if (rows.length === 0) return '';
  return [
    '## Before and after',
    '',
    `Ours in the previous run (${previous.generatedAt}, commit ${previous.commit}) and in this one.`,
    '',
    markdownTable(['workload', '× bare before', '× bare after', 'CPU added before', 'CPU added after'], rows),
    '',
  ].join('\n');
}

function hasSpread(doc: BenchDocument): boolean {
  return Object.values(doc.results).some(byVariant =>
    Object.values(byVariant).some(r => r.throughputRatioRange !== undefined),
  );
}

/** The whole of bench/RESULTS.md. */
export function renderResults(doc: BenchDocument): string {
  const m = doc.machine;
  const packages = Object.entries(doc.packages)
    .map(([name, version]) => `\`${name}@${version}\``)
    .join(', ');
  return [
    '# Benchmark results',
    '',
    `Written by \`npm run bench${doc.quick ? ' -- --quick' : ''}\` on ${doc.generatedAt} (${Math.round(doc.durationSeconds)} s); ` +
      'do not edit by hand. How it measures: [README.md](README.md). What stands in the way of the missed ' +
      'targets, from the profiles: [NOTES.md](NOTES.md).',
    '',
    markdownTable(
      ['', ''],
      [
        ['machine', `${m.cpu}, ${m.cores} cores, ${fixed(m.memoryGiB, 1)} GiB, ${m.os}`],
        ['load average (1 min) at start / end', `${fixed(m.loadStart, 2)} / ${fixed(m.loadEnd, 2)}`],
        ['Node.js (client and relay)', doc.node],
        [
          'commit',
          `${doc.commit}${doc.dirty ? ' (with uncommitted changes under src/)' : ''}; dist/ measured: ${doc.codeFingerprint}`,
        ],
        ['rounds', `${doc.rounds} (variants alternated, rotated each round; figures are medians over rounds)`],
        ['SDK', `\`openai@${doc.openaiVersion}\` for every variant`],
        ['packages', packages],
      ],
    ),
    '',
    '## Targets',
    '',
    markdownTable(
      ['target', 'measured', ''],
      doc.targets.map(t => [t.target, t.measured, check(t.met)]),
    ),
    '',
    previousSection(doc),
    '## Overhead against bare, per workload',
    '',
    '"× bare": calls per second over bare\'s in the same round. "added": the difference to bare in the',
    ...(hasSpread(doc)
      ? [
          'same round. Both are medians over rounds; in brackets, the lowest and highest round (how much the',
          'rounds disagreed: the machine is shared, so read differences smaller than that spread as noise).',
          "CPU is the client process's user + system time (all threads) over the measured calls.",
        ]
      : ["same round. CPU is the client process's user + system time (all threads) over the measured calls."]),
    'Peak RSS and heap (after GC) are read at the end of the run. "recorded": the GenAI data found on',
    'the spans and metrics the run produced.',
    '',
    ...doc.workloads.map(w => workloadSection(doc, w)),
    memorySection(doc.memory),
    profileSection(doc.profiles),
  ]
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/\n*$/, '\n');
}
