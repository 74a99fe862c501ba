import { describe, expect, it } from 'vitest';
import {
  cellsOf,
  evaluateTargets,
  extractSection,
  judgeWallClock,
  parseDumpTotal,
  parseInstructionCount,
  perChunk,
  recordsCalls,
  renderInstructions,
  SECTION_END,
  SECTION_START,
  spliceSection,
  splitOurs,
} from '../../../bench/instructions/lib.ts';
import type { CountedRun, InstructionsDocument } from '../../../bench/instructions/lib.ts';

const CALLGRIND_STDERR = `==8672== Callgrind, a call-graph generating cache profiler
==8672== Copyright (C) 2002-2017, and GNU GPL'd, by Josef Weidendorfer et al.
==8672== Command: node --predictable --expose-gc bench/instructions/client.cjs {}
==8672==
==8672== Events    : Ir
==8672== Collected : 1886406562
==8672==
==8672== I   refs:      1,886,406,562
`;

function run(label: string, workload: string, callCounts: number[], extra: Partial<CountedRun> = {}): CountedRun {
  return {
    label,
    workload,
    warmup: 10,
    callCounts,
    gcAfter: 5_000_000,
    eventsPerCall: 0,
    spansByScope: label === 'bare' ? undefined : { 'otel-llm-relay': 1 },
    metricFamilies: [],
    wallSeconds: 1,
    ...extra,
  };
}

/** A run whose median call is `perCall`: five calls, one of them with a GC step three times its size. */
function counted(label: string, workload: string, perCall: number, extra: Partial<CountedRun> = {}): CountedRun {
  return run(label, workload, [perCall, 0.99 * perCall, 3 * perCall, 1.01 * perCall, perCall], extra);
}

describe('parseInstructionCount', () => {
  it("reads callgrind's I refs line, commas removed", () => {
    expect(parseInstructionCount(CALLGRIND_STDERR)).toBe(1_886_406_562);
  });

  it('takes the last summary when the client printed lines that look alike first', () => {
    const stderr = `I refs: 5\n==1== I   refs:      12\nsome log\n==1== I   refs:      3,400\n`;
    expect(parseInstructionCount(stderr)).toBe(3400);
  });

  it('fails with the output when callgrind printed no count (the client crashed under valgrind)', () => {
    expect(() => parseInstructionCount('==1== Command: node\nError: boom\n')).toThrow(/no "I refs" line[\s\S]*boom/);
  });
});

describe('parseDumpTotal', () => {
  it("reads a callgrind dump's totals line (the instructions since the dump before)", () => {
    const dump = `version: 1\ncreator: callgrind-3.19.0\ndesc: Trigger: --dump-after=v8::internal::GCExtension::GC(...)\nevents: Ir\nsummary: 91602883\n\nfn=(1) main\n0 5\ntotals: 91602883\n`;
    expect(parseDumpTotal(dump)).toBe(91_602_883);
    expect(parseDumpTotal('events: Ir\nsummary: 42\n')).toBe(42);
  });

  it('fails on a file that is not a dump', () => {
    expect(() => parseDumpTotal('hello')).toThrow(/no totals/);
  });
});

describe('cells', () => {
  it('takes the median call of each run and subtracts bare of the same workload', () => {
    const cells = cellsOf([
      counted('bare', 'chat', 3_000_000),
      counted('ours', 'chat', 3_900_000),
      counted('bare', 'stream-200', 30_000_000),
    ]);
    const ours = cells.find(c => c.label === 'ours')!;
    expect(ours.perCall).toBe(3_900_000);
    expect(ours.added).toBeCloseTo(900_000);
    expect(cells.find(c => c.label === 'bare' && c.workload === 'stream-200')!.added).toBe(0);
  });

  it('keeps the spikes and the gc() after the calls in the all-in figure only', () => {
    const cell = cellsOf([run('ours', 'chat', [2e6, 2e6, 8e6, 2e6], { gcAfter: 4e6 })])[0]!;
    expect(cell.perCall).toBe(2e6);
    expect(cell.summary.ordinaryCalls).toBe(3);
    expect(cell.allIn).toBe((2e6 + 2e6 + 8e6 + 2e6 + 4e6) / 4);
  });

  it('refuses a run without measured calls, and the same variant counted twice', () => {
    expect(() => cellsOf([run('ours', 'chat', [])])).toThrow(/no measured call/);
    expect(() => cellsOf([counted('ours', 'chat', 1), counted('ours', 'chat', 2)])).toThrow(/counted twice/);
  });
});

describe('per chunk', () => {
  it('divides by the events per call, and has no figure without events', () => {
    expect(perChunk(2_030_000, 203)).toBe(10_000);
    expect(perChunk(900_000, 0)).toBeUndefined();
  });
});

