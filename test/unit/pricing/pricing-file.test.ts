import { describe, it, expect } from 'vitest';
import { parsePricingFile } from '../../../src/pricing/pricing-file';

describe('parsePricingFile', () => {
  it('reads the contract format', () => {
    const { file, errors, warnings } = parsePricingFile(
      '{ "models": { "gpt-4.1": { "input": 1.5, "output": 6 } }, "hosts": { "Relay.Example.com:8443": { "multiplier": 0.8 } } }',
    );
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(file).toEqual({
      models: { 'gpt-4.1': { input: 1.5, output: 6 } },
      hosts: { 'relay.example.com:8443': { multiplier: 0.8 } },
    });
  });

  it('reads snake_case cache keys into the camelCase ones', () => {
    const { file } = parsePricingFile(
      '{ "models": { "m": { "input": 1, "output": 2, "cached_input": 0.1, "cache_write": 1.25 } } }',
    );
    expect(file?.models?.m).toEqual({ input: 1, output: 2, cachedInput: 0.1, cacheWrite: 1.25 });
  });

  it('reports bad JSON and keeps nothing', () => {
    const result = parsePricingFile('{ "models": { "m": { "input": 1, } }');
    expect(result.file).toBeUndefined();
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatch(/^pricing file: not valid JSON/);
  });

  // A file given by mistake (an .env, a credentials JSON) may hold a key: no message quotes it.
  it.each([
    ['a bare token', '{ "models": {}, "apiKey": sk-live-Secret0123456789 }', 'an unexpected character'],
    ['a missing comma', '{\n  "apiKey": "sk-live-Secret0123456789"\n  "models": {}\n}', 'at line 3, column 3'],
    ['an unterminated string', '{ "apiKey": "sk-live-Secret0123456789', 'at line 1, column 38'],
    ['a cut file', '{ "apiKey": "sk-live-Secret0123456789", ', 'at line 1, column 41'],
  ])('a syntax error after %s says where, never what the file says', (_what, text, place) => {
    const { errors } = parsePricingFile(text);
    expect(errors).toEqual([`pricing file: not valid JSON (${place})`]);
    expect(errors.join('\n')).not.toContain('sk-live');
  });

  it('says what a misplaced string is, not what it says', () => {
    const { errors } = parsePricingFile(
      '{ "models": { "m": { "input": "sk-live-Secret0123456789", "output": 1 } }, "hosts": "sk-live-Other" }',
    );
    expect(errors.join('\n')).not.toContain('sk-live');
    expect(errors).toContain(
      'pricing file: models["m"].input: expected a number ≥ 0 (USD per 1M tokens), got a string',
    );
    expect(parsePricingFile('"sk-live-Secret0123456789"').errors.join('\n')).not.toContain('sk-live');
  });

  it('reports a top level that is not an object', () => {
    const result = parsePricingFile('[1, 2]');
    expect(result.file).toBeUndefined();
    expect(result.errors[0]).toMatch(/expected a JSON object.*got an array/);
  });

  it('leaves out entries with negative, non-numeric or missing prices, and keeps the valid ones', () => {
    // Written as text: 1e400 has no JSON.stringify form, and JSON.parse reads it as Infinity.
    const { file, errors } = parsePricingFile(`{ "models": {
      "negative": { "input": -0.5, "output": 1 },
      "text": { "input": "2.5", "output": 10 },
      "infinite": { "input": 1, "output": 1e400 },
      "no-output": { "input": 1 },
      "not-an-object": 3,
      "good": { "input": 1, "output": 2 }
    } }`);
    expect(Object.keys(file?.models ?? {})).toEqual(['good']);
    expect(errors).toEqual([
      'pricing file: models["negative"].input: expected a number ≥ 0 (USD per 1M tokens), got -0.5',
      'pricing file: models["text"].input: expected a number ≥ 0 (USD per 1M tokens), got a string',
      'pricing file: models["infinite"].output: expected a number ≥ 0 (USD per 1M tokens), got Infinity',
      'pricing file: models["no-output"]: "output" is required (USD per 1M tokens)',
      'pricing file: models["not-an-object"]: expected an object with "input" and "output" prices, got 3',
    ]);
  });

  it('warns about unknown keys but keeps the entry; comment keys pass silently', () => {
    const { file, errors, warnings } = parsePricingFile(
      JSON.stringify({
        $schema: 'x',
        _comment: 'prices of our relay',
        model: {},
        models: { m: { input: 1, output: 2, reasoning: 3, _note: 'list price', source: 'https://example.com' } },
        hosts: { 'relay.example.com': { multiplier: 0.5, currency: 'CNY' } },
      }),
    );
    expect(errors).toEqual([]);
    expect(file?.models?.m).toEqual({ input: 1, output: 2 });
    expect(warnings).toEqual([
      'pricing file: unknown key "model" ignored',
      'pricing file: models["m"]: unknown key "reasoning" ignored',
      'pricing file: hosts["relay.example.com"]: unknown key "currency" ignored',
    ]);
  });

  it('warns when both spellings of a key are given and uses the camelCase one', () => {
    const { file, warnings } = parsePricingFile(
      '{ "models": { "m": { "input": 1, "output": 2, "cachedInput": 0.2, "cached_input": 0.3 } } }',
    );
    expect(file?.models?.m.cachedInput).toBe(0.2);
    expect(warnings).toEqual([
      'pricing file: models["m"]: both "cachedInput" and "cached_input" given; using "cachedInput"',
    ]);
  });

  it('rejects host entries without a usable multiplier or host', () => {
    const { file, errors } = parsePricingFile(
      JSON.stringify({
        hosts: { 'a.example.com': { multiplier: 'half' }, 'b.example.com': {}, 'bad host/x': { multiplier: 1 } },
      }),
    );
    expect(file?.hosts).toEqual({});
    expect(errors).toEqual([
      'pricing file: hosts["a.example.com"].multiplier: expected a number ≥ 0, got a string',
      'pricing file: hosts["b.example.com"].multiplier: expected a number ≥ 0, got undefined',
      'pricing file: hosts["bad host/x"]: expected a host, host:port or origin URL',
    ]);
  });

  it('reports "models" of the wrong type', () => {
    const { file, errors } = parsePricingFile('{ "models": ["gpt-4.1"] }');
    expect(file).toEqual({});
    expect(errors).toEqual(['pricing file: "models" must be an object keyed by model name, got an array']);
  });
});
