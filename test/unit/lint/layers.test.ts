/*
 * The layer rule (eslint.layers.mjs) fires on an import that points up the pipeline and stays quiet
 * on one that points down, for folders and for the files at the root of src/.
 */
import path from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { LAYERS, layerRules } from '../../../eslint.layers.mjs';

const root = path.resolve(__dirname, '../../..');
const eslint = new ESLint({
  cwd: root,
  overrideConfigFile: true,
  overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } }, ...layerRules()],
});

async function lintErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return result!.messages.map(m => `${m.ruleId}: ${m.message}`);
}

const importErrors = (file: string, specifier: string) =>
  lintErrors(file, `import { x } from '${specifier}';\nexport const y = x;\n`);
const dynamicImportErrors = (file: string, specifier: string) =>
  lintErrors(file, `export const load = () => import('${specifier}');\n`);

describe('layer rule', () => {
  it.each([
    ['src/wire/x.ts', '../telemetry/semconv'],
    ['src/wire/x.ts', '../instrumentation'],
    ['src/pricing/x.ts', '../config'],
    ['src/http/x.ts', '../wire/types'],
    ['src/hook/x.ts', '../telemetry/metrics'],
    ['src/telemetry/x.ts', '../hook/llm-call'],
    ['src/probe/x.ts', '../instrumentation'],
    ['src/instrumentation.ts', './sdk/start-sdk'],
    ['src/types.ts', './index.js'],
  ])('%s may not import %s', async (file, specifier) => {
    const errors = await importErrors(file, specifier);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^no-restricted-imports: .*docs\/ARCHITECTURE\.md/);
    // The same through import(): the specifier's slashes are no trouble for the selector.
    const dynamic = await dynamicImportErrors(file, specifier);
    expect(dynamic).toHaveLength(1);
    expect(dynamic[0]).toMatch(/^no-restricted-syntax: .*docs\/ARCHITECTURE\.md/);
  });

  it.each([
    ['src/wire/x.ts', './types'],
    ['src/wire/x.ts', './index'],
    ['src/pricing/x.ts', '../wire/types'],
    ['src/probe/x.ts', '../config/env'],
    ['src/probe/x.ts', '../telemetry/rate-limit-gauges'],
    ['src/instrumentation.ts', './hook/llm-call'],
    ['src/sdk/x.ts', '../instrumentation'],
    ['src/cli.ts', './sdk/probe-exporter.js'],
  ])('%s may import %s', async (file, specifier) => {
    expect(await importErrors(file, specifier)).toEqual([]);
    expect(await dynamicImportErrors(file, specifier)).toEqual([]);
  });

  it('names every folder and root module of src/ exactly once', async () => {
    const { readdirSync } = await import('node:fs');
    const present = readdirSync(path.join(root, 'src'), { withFileTypes: true }).map(entry =>
      entry.isDirectory() ? `${entry.name}/` : entry.name.replace(/\.ts$/, ''),
    );
    const named = LAYERS.flatMap(layer => layer.modules);
    expect(new Set(named).size).toBe(named.length);
    expect(present.filter(module => !named.includes(module))).toEqual([]);
  });
});
