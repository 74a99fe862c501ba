// `npm run bench`: the overhead benchmark (bench/README.md). Provisions Node 22 (or --node 24/26)
// from the npm registry, builds dist/ when it is missing or older than src/, then runs bench/run.ts
// on that Node. This script itself runs on any Node >= 18. Not part of `npm test`; takes minutes.
//   npm run bench                    full run: writes bench/RESULTS.md and bench/results.json
//   npm run bench -- --quick         one short round, written to a temporary directory
//   npm run bench -- --node 24       another Node version
//   other arguments go to bench/run.ts (--rounds, --variants, --workloads, --no-memory, --profile, --out)
//   npm run bench -- --instructions  the instruction-count benchmark under valgrind (bench/instructions/run.ts,
//                                    Node 24 by default; installs valgrind with scripts/install-valgrind.sh when missing)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_VERSIONS, provisionNode } from './node-versions.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const instructions = args.includes('--instructions');
// The instruction benchmark's figures are taken on Node 24 unless asked otherwise (as in its issue).
let version = instructions ? NODE_VERSIONS.find(v => v.startsWith('24.')) : NODE_VERSIONS[0];
const forwarded = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--instructions') continue;
  if (args[i] === '--node') {
    const wanted = args[++i] ?? '';
    version = NODE_VERSIONS.find(v => v === wanted || v.startsWith(`${wanted}.`));
    if (!version) throw new Error(`--node ${wanted}: not one of ${NODE_VERSIONS.join(', ')}`);
  } else forwarded.push(args[i]);
}

const node = provisionNode(version);
const env = { ...process.env, PATH: `${dirname(node)}:${process.env.PATH}` };

/** Newest modification time of the files under `dir`. */
function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

const built = resolve(root, 'dist/index.js');
if (!existsSync(built) || statSync(built).mtimeMs < newest(resolve(root, 'src'))) {
  console.log('building dist/ (tsc -p tsconfig.build.json)');
  const build = spawnSync(node, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
    env,
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
if (instructions && spawnSync('valgrind', ['--version'], { stdio: 'ignore' }).status !== 0) {
  console.log('valgrind is missing: scripts/install-valgrind.sh');
  const install = spawnSync('sh', [resolve(root, 'scripts/install-valgrind.sh')], { cwd: root, stdio: 'inherit', env });
  if (install.status !== 0) process.exit(install.status ?? 1);
}
const script = instructions ? 'bench/instructions/run.ts' : 'bench/run.ts';
const bench = spawnSync(node, [script, ...forwarded], { cwd: root, stdio: 'inherit', env });
process.exit(bench.status ?? 1);