describe('recordsCalls', () => {
  it('counts only spans of scopes other than a self-tracing SDK', () => {
    expect(
      recordsCalls(
        run('otel-openai', 'anthropic-stream', [1], { spansByScope: { 'com.anthropic.sdk.typescript': 1 } }),
      ),
    ).toBe(false);
    expect(
      recordsCalls(
        run('ours', 'anthropic-stream', [1], {
          spansByScope: { 'com.anthropic.sdk.typescript': 1, 'otel-llm-relay': 1 },
        }),
      ),
    ).toBe(true);
  });

  it('judges a variant whose spans cannot be counted by its GenAI metrics, and reference variants not at all', () => {
    expect(
      recordsCalls(
        run('ours-register', 'chat', [1], {
          spansByScope: undefined,
          metricFamilies: ['gen_ai_client_operation_duration'],
        }),
      ),
    ).toBe(true);
    expect(recordsCalls(run('ours-register', 'chat', [1], { spansByScope: undefined, metricFamilies: [] }))).toBe(
      false,
    );
    expect(recordsCalls(run('sdk-only', 'chat', [1], { spansByScope: {} }))).toBeUndefined();
  });
});

describe('splitOurs', () => {
  it('splits ours over bare into setup, Node/undici, own code and SDK recording', () => {
    const cells = cellsOf([
      counted('bare', 'chat', 3_000_000),
      counted('sdk-only', 'chat', 3_190_000),
      counted('ours-channels', 'chat', 3_250_000),
      counted('ours-noop', 'chat', 3_570_000),
      counted('ours', 'chat', 4_010_000),
    ]);
    const split = splitOurs(cells, 'chat')!;
    expect(split.setup).toBeCloseTo(190_000);
    expect(split.node).toBeCloseTo(60_000);
    expect(split.own).toBeCloseTo(320_000);
    expect(split.sdk).toBeCloseTo(440_000);
    expect(split.setup + split.node + split.own + split.sdk).toBeCloseTo(split.total);
  });

  it('has no split when a part of it was not measured', () => {
    expect(splitOurs(cellsOf([counted('bare', 'chat', 1), counted('ours', 'chat', 2)]), 'chat')).toBeUndefined();
  });
});

describe('evaluateTargets', () => {
  const peers = new Set(['otel-openai', 'traceloop']);
  const streamEvents = { eventsPerCall: 200 };

  it('meets the peer, chat and chunk targets when ours is below each limit', () => {
    const cells = cellsOf([
      counted('bare', 'chat', 3_000_000),
      counted('ours', 'chat', 3_350_000),
      counted('otel-openai', 'chat', 3_400_000),
      counted('traceloop', 'chat', 3_350_000),
      counted('bare', 'stream-200', 30_000_000, streamEvents),
      counted('ours', 'stream-200', 32_000_000, streamEvents),
      counted('undici', 'stream-200', 31_200_000, streamEvents),
    ]);
    const targets = evaluateTargets(cells, peers);
    expect(targets.find(t => t.target.startsWith('chat: ours adds ≤ every'))!.met).toBe(true);
    expect(targets.find(t => t.target.startsWith('chat: ours adds ≤ 0.40 M'))).toMatchObject({
      met: true,
      measured: '+0.35 M',
    });
    // (2.0 M − 1.2 M) / 200 = 4,000 per chunk above undici.
    expect(targets.find(t => t.target.startsWith('stream-200: a chunk'))).toMatchObject({
      met: true,
      measured: 'ours 10,000, undici 6,000 per chunk: +4,000',
    });
  });

  it('misses when ours adds more than one recording peer, more than 0.4 M on chat, or 5,000 per chunk above undici', () => {
    const cells = cellsOf([
      counted('bare', 'chat', 3_000_000),
      counted('ours', 'chat', 3_900_000),
      counted('otel-openai', 'chat', 3_340_000),
      counted('traceloop', 'chat', 3_170_000),
      counted('bare', 'stream-200', 30_000_000, streamEvents),
      counted('ours', 'stream-200', 32_200_000, streamEvents),
      counted('undici', 'stream-200', 31_000_000, streamEvents),
    ]);
    const targets = evaluateTargets(cells, peers);
    expect(targets.filter(t => t.met === false).map(t => t.target.split(':')[0])).toEqual([
      'chat',
      'chat',
      'stream-200',
    ]);
  });

  it('does not compare ours with a peer that records nothing on the workload', () => {
    const silent = { spansByScope: { 'com.anthropic.sdk.typescript': 1 } };
    const cells = cellsOf([
      counted('bare', 'anthropic-stream', 30_000_000),
      counted('ours', 'anthropic-stream', 33_000_000),
      counted('otel-openai', 'anthropic-stream', 30_100_000, silent),
    ]);
    const target = evaluateTargets(cells, peers).find(t => t.target.startsWith('anthropic-stream: ours adds'))!;
    expect(target.met).toBeUndefined();
    expect(target.measured).toContain('otel-openai: records nothing, not compared');
  });
});

