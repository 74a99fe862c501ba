/*
 * Summarises the callgrind dumps of instruction-bench runs kept with BENCH_KEEP_DUMPS=1
 * (bench/README.md, "Instruction counts"): the start-up and warm-up dump, one dump per measured
 * call, then the gc() after them. Prints, per dump prefix, the median call, the mean of the ordinary
 * calls (below 1.5 × the median) and how much the rest (a major GC or a compilation landing in a
 * call) adds when spread over every call.
 *
 *   node bench/instructions/per-call-summary.ts [--skip K] <dump prefix>...
 *
 * --skip K leaves out the first K measured calls (default 0), to see whether the warm-up was long
 * enough: the median should not move.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDumpTotal } from './lib.ts';
import { summarisePerCall } from './per-call.ts';

const { values, positionals } = parseArgs({
  options: { skip: { type: 'string', default: '0' } },
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
  // callgrind names them <prefix>.<pid>.<n>; the first is start-up and warm-up, the last the gc().
  const dumps = readdirSync(dir)
    .filter(f => f.startsWith(`${base}.`) && /\.\d+\.\d+$/.test(f))
    .sort((a, b) => Number(a.split('.').at(-1)) - Number(b.split('.').at(-1)))
    .slice(1, -1)
    .map(f => parseDumpTotal(readFileSync(join(dir, f), 'utf8')));
  const summary = summarisePerCall(dumps.slice(skip));
  if (summary === undefined) {
    console.log(`${prefix}: no calls after the first ${skip}`);
    continue;
  }
  console.log(
    `${prefix}: ${summary.calls} calls · median ${millions(summary.median)} (${summary.median.toLocaleString('en')}) · ordinary ${summary.ordinaryCalls}, ` +
      `mean ${millions(summary.ordinaryMean)} · spikes add ${millions(summary.spikesPerCall)} per call · ` +
      `mean of all ${millions(summary.mean)}`,
  );
}
