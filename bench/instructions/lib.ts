/*
 * The pure parts of the instruction benchmark (bench/instructions/run.ts): reading callgrind's
 * counts, the median call of each run, the split of ours, per-chunk figures, the targets and the
 * Markdown section. Tested in test/unit/bench/instructions.test.ts.
 */
import { SPIKE_FACTOR, summarisePerCall } from './per-call.ts';
import type { PerCallSummary } from './per-call.ts';

/**
 * One client process counted by callgrind (see client.cjs): after the warm-up, each measured call's
 * count on its own (callgrind dumps after each call), then the gc() that follows them.
 */
export interface CountedRun {
  /** Variant label: a variant name, or `ours@<commit>` for ours built from another commit. */
  label: string;
  workload: string;
  warmup: number;
  /** Instructions of each measured call, in order (the process's whole count between two dumps). */
  callCounts: number[];
  /** The gc() after the measured calls: the garbage they (and the warm-up) left. */
  gcAfter: number;
  /** Events the SDK handed to the app per measured call (streams; 0 otherwise). */
  eventsPerCall: number;
  /** Spans per call by instrumentation scope (undefined: the variant cannot count them). */
  spansByScope?: Record<string, number>;
  /** Prometheus metric families with data at the end (see bench/variants/prometheus-text.cjs). */
  metricFamilies: string[];
  wallSeconds: number;
  /** The whole process's count (`I refs`), start-up and warm-up included. */
  processInstructions?: number;
}

/** The figures of one (variant, workload), from its run. */
export interface Cell {
  label: string;
  workload: string;
  /** Instructions of the median call. */
  perCall: number;
  /** perCall minus bare's on the same workload. */
  added: number;
  /** The median, the ordinary calls and what the spikes add (see per-call.ts). */
  summary: PerCallSummary;
  /** Every instruction of the measured calls and of the gc() after them, per call. */
  allIn: number;
  /** Events per call (streams), to turn per-call figures into per-chunk ones. */
  eventsPerCall: number;
  /** Whether the variant recorded the call (a span of its own or, for ours-register, GenAI metrics). */
  records: boolean | undefined;
  run: CountedRun;
}

/** callgrind's summary line on stderr, e.g. `==123== I   refs:      1,464,478,643`. */
export function parseInstructionCount(stderr: string): number {
  const matches = [...stderr.matchAll(/^==\d+==\s+I\s+refs:\s+([\d,]+)\s*$/gm)];
  const last = matches.at(-1);
  if (!last) throw new Error(`no "I refs" line in callgrind's output:\n${stderr.slice(-2000)}`);
  return Number(last[1]!.replaceAll(',', ''));
}

/** A callgrind dump file's total (its `totals:` line, else `summary:`): the instructions since the dump before. */
export function parseDumpTotal(text: string): number {
  const match = /^totals:\s+(\d+)/m.exec(text) ?? /^summary:\s+(\d+)/m.exec(text);
  if (!match) throw new Error('no totals: line in the callgrind dump');
  return Number(match[1]);
}

/** Scopes of SDKs that trace themselves (present in every variant with a tracer provider). */
const SDK_OWN_SCOPES = /anthropic\.sdk|anthropic-ai/;

/** Variants measured for reference only: they are not instrumentations, so "records nothing" does not apply. */
export const REFERENCE_VARIANTS: ReadonlySet<string> = new Set(['bare', 'sdk-only', 'ours-channels', 'ours-noop']);

/** Whether a run's variant recorded its calls: spans of its own, or GenAI metrics where spans cannot be counted. */
export function recordsCalls(run: CountedRun): boolean | undefined {
  if (REFERENCE_VARIANTS.has(run.label)) return undefined;
  if (run.spansByScope === undefined)
    return run.metricFamilies.some(f => f.startsWith('gen_ai_client_operation_duration'));
  return Object.entries(run.spansByScope).some(([scope, perCall]) => !SDK_OWN_SCOPES.test(scope) && perCall > 0);
}