describe('the RESULTS.md section', () => {
  const cells = cellsOf([
    counted('bare', 'chat', 3_000_000),
    counted('ours', 'chat', 3_900_000),
    counted('traceloop', 'chat', 3_170_000),
    counted('bare', 'gemini-stream', 30_000_000, { eventsPerCall: 200 }),
    counted('traceloop', 'gemini-stream', 30_010_000, { eventsPerCall: 200, spansByScope: {} }),
  ]);
  const doc: InstructionsDocument = {
    generatedAt: '2026-12-05T08:00:00.000Z',
    durationSeconds: 1200,
    commit: 'abc1234',
    dirty: false,
    node: 'v24.21.0',
    valgrind: 'valgrind-3.19.0',
    quick: false,
    workloads: [
      { name: 'chat', title: 'small chat', warmup: 60, calls: 100 },
      { name: 'gemini-stream', title: 'gemini', warmup: 8, calls: 100 },
    ],
    variants: [],
    cells,
    splits: [],
    atCommits: [
      { commit: '5ee60b2', subject: 'before', added: { chat: 800_000 } },
      { commit: 'fc7ca1a', subject: 'after', added: { chat: 900_000 } },
      { commit: 'deadbee', subject: 'broken', added: {}, error: 'did not build: TS2304' },
    ],
    repeats: [{ what: 'chat: ours', first: 3_900_000, second: 3_903_900 }],
    targets: evaluateTargets(cells, new Set(['traceloop'])),
  };
  const markdown = renderInstructions(doc);

  it('shows bare absolute, the others added, silent peers as recording nothing, per-chunk figures and verdicts', () => {
    expect(markdown).toContain('| bare (absolute) | 3.00 M | 30.00 M |');
    expect(markdown).toContain('| ours | +0.90 M |  |');
    expect(markdown).toContain('| traceloop | +0.17 M | +0.01 M (records nothing) |');
    expect(markdown).toContain('| bare (absolute) | 150,000 |');
    // Raw counts: the median, the four ordinary calls, and all in with the spike and the gc() after.
    expect(markdown).toContain('| chat | ours | 5 | 3,900,000 | 4 | 3,900,000 | 6,460,000 | 0 | otel-llm-relay 1.00 |');
    expect(markdown).toMatch(
      /chat: ours adds ≤ every SDK-patching peer \| ours \+0\.90 M; traceloop \+0\.17 M \| \*\*missed\*\*/,
    );
  });

  it('shows each commit with its step from the one before, and which failed to build', () => {
    expect(markdown).toContain('| `5ee60b2` before | +0.80 M |  |');
    expect(markdown).toContain('| `fc7ca1a` after | +0.90 M | +0.10 M |');
    expect(markdown).toContain('| `deadbee` broken | failed |  |');
    expect(markdown).toContain('`deadbee`: did not build: TS2304');
    expect(markdown).toContain('| chat: ours | 3,900,000 | 3,903,900 | +3,900 (0.10 %) |');
  });

  it('replaces its own section of RESULTS.md and leaves the wall-clock sections alone', () => {
    const wallClock = '# Benchmark results\n\n## Targets\n\nwall-clock table\n';
    const once = spliceSection(wallClock, markdown);
    expect(once.startsWith(wallClock)).toBe(true);
    const twice = spliceSection(once, '## Instructions (valgrind)\n\nnew figures\n');
    expect(twice).toContain('wall-clock table');
    expect(twice).toContain('new figures');
    expect(twice).not.toContain('3.00 M');
    expect(twice.split(SECTION_START)).toHaveLength(2);
    expect(extractSection(twice)).toBe(`${SECTION_START}\n## Instructions (valgrind)\n\nnew figures\n${SECTION_END}\n`);
    expect(extractSection(wallClock)).toBe('');
  });
});

describe('judgeWallClock', () => {
  const cells = cellsOf([
    counted('bare', 'chat', 3_000_000),
    counted('ours', 'chat', 3_900_000),
    counted('traceloop', 'chat', 3_170_000),
  ]);

  it('marks figures whose rounds range over zero or spread wider than the figure, keeps the others', () => {
    const judged = judgeWallClock(
      [
        { workload: 'chat', variant: 'ours', cpuAddedUs: 838, range: [218, 1617] },
        { workload: 'chat', variant: 'traceloop', cpuAddedUs: 250, range: [-300, 700] },
        { workload: 'chat', variant: 'otel-openai', cpuAddedUs: 539, range: [400, 700] },
      ],
      cells,
    );
    expect(judged.map(j => j.noise)).toEqual([
      'rounds spread wider than the figure',
      'rounds range over zero',
      undefined,
    ]);
    expect(judged[0]!.instructionsAdded).toBeCloseTo(900_000);
    expect(judged[2]!.instructionsAdded).toBeUndefined();
  });
});
