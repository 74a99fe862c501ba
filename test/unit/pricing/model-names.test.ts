import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it, expect } from 'vitest';
import {
  canonicalModelName,
  isKnownModel,
  isSubstitution,
  MAX_REMEMBERED_VERDICTS,
  modelFamily,
  normalizeModelForLookup,
  SubstitutionCheck,
} from '../../../src/pricing/model-names';
import { PriceBook } from '../../../src/pricing/price-book';
import { FIXTURES_DIR } from '../../support/llm-wire-fixtures';

describe('normalizeModelForLookup', () => {
  it.each([
    ['gpt-4.1-2025-04-14', 'gpt-4-1'],
    ['GPT-4.1-Mini', 'gpt-4-1-mini'],
    ['openai/gpt-4.1', 'gpt-4-1'],
    ['models/gemini-2.5-flash', 'gemini-2-5-flash'],
    ['gemini-2.5-flash-001', 'gemini-2-5-flash'],
    ['gemini-2.5-flash-preview-05-20', 'gemini-2-5-flash'],
    ['gemini-2.5-flash-lite-preview-09-2025', 'gemini-2-5-flash-lite'],
    ['claude-sonnet-4-5-20250929', 'claude-sonnet-4-5'],
    ['claude-sonnet-4.5', 'claude-sonnet-4-5'],
    ['claude-sonnet-4-0', 'claude-sonnet-4'],
    ['claude-3-5-sonnet@20240620', 'claude-sonnet-3-5'],
    ['claude-3-7-sonnet-latest', 'claude-sonnet-3-7'],
    ['anthropic/claude-4.5-sonnet-20250929', 'claude-sonnet-4-5'],
    ['us.anthropic.claude-sonnet-4-5-20250929-v1:0', 'claude-sonnet-4-5'],
    ['mistral-large-latest', 'mistral-large'],
    ['accounts/fireworks/models/llama-v3p3-70b-instruct', 'llama-v3p3-70b-instruct'],
  ])('%s → %s', (name, expected) => {
    expect(normalizeModelForLookup(name)).toBe(expected);
  });

  it('keeps snapshot suffixes in the canonical (exact-match) form', () => {
    expect(canonicalModelName('OpenAI/GPT-4o-2024-05-13')).toBe('gpt-4o-2024-05-13');
  });
});

describe('price lookup by model name', () => {
  const book = PriceBook.create();
  const keyOf = (name: string) => book.lookup(name)?.key;

  it('finds dated snapshots, prefixed and differently cased names under their model', () => {
    expect(keyOf('gpt-4.1-2025-04-14')).toBe('gpt-4.1');
    expect(keyOf('openai/GPT-4.1')).toBe('gpt-4.1');
    expect(keyOf('models/gemini-2.5-flash')).toBe('gemini-2.5-flash');
    expect(keyOf('claude-sonnet-4.5')).toBe('claude-sonnet-4-5');
    expect(keyOf('claude-haiku-4-5-20251001')).toBe('claude-haiku-4-5');
    expect(keyOf('claude-3-5-sonnet-20240620')).toBe('claude-3-5-sonnet');
  });

  it('prefers the longest matching name: gpt-4.1-mini snapshots are priced as gpt-4.1-mini, not gpt-4.1', () => {
    expect(keyOf('gpt-4.1-mini-2025-04-14')).toBe('gpt-4.1-mini');
    expect(book.lookup('gpt-4.1-mini-2025-04-14')?.price.input).toBe(0.4);
    expect(keyOf('gpt-4o-mini-2024-07-18')).toBe('gpt-4o-mini');
  });

  it('prices a deployment-style name by the model it starts with', () => {
    expect(keyOf('gpt-4o-prod-eastus')).toBe('gpt-4o');
    expect(keyOf('gpt-5-chat-latest')).toBe('gpt-5');
  });

  it('keeps the own price of a snapshot that was priced differently', () => {
    expect(book.lookup('gpt-4o-2024-05-13')?.price).toMatchObject({ input: 5, output: 15 });
    expect(book.lookup('gpt-4o-2024-11-20')?.price).toMatchObject({ input: 2.5, output: 10 });
    expect(book.lookup('mistral-large-2411')?.price).toMatchObject({ input: 2, output: 6 });
    expect(book.lookup('mistral-large-latest')?.price).toMatchObject({ input: 0.5, output: 1.5 });
  });

  it('borrows no price across versions, tiers or products', () => {
    expect(book.lookup('claude-sonnet-4-7')).toBeUndefined(); // not claude-sonnet-4
    expect(book.lookup('gpt-5.3')).toBeUndefined(); // not gpt-5
    expect(book.lookup('gpt-5.1-codex-mini')).toBeUndefined(); // not gpt-5.1
    expect(book.lookup('gpt-4o-realtime-preview')).toBeUndefined(); // not gpt-4o
    expect(book.lookup('o4-mini-deep-research')).toBeUndefined();
    expect(book.lookup('gemini-2.0-flash-exp')).toBeUndefined(); // free experimental
    expect(book.lookup('meta-llama/llama-3.3-70b-instruct:free')).toBeUndefined();
  });

  it('invents no price for unknown names', () => {
    expect(book.lookup('my-company-llm')).toBeUndefined();
    expect(book.lookup('')).toBeUndefined();
    expect(book.lookup(undefined)).toBeUndefined();
  });
});

describe('modelFamily', () => {
  it('resolves DeepSeek aliases to the line they point at', () => {
    expect(modelFamily('deepseek-chat')).toBe('deepseek-v3');
    expect(modelFamily('deepseek-v3.2')).toBe('deepseek-v3');
    expect(modelFamily('deepseek-v3.2-exp')).toBe('deepseek-v3');
    expect(modelFamily('deepseek-reasoner')).toBe('deepseek-r1');
  });

  it('is the table model without snapshot suffixes', () => {
    expect(modelFamily('gpt-4o-2024-05-13')).toBe('gpt-4o');
    expect(modelFamily('gpt-4o-prod')).toBe('gpt-4o');
  });
});