/** One cell per (label, workload) run; `added` is taken against bare's cell of the workload. */
export function cellsOf(runs: readonly CountedRun[]): Cell[] {
  const cells: Cell[] = [];
  for (const run of runs) {
    if (cells.some(c => c.label === run.label && c.workload === run.workload))
      throw new Error(`${run.label} on ${run.workload}: counted twice`);
    const summary = summarisePerCall(run.callCounts);
    if (summary === undefined) throw new Error(`${run.label} on ${run.workload}: no measured call`);
    const sum = run.callCounts.reduce((a, b) => a + b, 0);
    cells.push({
      label: run.label,
      workload: run.workload,
      perCall: summary.median,
      added: 0,
      summary,
      allIn: (sum + run.gcAfter) / summary.calls,
      eventsPerCall: run.eventsPerCall,
      records: recordsCalls(run),
      run,
    });
  }
  for (const cell of cells) {
    const bare = cells.find(c => c.workload === cell.workload && c.label === 'bare');
    cell.added = bare ? cell.perCall - bare.perCall : Number.NaN;
  }
  return cells;
}

/** Instructions per streamed event; undefined for a workload without events. */
export function perChunk(instructions: number, eventsPerCall: number): number | undefined {
  return eventsPerCall > 0 ? instructions / eventsPerCall : undefined;
}

/** Where ours' added instructions go, per call (see bench/variants/ours-channels.cjs and ours-noop.cjs). */
export interface Split {
  workload: string;
  /** sdk-only − bare: the OpenTelemetry setup (context manager, providers) with no instrumentation. */
  setup: number;
  /** ours-channels − sdk-only: Node and undici publishing to subscribers (and Node 22's tap). */
  node: number;
  /** ours-noop − ours-channels: our own code with no-op providers. */
  own: number;
  /** ours − ours-noop: the OpenTelemetry SDK recording our span and metric points. */
  sdk: number;
  /** ours − bare. */
  total: number;
  eventsPerCall: number;
}

export function splitOurs(cells: readonly Cell[], workload: string): Split | undefined {
  const of = (label: string) => cells.find(c => c.workload === workload && c.label === label)?.perCall;
  const [bare, sdkOnly, channels, noop, ours] = ['bare', 'sdk-only', 'ours-channels', 'ours-noop', 'ours'].map(of);
  if ([bare, sdkOnly, channels, noop, ours].some(v => v === undefined)) return undefined;
  const eventsPerCall = cells.find(c => c.workload === workload && c.label === 'ours')!.eventsPerCall;
  return {
    workload,
    setup: sdkOnly! - bare!,
    node: channels! - sdkOnly!,
    own: noop! - channels!,
    sdk: ours! - noop!,
    total: ours! - bare!,
    eventsPerCall,
  };
}

export interface Target {
  target: string;
  measured: string;
  /** undefined: could not be judged in this run (a variant or workload missing). */
  met: boolean | undefined;
}

/** Small chat: at most this many instructions added per call (the issue's target). */
export const CHAT_ADDED_LIMIT = 400_000;
/** A streamed chunk: at most this many instructions above the undici-span variant's per-chunk cost. */
export const CHUNK_ABOVE_UNDICI_LIMIT = 5_000;

/**
 * The issue's targets: on every workload ours adds no more than any SDK-patching peer that records
 * it; small chat adds ≤ 0.4 M per call; a streamed chunk costs ≤ 5,000 instructions above the
 * undici-span variant's per-chunk figure.
 */
