/*
 * Summarises the callgrind dumps of a `perCall` client run (bench/README.md, "One count per call"):
 * one dump per call, after the start-up and warm-up dump. Prints, per dump prefix, the median call,
 * the mean of the ordinary calls (below 1.5 × the median) and how much the rest (major GC and
 * compilation landing in a call) adds when spread over every call.
 *
 *   node bench/instructions/per-call-summary.ts [--skip K] /tmp/cg/bare /tmp/cg/ours ...
 *
 * --skip K leaves out the first K calls (default 20: after the gc() that follows the warm-up, V8
 * compiles the per-call path again during some 20 streams; see NOTES.md, "One count per stream").
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDumpTotal } from './lib.ts';
import { summarisePerCall } from './per-call.ts';

const { values, positionals } = parseArgs({
  options: { skip: { type: 'string', default: '20' } },
  allowPositionals: true,
});
const skip = Number(values.skip);
if (positionals.length === 0 || !Number.isInteger(skip) || skip < 0) {
  console.error('usage: node bench/instructions/per-call-summary.ts [--skip K] <dump prefix>...');
  process.exit(2);
}

const millions = (n: number): string => `${(n / 1e6).toFixed(2)} M`;
for (const prefix of positionals) {
  const dir = dirname(prefix);
  const base = basename(prefix);
  // callgrind names them <prefix>.<pid>.<n>; dump 1 is start-up and warm-up.
  const dumps = readdirSync(dir)
    .filter(f => f.startsWith(`${base}.`) && /\.\d+\.\d+$/.test(f))
    .sort((a, b) => Number(a.split('.').at(-1)) - Number(b.split('.').at(-1)))
    .slice(1)
    .map(f => parseDumpTotal(readFileSync(join(dir, f), 'utf8')));
  const summary = summarisePerCall(dumps.slice(skip));
  if (summary === undefined) {
    console.log(`${prefix}: no calls after the first ${skip}`);
    continue;
  }
  console.log(
    `${prefix}: ${summary.calls} calls · median ${millions(summary.median)} · ordinary ${summary.ordinaryCalls}, ` +
      `mean ${millions(summary.ordinaryMean)} · spikes add ${millions(summary.spikesPerCall)} per call · ` +
      `mean of all ${millions(summary.mean)}`,
  );
}
