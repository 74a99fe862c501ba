// `npm test`: build, lint, typecheck, then the vitest suites on every supported Node version
// (provisioned from the npm registry into .node/, see node-versions.mjs). Runs on any Node >= 18.
//   npm test                      everything
//   npm test -- --node 24         one Node version
//   npm test -- --quick           skip build, lint and typecheck
//   npm test -- test/unit/wire    extra arguments go to vitest (file filters, -t "name", ...)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_VERSIONS, provisionNode } from './node-versions.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
let versions = NODE_VERSIONS;
let quick = false;
const vitestArgs = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--node') {
    const wanted = args[++i] ?? '';
    versions = NODE_VERSIONS.filter(v => v === wanted || v.startsWith(`${wanted}.`));
    if (versions.length === 0) throw new Error(`--node ${wanted}: not one of ${NODE_VERSIONS.join(', ')}`);
  } else if (args[i] === '--quick') quick = true;
  else vitestArgs.push(args[i]);
}

const nodes = versions.map(v => ({ version: v, bin: provisionNode(v) }));
const primary = provisionNode(NODE_VERSIONS[0]);
const withNode = bin => ({ ...process.env, PATH: `${dirname(bin)}:${process.env.PATH}` });

function step(title, bin, command, commandArgs) {
  console.log(`\n=== ${title}`);
  const result = spawnSync(bin, [command, ...commandArgs], { cwd: root, stdio: 'inherit', env: withNode(bin) });
  if (result.status !== 0) {
    console.error(`\n${title} failed (exit ${result.status ?? result.signal})`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}

if (!quick) {
  step('build (tsc -p tsconfig.build.json)', primary, 'node_modules/typescript/bin/tsc', ['-p', 'tsconfig.build.json']);
  step('typecheck (tsc --noEmit)', primary, 'node_modules/typescript/bin/tsc', ['-p', 'tsconfig.json']);
  step('lint (eslint)', primary, 'node_modules/eslint/bin/eslint.js', ['.']);
  step('format (prettier --check; `npm run format` fixes it)', primary, 'node_modules/prettier/bin/prettier.cjs', [
    '--check',
    '.',
  ]);
}

let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];
// The failing tests by name, printed again at the very end: CI logs are often read from the tail only.
const failedTests = [];
const reportDir = mkdtempSync(join(tmpdir(), 'vitest-report-'));
for (const { version, bin } of nodes) {
  console.log(`\n=== vitest on Node ${version}`);
  const report = join(reportDir, `${version}.json`);
  const result = spawnSync(
    bin,
    [
      'node_modules/vitest/vitest.mjs',
      'run',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${report}`,
      ...vitestArgs,
    ],
    { cwd: root, stdio: 'inherit', env: withNode(bin) },
  );
  try {
    const summary = JSON.parse(readFileSync(report, 'utf8'));
    passed += summary.numPassedTests;
    failed += summary.numFailedTests;
    // A file that fails to load fails no test: count it, so the summary never says 0 failed on a failing run.
    if (result.status !== 0 && summary.numFailedTests === 0) failed += Math.max(1, summary.numFailedTestSuites ?? 0);
    skipped += summary.numPendingTests + (summary.numTodoTests ?? 0);
    if (result.status !== 0 || summary.numFailedTests > 0) failures.push(version);
    for (const file of summary.testResults ?? []) {
      const where = file.name.startsWith(root) ? file.name.slice(root.length + 1) : file.name;
      if (file.status === 'failed' && !(file.assertionResults ?? []).some(t => t.status === 'failed')) {
        failedTests.push(`Node ${version}: ${where}: ${firstLine(file.message)}`);
      }
      for (const test of file.assertionResults ?? []) {
        if (test.status !== 'failed') continue;
        failedTests.push(`Node ${version}: ${where} > ${test.fullName}: ${firstLine(test.failureMessages?.[0])}`);
      }
    }
  } catch {
    failed += 1;
    failures.push(`${version} (no report)`);
  }
}
rmSync(reportDir, { recursive: true, force: true });
if (failedTests.length) console.log(`\nFailed:\n${failedTests.map(line => `- ${line}`).join('\n')}`);
console.log(`\nNode versions: ${versions.join(', ')}${failures.length ? `; failing on ${failures.join(', ')}` : ''}`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failures.length ? 1 : 0);

function firstLine(message) {
  const line =
    String(message ?? '')
      .split('\n')
      .find(text => text.trim() !== '') ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