describe('isSubstitution', () => {
  it.each([
    ['gpt-4.1', 'gpt-4.1-2025-04-14'],
    ['claude-sonnet-4.5', 'claude-sonnet-4-5-20250929'],
    ['anthropic/claude-sonnet-4.5', 'anthropic/claude-4.5-sonnet-20250929'],
    ['claude-sonnet-4-0', 'claude-sonnet-4-20250514'],
    ['gemini-2.5-flash', 'gemini-2.5-flash-001'],
    ['gemini-2.5-flash', 'gemini-2.5-flash-preview-05-20'],
    ['deepseek-v3.2', 'deepseek-chat'],
    ['deepseek-chat', 'deepseek-v3.2-exp'],
    ['gpt-4o', 'openai/gpt-4o'],
    ['gpt-4o', 'GPT-4o'],
  ])('%s answered as %s is not a substitution', (requested, responded) => {
    expect(isSubstitution(requested, responded)).toBe(false);
  });

  it.each([
    ['gpt-4.1', 'gpt-4.1-mini'],
    ['gpt-4.1', 'gpt-4.1-mini-2025-04-14'],
    ['gpt-4o', 'gpt-4o-mini'],
    ['claude-sonnet-4.5', 'claude-haiku-4.5'],
    ['claude-opus-4-1', 'claude-opus-4-20250514'],
    ['gemini-2.5-pro', 'gemini-2.5-flash'],
    ['gemini-2.5-flash', 'gemini-2.5-flash-lite'],
    ['deepseek-v3.2', 'deepseek-reasoner'],
    ['gpt-4o', 'qwen-plus'],
    ['gpt-5', 'some-cheap-model'],
  ])('%s answered as %s is a substitution', (requested, responded) => {
    expect(isSubstitution(requested, responded)).toBe(true);
  });

  it('gives no verdict when the requested name is not a known model (Azure deployments, routers)', () => {
    expect(isKnownModel('openllmetry-testing')).toBe(false);
    expect(isSubstitution('openllmetry-testing', 'gpt-4.1-mini-2025-04-14')).toBe(false);
    expect(isSubstitution('openrouter/auto', 'anthropic/claude-sonnet-4.5')).toBe(false);
  });

  it('gives no verdict when either side is missing', () => {
    expect(isSubstitution(undefined, 'gpt-4o')).toBe(false);
    expect(isSubstitution('gpt-4o', undefined)).toBe(false);
    expect(isSubstitution('', 'gpt-4o')).toBe(false);
    expect(isSubstitution('gpt-4o', '')).toBe(false);
  });

  it('flags none of the recorded real exchanges, whose answers all come from the model asked for', () => {
    const dir = FIXTURES_DIR;
    if (!existsSync(dir)) return; // the fixtures live beside the repository; CI clones them there
    let judged = 0;
    for (const vendor of readdirSync(dir, { withFileTypes: true })) {
      if (!vendor.isDirectory()) continue;
      for (const file of readdirSync(path.join(dir, vendor.name))) {
        if (!file.endsWith('.json')) continue;
        const { expected } = JSON.parse(readFileSync(path.join(dir, vendor.name, file), 'utf8')) as {
          expected: { model: string | null; response_model?: string | null };
        };
        const requested = expected.model ?? undefined;
        const responded = expected.response_model ?? undefined;
        if (requested && responded && isKnownModel(requested)) judged++;
        expect(isSubstitution(requested, responded), `${vendor.name}/${file}: ${requested} → ${responded}`).toBe(false);
      }
    }
    // Most recordings name a model the table knows, so the verdicts above were real ones.
    expect(judged).toBeGreaterThan(30);
  });
});

describe('SubstitutionCheck', () => {
  it('gives the verdicts of isSubstitution, remembered per instance within a bound', () => {
    const check = new SubstitutionCheck();
    expect(check.isSubstitution('gpt-4.1', 'gpt-4.1-mini')).toBe(true);
    expect(check.isSubstitution('gpt-4.1', 'gpt-4.1-mini')).toBe(true);
    expect(check.isSubstitution('gpt-4.1', 'gpt-4.1-2025-04-14')).toBe(false);
    expect(check.isSubstitution(undefined, 'gpt-4.1')).toBe(false);
    expect(check.size).toBe(2);
    expect(new SubstitutionCheck().size).toBe(0);
    for (let i = 0; i < MAX_REMEMBERED_VERDICTS + 10; i++) check.isSubstitution('gpt-4o', `model-${i}`);
    expect(check.size).toBeLessThanOrEqual(MAX_REMEMBERED_VERDICTS);
    expect(check.isSubstitution('gpt-4o', 'gpt-4o-mini')).toBe(true);
  });

  it('answers a pair asked again after another as it did the first time', () => {
    const check = new SubstitutionCheck();
    const asked: Array<[string, string, boolean]> = [
      ['gpt-4.1', 'gpt-4.1-mini', true],
      ['gpt-4.1', 'gpt-4.1-mini', true],
      ['gpt-4.1', 'gpt-4.1-2025-04-14', false],
      ['gpt-4.1-mini', 'gpt-4.1-2025-04-14', true],
      ['gpt-4.1', 'gpt-4.1-mini', true],
      ['gpt-4.1', 'gpt-4.1-2025-04-14', false],
    ];
    for (const [requested, responded, verdict] of asked)
      expect(check.isSubstitution(requested, responded), `${requested} -> ${responded}`).toBe(verdict);
  });
});
