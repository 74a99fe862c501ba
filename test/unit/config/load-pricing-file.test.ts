import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, it, expect } from 'vitest';
import { loadPricingFile, MAX_PRICING_FILE_BYTES } from '../../../src/config/load-pricing-file';

describe('loadPricingFile', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'otel-llm-relay-pricing-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a file from disk, BOM included, with messages naming the entry', () => {
    const file = path.join(dir, 'prices.json');
    writeFileSync(file, '\uFEFF{ "models": { "acme": { "input": 1, "output": 2, "colour": "red" } } }');
    const result = loadPricingFile(file);
    expect(result.file?.models?.acme).toEqual({ input: 1, output: 2 });
    expect(result.warnings).toEqual(['models["acme"]: unknown key "colour" ignored']);
  });

  it('returns an error instead of throwing for a missing file or a directory', () => {
    const missing = loadPricingFile(path.join(dir, 'nope.json'));
    expect(missing.file).toBeUndefined();
    expect(missing.errors).toEqual(['cannot be read (ENOENT)']);
    const directory = loadPricingFile(dir);
    expect(directory.file).toBeUndefined();
    expect(directory.errors).toEqual(['is not a regular file (a directory)']);
  });

  it(`refuses a file over ${MAX_PRICING_FILE_BYTES} bytes (1 MiB) without parsing it`, () => {
    const file = path.join(dir, 'huge.json');
    writeFileSync(file, `{ "models": {}, "_pad": "${'x'.repeat(MAX_PRICING_FILE_BYTES)}" }`);
    expect(MAX_PRICING_FILE_BYTES).toBe(1024 * 1024);
    expect(loadPricingFile(file)).toEqual({ errors: ['is larger than the 1048576 bytes allowed'], warnings: [] });
  });

  it.skipIf(process.platform !== 'linux')('refuses a device at once instead of reading it for ever (/dev/zero)', () => {
    expect(loadPricingFile('/dev/zero')).toEqual({ errors: ['is not a regular file (a device)'], warnings: [] });
  });

  it.skipIf(process.platform === 'win32')('refuses a FIFO at once, even with nobody writing to it', () => {
    const fifo = path.join(dir, 'fifo.json');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    expect(loadPricingFile(fifo)).toEqual({ errors: ['is not a regular file (a FIFO)'], warnings: [] });
  });
});
