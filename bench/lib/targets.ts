/*
 * The targets of the benchmark issue, checked against a run's figures.
 */
import type { Recorded } from './recorded.ts';
import type { VariantFigures } from './stats.ts';

export interface WorkloadVariantResult extends VariantFigures {
  recorded: Recorded;
}

/** Per workload, per variant. */
export type WorkloadResults = Record<string, Record<string, WorkloadVariantResult>>;

/** One body size read with bare and with ours (medians over repetitions). */
export interface MemoryResult {
  body: 'sse' | 'json';
  targetBytes: number;
  bytes: number;
  /**
   * Per variant: the most the heap held while the body passed, over what it held once the response
   * had ended (data spaces, after a full GC). Bare's figure is undici's own state.
   */
  inFlightKiB: Record<string, number>;
  /** Per variant: heap once the response had ended minus heap before the request. */
  afterKiB: Record<string, number>;
  maxRssMiB: Record<string, number>;
  /** Time to read the body, per variant. */
  wallMs: Record<string, number>;
  /** What ours keeps for the request while the body passes: its in-flight figure minus bare's (paired by repetition, median). */
  oursInFlightKiB: number;
  repetitions: number;
  /** Token counts on ours' span for the big response: proof that it read the body through. */
  oursUsage: Record<string, number>;
}

export interface TargetCheck {
  target: string;
  measured: string;
  /** undefined: could not be checked (a figure is missing). */
  met: boolean | undefined;
}

/** Most memory our instrumentation may keep for one request in flight, whatever the body size. */
export const MAX_IN_FLIGHT_KIB = 64;

/** Peers that patch the SDK and recorded at least one span per call on the workload. */
function recordingPeers(results: Record<string, WorkloadVariantResult>, sdkPatching: ReadonlySet<string>): string[] {
  return Object.keys(results).filter(v => sdkPatching.has(v) && (results[v]!.recorded.spansPerCall ?? 0) >= 0.99);
}

function fmt(n: number, digits: number): string {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}

/**
 * The targets: throughput ratios and CPU per call on small calls and streams, ours at or
 * below every SDK-patching peer's CPU overhead (among peers that recorded something), and the
 * memory ours keeps per request independent of the body size.
 */
export function evaluateTargets(
  workloads: WorkloadResults,
  memory: readonly MemoryResult[],
  sdkPatching: ReadonlySet<string>,
): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const ours = (w: string) => workloads[w]?.ours;

  const chat = ours('chat');
  checks.push({
    target: 'chat: ours ≥ 0.95 × bare throughput',
    measured: chat ? fmt(chat.throughputRatio, 3) : 'not run',
    met: chat ? chat.throughputRatio >= 0.95 : undefined,
  });
  const stream = ours('stream-200');
  checks.push({
    target: 'stream-200: ours ≥ 0.97 × bare throughput',
    measured: stream ? fmt(stream.throughputRatio, 3) : 'not run',
    met: stream ? stream.throughputRatio >= 0.97 : undefined,
  });
  checks.push({
    target: 'chat: CPU added per call < 50 µs',
    measured: chat ? `${fmt(chat.cpuAddedUsPerCall, 0)} µs` : 'not run',
    met: chat ? chat.cpuAddedUsPerCall < 50 : undefined,
  });

  for (const [workload, results] of Object.entries(workloads)) {
    const mine = results.ours;
    if (!mine) continue;
    const peers = recordingPeers(results, sdkPatching);
    const silent = Object.keys(results).filter(v => sdkPatching.has(v) && !peers.includes(v));
    const note = silent.length ? ` (${silent.join(', ')}: no spans, not compared)` : '';
    if (peers.length === 0) {
      checks.push({
        target: `${workload}: ours CPU added ≤ every SDK-patching peer's`,
        measured: `no peer recorded${note}`,
        met: undefined,
      });
      continue;
    }
    const best = Math.min(...peers.map(p => results[p]!.cpuAddedUsPerCall));
    checks.push({
      target: `${workload}: ours CPU added ≤ every SDK-patching peer's`,
      measured:
        `ours ${fmt(mine.cpuAddedUsPerCall, 0)} µs; ` +
        peers.map(p => `${p} ${fmt(results[p]!.cpuAddedUsPerCall, 0)} µs`).join(', ') +
        note,
      met: mine.cpuAddedUsPerCall <= best,
    });
  }

  for (const m of memory) {
    checks.push({
      target: `${m.body} ${formatSize(m.targetBytes)}: ours keeps ≤ ${MAX_IN_FLIGHT_KIB} KiB per request in flight`,
      measured: `${fmt(m.oursInFlightKiB, 0)} KiB`,
      met: Number.isFinite(m.oursInFlightKiB) ? m.oursInFlightKiB <= MAX_IN_FLIGHT_KIB : undefined,
    });
  }
  return checks;
}

/** 1 MB, 100 MB, 512 KB (decimal units, as the sizes are chosen). */
export function formatSize(bytes: number): string {
  if (bytes >= 1_000_000) return `${+(bytes / 1_000_000).toFixed(1)} MB`;
  if (bytes >= 1000) return `${+(bytes / 1000).toFixed(1)} KB`;
  return `${bytes} B`;
}
