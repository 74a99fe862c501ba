// `npm run demo`: builds the package if needed and runs examples/demo/run-demo.ts on Node 22
// (provisioned from the npm registry; this script itself runs on any Node >= 18).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_VERSIONS, provisionNode } from './node-versions.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const node = provisionNode(NODE_VERSIONS[0]);
const env = { ...process.env, PATH: `${dirname(node)}:${process.env.PATH}` };
if (!existsSync(resolve(root, 'dist/register.js'))) {
  const build = spawnSync(node, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
    env,
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
const demo = spawnSync(node, ['examples/demo/run-demo.ts', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env,
});
process.exit(demo.status ?? 1);