export function evaluateTargets(cells: readonly Cell[], sdkPatching: ReadonlySet<string>): Target[] {
  const targets: Target[] = [];
  const workloads = [...new Set(cells.map(c => c.workload))];
  for (const workload of workloads) {
    const ours = cells.find(c => c.workload === workload && c.label === 'ours');
    if (!ours) continue;
    const peers = cells.filter(c => c.workload === workload && sdkPatching.has(c.label));
    const recording = peers.filter(p => p.records !== false);
    const silent = peers.filter(p => p.records === false).map(p => p.label);
    const silentNote = silent.length ? ` (${silent.join(', ')}: records nothing, not compared)` : '';
    targets.push({
      target: `${workload}: ours adds ≤ every SDK-patching peer`,
      measured:
        `ours ${formatMillions(ours.added)}` +
        (recording.length ? `; ${recording.map(p => `${p.label} ${formatMillions(p.added)}`).join(', ')}` : '') +
        silentNote,
      met: recording.length ? recording.every(p => ours.added <= p.added) : undefined,
    });
  }
  const chat = cells.find(c => c.workload === 'chat' && c.label === 'ours');
  if (chat) {
    targets.push({
      target: `chat: ours adds ≤ ${formatMillions(CHAT_ADDED_LIMIT, false)} instructions per call`,
      measured: formatMillions(chat.added),
      met: chat.added <= CHAT_ADDED_LIMIT,
    });
  }
  for (const workload of workloads) {
    const ours = cells.find(c => c.workload === workload && c.label === 'ours');
    const undici = cells.find(c => c.workload === workload && c.label === 'undici');
    if (!ours || ours.eventsPerCall === 0) continue;
    const oursChunk = perChunk(ours.added, ours.eventsPerCall)!;
    const undiciChunk = undici ? perChunk(undici.added, undici.eventsPerCall) : undefined;
    targets.push({
      target: `${workload}: a chunk costs ours ≤ ${CHUNK_ABOVE_UNDICI_LIMIT.toLocaleString('en-US')} instructions above the undici span's`,
      measured:
        undiciChunk === undefined
          ? `ours ${formatCount(oursChunk)} per chunk (undici not measured)`
          : `ours ${formatCount(oursChunk)}, undici ${formatCount(undiciChunk)} per chunk: ${formatSigned(oursChunk - undiciChunk)}`,
      met: undiciChunk === undefined ? undefined : oursChunk - undiciChunk <= CHUNK_ABOVE_UNDICI_LIMIT,
    });
  }
  return targets;
}

/** 1234567 → "1.23 M" (signed: "+1.23 M"). */
export function formatMillions(n: number, signed = true): string {
  if (!Number.isFinite(n)) return '—';
  const text = `${(n / 1e6).toFixed(2)} M`;
  return signed && n >= 0 ? `+${text}` : text;
}

/** 12345.6 → "12,346". */
export function formatCount(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—';
}

function formatSigned(n: number): string {
  return `${n >= 0 ? '+' : ''}${formatCount(n)}`;
}

/** A measurement of ours built from another commit (--at), next to the working tree's. */
export interface AtCommit {
  commit: string;
  subject: string;
  /** Instructions added over bare per call, by workload (undefined: failed to build or run). */
  added: Record<string, number>;
  error?: string;
}

/** Two measurements of the same code, to show how far a figure repeats. */
export interface Repeat {
  what: string;
  first: number;
  second: number;
}

/** One wall-clock figure of bench/results.json (CPU added per call over bare, median and range of rounds). */
export interface WallClockFigure {
  workload: string;
  variant: string;
  cpuAddedUs: number;
  range: [number, number];
}

export interface WallClockJudgement extends WallClockFigure {
  /** Why the figure is noise, or undefined when it stands. */
  noise: string | undefined;
  /** Instructions added over bare for the same variant and workload in this run (undefined: not measured). */
  instructionsAdded: number | undefined;
}

/**
 * Marks the wall-clock run's "CPU added" figures that cannot be told from noise: the rounds' range
 * includes zero (the variant may add nothing) or is wider than the figure itself.
 */
export function judgeWallClock(figures: readonly WallClockFigure[], cells: readonly Cell[]): WallClockJudgement[] {
  return figures.map(f => {
    const [low, high] = f.range;
    let noise: string | undefined;
    if (low <= 0 && high >= 0) noise = 'rounds range over zero';
    else if (high - low > Math.abs(f.cpuAddedUs)) noise = 'rounds spread wider than the figure';
    const cell = cells.find(c => c.workload === f.workload && c.label === f.variant);
    return { ...f, noise, instructionsAdded: cell?.added };
  });
}

