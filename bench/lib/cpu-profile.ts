/*
 * Reads a V8 CPU profile (`node --cpu-prof`) into "where did the time go": self time per function,
 * and the share of all samples spent under files matching a pattern (e.g. our dist/).
 */

/** The parts of a .cpuprofile this module reads. */
export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
    hitCount?: number;
    children?: number[];
  }[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface FunctionTime {
  /** `name (file:line)`, the file relative to `root` when under it. */
  function: string;
  selfMs: number;
  /** Self time as a share (0..1) of all sampled time, idle excluded. */
  share: number;
}

/** Time per node id: the sum of the time deltas of the samples that hit it. */
function timePerNode(profile: CpuProfile): Map<number, number> {
  const time = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  if (samples.length > 0) {
    // timeDeltas[i] is the time before sample i; the time after the last sample is unknown.
    for (let i = 0; i < samples.length; i++) {
      const next = deltas[i + 1] ?? 0;
      time.set(samples[i]!, (time.get(samples[i]!) ?? 0) + Math.max(0, next));
    }
    return time;
  }
  // Profiles without samples: spread the duration by hit count.
  const hits = profile.nodes.reduce((sum, n) => sum + (n.hitCount ?? 0), 0);
  const per = hits === 0 ? 0 : (profile.endTime - profile.startTime) / hits;
  for (const node of profile.nodes) time.set(node.id, (node.hitCount ?? 0) * per);
  return time;
}

function label(frame: CpuProfile['nodes'][number]['callFrame'], root: string): string {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return name;
  let file = frame.url.startsWith('file://') ? frame.url.slice('file://'.length) : frame.url;
  if (root && file.startsWith(root)) file = file.slice(root.length).replace(/^\//, '');
  return `${name} (${file}:${frame.lineNumber + 1})`;
}

/**
 * The functions with the most self time, most first. Idle time is left out of the total, so shares
 * are of the time the process was running JavaScript, GC or native code.
 */
export function topFunctions(profile: CpuProfile, limit: number, root = ''): FunctionTime[] {
  const time = timePerNode(profile);
  const byFunction = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const us = time.get(node.id) ?? 0;
    // The process waiting for I/O is not a cost; '(program)' (native code) and GC are.
    if (node.callFrame.functionName === '(idle)') continue;
    total += us;
    const key = label(node.callFrame, root);
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  }
  return [...byFunction]
    .map(([fn, us]) => ({ function: fn, selfMs: us / 1000, share: total === 0 ? 0 : us / total }))
    .sort((a, b) => b.selfMs - a.selfMs)
    .slice(0, limit);
}

/**
 * Where code from files matching `pattern` spends time, callees included: each sample is charged to
 * the innermost frame on its stack whose file matches (so JSON.parse or an SDK call made by one of
 * our functions counts for that function). Most first; shares are of all non-idle sampled time.
 */
export function topUnder(profile: CpuProfile, pattern: RegExp, limit: number, root = ''): FunctionTime[] {
  const time = timePerNode(profile);
  const byId = new Map(profile.nodes.map(n => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const charged = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const us = time.get(node.id) ?? 0;
    if (us === 0 || node.callFrame.functionName === '(idle)') continue;
    total += us;
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)!.callFrame;
      if (pattern.test(frame.url)) {
        const key = label(frame, root);
        charged.set(key, (charged.get(key) ?? 0) + us);
        break;
      }
    }
  }
  return [...charged]
    .map(([fn, us]) => ({ function: fn, selfMs: us / 1000, share: total === 0 ? 0 : us / total }))
    .sort((a, b) => b.selfMs - a.selfMs)
    .slice(0, limit);
}

/**
 * Share (0..1) of the non-idle sampled time whose stack includes a frame from a file whose URL
 * matches `pattern` (inclusive time), e.g. everything our instrumentation ran, callees included.
 */
export function inclusiveShare(profile: CpuProfile, pattern: RegExp): number {
  const time = timePerNode(profile);
  const byId = new Map(profile.nodes.map(n => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  let total = 0;
  let matched = 0;
  for (const node of profile.nodes) {
    const us = time.get(node.id) ?? 0;
    if (us === 0 || node.callFrame.functionName === '(idle)') continue;
    total += us;
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      if (pattern.test(byId.get(id)!.callFrame.url)) {
        matched += us;
        break;
      }
    }
  }
  return total === 0 ? 0 : matched / total;
}

/** The time spent under our code (see `inclusiveShare`), split by who did the work. */
export interface OursSplit {
  /** Our own functions and the runtime built-ins they called (JSON.parse, TextDecoder, zlib…), µs. */
  ownUs: number;
  /** OpenTelemetry packages our code called (span start and end, metric records, context), µs. */
  openTelemetryUs: number;
  /** Loading and compiling modules our code required on first use (once per process), µs. */
  loadingUs: number;
}

const OPENTELEMETRY_URL = /\/node_modules\/@opentelemetry\//;
const MODULE_LOADING = /^node:internal\/(modules|bootstrap)\//;

/**
 * Splits the samples whose stack includes a frame matching `ours`: charged to OpenTelemetry when
 * the innermost frame that is either ours or OpenTelemetry's is OpenTelemetry's, to module loading
 * when a module loader frame lies between the leaf and our code, else to our own code.
 */
export function splitUnder(profile: CpuProfile, ours: RegExp): OursSplit {
  const time = timePerNode(profile);
  const byId = new Map(profile.nodes.map(n => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const split: OursSplit = { ownUs: 0, openTelemetryUs: 0, loadingUs: 0 };
  for (const node of profile.nodes) {
    const us = time.get(node.id) ?? 0;
    if (us === 0 || node.callFrame.functionName === '(idle)') continue;
    let openTelemetry = false;
    let loading = false;
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const url = byId.get(id)!.callFrame.url;
      // Our package may sit under node_modules too (the bench's copy): test it first.
      if (ours.test(url)) {
        split[loading ? 'loadingUs' : openTelemetry ? 'openTelemetryUs' : 'ownUs'] += us;
        break;
      }
      if (MODULE_LOADING.test(url)) loading = true;
      else if (OPENTELEMETRY_URL.test(url)) openTelemetry = true;
    }
  }
  return split;
}