export interface InstructionsDocument {
  generatedAt: string;
  durationSeconds: number;
  commit: string;
  dirty: boolean;
  node: string;
  valgrind: string;
  quick: boolean;
  workloads: { name: string; title: string; warmup: number; calls: number }[];
  variants: { name: string; title: string; patchesSdk: boolean }[];
  cells: Cell[];
  splits: Split[];
  atCommits: AtCommit[];
  repeats: Repeat[];
  targets: Target[];
  /** The committed wall-clock run's CPU figures, judged (filled when the section is written). */
  wallClock?: { commit: string; node: string; figures: WallClockJudgement[] };
}

export const SECTION_START = '<!-- instructions:start (written by `npm run bench -- --instructions`) -->';
export const SECTION_END = '<!-- instructions:end -->';

/** `markdown` with the instructions section replaced by `section` (appended when it has none). */
export function spliceSection(markdown: string, section: string): string {
  const block = `${SECTION_START}\n${section.trimEnd()}\n${SECTION_END}\n`;
  const start = markdown.indexOf(SECTION_START);
  const end = markdown.indexOf(SECTION_END);
  if (start >= 0 && end > start)
    return markdown.slice(0, start) + block + markdown.slice(end + SECTION_END.length).replace(/^\n/, '');
  return `${markdown.trimEnd()}\n\n${block}`;
}

/** The instructions section of `markdown`, markers included, or '' when it has none. */
export function extractSection(markdown: string): string {
  const start = markdown.indexOf(SECTION_START);
  const end = markdown.indexOf(SECTION_END);
  return start >= 0 && end > start ? `${markdown.slice(start, end + SECTION_END.length)}\n` : '';
}

function table(header: string[], rows: string[][], align: string[]): string {
  return [`| ${header.join(' | ')} |`, `| ${align.join(' | ')} |`, ...rows.map(r => `| ${r.join(' | ')} |`)].join('\n');
}

/** The Markdown of the instructions section. */
export function renderInstructions(doc: InstructionsDocument): string {
  const out: string[] = [];
  // The variants in their declared order, then ours at other commits in the order given.
  const order = [...doc.variants.map(v => v.name), ...doc.atCommits.map(a => `ours@${a.commit}`)];
  const rank = (label: string) => (order.includes(label) ? order.indexOf(label) : order.length);
  const labels = [...new Set(doc.cells.map(c => c.label))].sort((a, b) => rank(a) - rank(b));
  const workloads = doc.workloads.filter(w => doc.cells.some(c => c.workload === w.name));
  out.push('## Instructions (valgrind)');
  out.push('');
  out.push(
    `Written by \`npm run bench -- --instructions\` on ${doc.generatedAt} (${Math.round(doc.durationSeconds / 60)} min); do not edit by hand. ` +
      'CPU cost counted in instructions by `valgrind --tool=callgrind` (`node --predictable --predictable-gc-schedule --no-incremental-marking --expose-gc`): ' +
      'after the warm-up, callgrind counts each measured call on its own (it dumps its count after every call), and every figure ' +
      'is the median call. No gc() comes between the warm-up and the measured calls: a full GC with no call in flight makes V8 ' +
      'discard the optimised code of the per-call path, and the calls after it would run unoptimised code (NOTES.md, "One count per stream"). ' +
      'The median leaves out the calls where a major GC or a compilation landed; ' +
      '"all in" under Raw counts keeps them, with the gc() after the measured calls. ' +
      'How it measures and how to read it: [README.md](README.md#instruction-counts).' +
      (doc.quick ? ' **Quick run: too few calls for the figures to mean much.**' : ''),
  );
  out.push('');
  out.push(
    table(
      ['', ''],
      [
        ['commit', `${doc.commit}${doc.dirty ? ' + uncommitted changes in src/' : ''}`],
        ['Node.js', doc.node],
        ['valgrind', doc.valgrind],
        ['calls (warm-up; measured)', workloads.map(w => `${w.name} ${w.warmup}; ${w.calls}`).join(' · ')],
      ],
      [':---', ':---'],
    ),
  );
  out.push('');

  if (doc.targets.length) {
    out.push('### Targets');
    out.push('');
    out.push(
      table(
        ['target', 'measured', ''],
        doc.targets.map(t => [t.target, t.measured, t.met === undefined ? 'n/a' : t.met ? 'met' : '**missed**']),
        [':---', '---:', '---:'],
      ),
    );
    out.push('');
  }

  out.push('### Instructions per call, added over bare');
  out.push('');
  out.push(
    "Millions of instructions in the median call; bare is the absolute figure, every other cell what the variant's median call adds to it. " +
      '"records nothing": the variant made no span of its own on that workload (an SDK-patching peer on an SDK it does not patch); ' +
      'it is not a peer to beat there.',
  );
  out.push('');
  out.push(
    table(
      ['variant', ...workloads.map(w => w.name)],
      labels.map(label => [
        label === 'bare' ? 'bare (absolute)' : label,
        ...workloads.map(w => {
          const cell = doc.cells.find(c => c.label === label && c.workload === w.name);
          if (!cell) return '';
          const figure = label === 'bare' ? formatMillions(cell.perCall, false) : formatMillions(cell.added);
          return cell.records === false ? `${figure} (records nothing)` : figure;
        }),
      ]),
      [':---', ...workloads.map(() => '---:')],
    ),
  );
  out.push('');

  const streamed = workloads.filter(w => doc.cells.some(c => c.workload === w.name && c.eventsPerCall > 0));
  if (streamed.length) {
    out.push('### Per streamed chunk');
    out.push('');
    out.push(
      'Instructions per event the SDK handed to the app (median calls, added over bare, divided by the events per call).',
    );
    out.push('');
    out.push(
      table(
        [
          'variant',
          ...streamed.map(w => `${w.name} (${doc.cells.find(c => c.workload === w.name)!.eventsPerCall} events)`),
        ],
        labels.map(label => [
          label === 'bare' ? 'bare (absolute)' : label,
          ...streamed.map(w => {
            const cell = doc.cells.find(c => c.label === label && c.workload === w.name);
            if (!cell) return '';
            const figure = perChunk(label === 'bare' ? cell.perCall : cell.added, cell.eventsPerCall)!;
            return `${label === 'bare' ? '' : figure >= 0 ? '+' : ''}${formatCount(figure)}${cell.records === false ? ' (records nothing)' : ''}`;
          }),
        ]),
        [':---', ...streamed.map(() => '---:')],
      ),
    );
    out.push('');
  }

  if (doc.splits.length) {
    out.push("### Where ours' instructions go");
    out.push('');
    out.push(
      'setup = sdk-only − bare (the OpenTelemetry setup every instrumented variant has); Node/undici = ours-channels − sdk-only ' +
        "(subscribers to the same diagnostics channels that do nothing: what publishing costs, and Node 22's tap); " +
        'own = ours-noop − ours-channels (our code with no-op tracer and meter providers); ' +
        'SDK = ours − ours-noop (the OpenTelemetry SDK recording our span and metric points). Median calls; per call, and per chunk for streams.',
    );
    out.push('');
    out.push(
      table(
        [
          'workload',
          'setup',
          'Node/undici',
          'own code',
          'SDK recording',
          'total over bare',
          'per chunk: Node/undici',
          'own',
          'SDK',
          'total',
        ],
        doc.splits.map(s => {
          const chunk = (n: number) => (s.eventsPerCall > 0 ? formatCount(n / s.eventsPerCall) : '');
          return [
            s.workload,
            formatMillions(s.setup),
            formatMillions(s.node),
            formatMillions(s.own),
            formatMillions(s.sdk),
            formatMillions(s.total),
            chunk(s.node),
            chunk(s.own),
            chunk(s.sdk),
            chunk(s.total),
          ];
        }),
        [':---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:'],
      ),
    );
    out.push('');
  }

  if (doc.atCommits.length) {
    out.push('### Before and after, per commit');
    out.push('');
    out.push(
      'Ours built from each commit (`--at`), measured in the same run against the same bare; the last column is the step from the row above.',
    );
    out.push('');
    const atWorkloads = workloads.filter(w => doc.atCommits.some(a => a.added[w.name] !== undefined));
    const rows = doc.atCommits.map((at, i) => {
      const previous = doc.atCommits[i - 1];
      return [
        `\`${at.commit}\` ${at.subject}`,
        ...atWorkloads.map(w =>
          at.added[w.name] === undefined ? (at.error ? 'failed' : '') : formatMillions(at.added[w.name]!),
        ),
        ...atWorkloads.map(w => {
          const now = at.added[w.name];
          const before = previous?.added[w.name];
          return now === undefined || before === undefined ? '' : formatMillions(now - before);
        }),
      ];
    });
    out.push(
      table(['commit', ...atWorkloads.map(w => `${w.name} added`), ...atWorkloads.map(w => `${w.name} step`)], rows, [
        ':---',
        ...atWorkloads.map(() => '---:'),
        ...atWorkloads.map(() => '---:'),
      ]),
    );
    const failed = doc.atCommits.filter(a => a.error);
    for (const at of failed) out.push(`\n\`${at.commit}\`: ${at.error}`);
    out.push('');
  }

  if (doc.repeats.length) {
    out.push('### Repeatability');
    out.push('');
    out.push('The same code measured twice in this run (separate processes, separate relays):');
    out.push('');
    out.push(
      table(
        ['measurement', 'first', 'second', 'difference'],
        doc.repeats.map(r => [
          r.what,
          formatCount(r.first),
          formatCount(r.second),
          `${formatSigned(r.second - r.first)} (${(((r.second - r.first) / r.first) * 100).toFixed(2)} %)`,
        ]),
        [':---', '---:', '---:', '---:'],
      ),
    );
    out.push('');
  }

  if (doc.wallClock && doc.wallClock.figures.length) {
    const wall = doc.wallClock;
    out.push('### Wall-clock figures that are noise');
    out.push('');
    out.push(
      `The wall-clock run above (commit ${wall.commit}, Node ${wall.node}) gives CPU µs added per call over bare, the median over rounds ` +
        'with the lowest and highest round. A figure is **noise** when that range includes zero or is wider than the figure: ' +
        'read the instruction counts instead (this run; other commit and Node version, so compare orders of magnitude and rankings, not values).',
    );
    out.push('');
    out.push(
      table(
        [
          'workload',
          'variant',
          'CPU added µs (lowest … highest)',
          'wall-clock figure',
          'instructions added (this run)',
        ],
        wall.figures.map(f => [
          f.workload,
          f.variant,
          `${formatSigned(f.cpuAddedUs)} (${formatCount(f.range[0])} … ${formatCount(f.range[1])})`,
          f.noise ? `**noise**: ${f.noise}` : 'stands',
          f.instructionsAdded === undefined ? '' : formatMillions(f.instructionsAdded),
        ]),
        [':---', ':---', '---:', ':---', '---:'],
      ),
    );
    out.push('');
  }

  out.push('### Raw counts');
  out.push('');
  out.push(
    'Instructions per measured call: the median; the mean of the ordinary calls (below ' +
      `${SPIKE_FACTOR} × the median); all in: every instruction of the measured calls, spikes included, and of the gc() after them, per call.`,
  );
  out.push('');
  out.push(
    table(
      [
        'workload',
        'variant',
        'calls',
        'median',
        'ordinary calls',
        'ordinary mean',
        'all in',
        'events/call',
        'spans/call by scope',
      ],
      [...doc.cells]
        .sort((a, b) => rank(a.label) - rank(b.label))
        .map(c => [
          c.workload,
          c.label,
          String(c.summary.calls),
          formatCount(c.perCall),
          String(c.summary.ordinaryCalls),
          formatCount(c.summary.ordinaryMean),
          formatCount(c.allIn),
          String(c.eventsPerCall),
          c.run.spansByScope === undefined
            ? 'not countable'
            : Object.entries(c.run.spansByScope)
                .map(([scope, n]) => `${scope} ${n.toFixed(2)}`)
                .join(', ') || '0',
        ]),
      [':---', ':---', '---:', '---:', '---:', '---:', '---:', '---:', ':---'],
    ),
  );
  out.push('');
  return `${out.join('\n')}\n`;
}
