/*
 * The pricing file (OTEL_LLM_RELAY_PRICING, or prices given in code): parsing and validation.
 * Never throws: a bad entry is left out with an error message, a doubtful one kept with a warning.
 */
import type { ModelPrice } from './price-table';

/** Scales every price of calls to one host: relays bill at their own rates. */
export interface HostPricing {
  multiplier: number;
}

/**
 * `{ "models": { "<model>": { "input", "output", "cachedInput"?, "cacheWrite"? } },
 *    "hosts": { "<host or host:port>": { "multiplier" } } }`, prices in USD per 1M tokens.
 */
export interface PricingFile {
  models?: Record<string, ModelPrice>;
  hosts?: Record<string, HostPricing>;
}

export interface PricingFileResult {
  /** What was valid; undefined only when nothing could be read (bad JSON, not an object). */
  file?: PricingFile;
  /** Entries left out, and why. */
  errors: string[];
  /** Entries kept despite something odd (unknown keys, duplicate spellings). */
  warnings: string[];
}

type JsonObject = Record<string, unknown>;

/** Price keys and the spellings accepted for each; the first is the one kept. */
const PRICE_KEYS: readonly (readonly [keyof ModelPrice, readonly string[]])[] = [
  ['input', ['input']],
  ['output', ['output']],
  ['cachedInput', ['cachedInput', 'cached_input']],
  ['cacheWrite', ['cacheWrite', 'cache_write']],
];
const KNOWN_MODEL_KEYS = new Set([
  'input',
  'output',
  'cachedInput',
  'cached_input',
  'cacheWrite',
  'cache_write',
  'source',
  'date',
  'note',
]);

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Keys starting with `_` or `$` are comments (`"$schema"`, `"_note"`) and pass silently. */
function isCommentKey(key: string): boolean {
  return key.startsWith('_') || key.startsWith('$');
}

/** What a value is, never what it says: a string in the wrong place may be a key. */
function describe(value: unknown): string {
  if (typeof value === 'string') return 'a string';
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}

/** `where: message`, or just the message when `where` is empty. */
function at(where: string, message: string): string {
  return where ? `${where}: ${message}` : message;
}

function isPrice(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

/**
 * A host key as the price book matches it: lower case `host` or `host:port`; an origin URL
 * (`https://relay.example.com:8443/`) is reduced to that. undefined when unreadable.
 */
export function normalizeHostKey(key: string): string | undefined {
  const text = key.trim().toLowerCase();
  if (text === '') return undefined;
  if (!/^[a-z][a-z0-9+.-]*:\/\//.test(text)) return /^[^\s/?#@]+$/.test(text) ? text : undefined;
  try {
    return new URL(text).host || undefined;
  } catch {
    return undefined;
  }
}

function validateModel(name: string, value: unknown, where: string, result: PricingFileResult): ModelPrice | undefined {
  const entry = at(where, `models[${JSON.stringify(name)}]`);
  if (name.trim() === '') {
    result.errors.push(`${entry}: a model name must not be empty`);
    return undefined;
  }
  if (!isObject(value)) {
    result.errors.push(`${entry}: expected an object with "input" and "output" prices, got ${describe(value)}`);
    return undefined;
  }
  const price: Partial<ModelPrice> = {};
  let valid = true;
  for (const [field, spellings] of PRICE_KEYS) {
    const given = spellings.filter(spelling => value[spelling] !== undefined);
    if (given.length === 0) {
      if (field === 'input' || field === 'output') {
        result.errors.push(`${entry}: "${field}" is required (USD per 1M tokens)`);
        valid = false;
      }
      continue;
    }
    if (given.length > 1)
      result.warnings.push(`${entry}: both ${given.map(g => `"${g}"`).join(' and ')} given; using "${given[0]}"`);
    const raw = value[given[0]];
    if (!isPrice(raw)) {
      result.errors.push(`${entry}.${given[0]}: expected a number ≥ 0 (USD per 1M tokens), got ${describe(raw)}`);
      valid = false;
      continue;
    }
    price[field] = raw;
  }
  for (const key of Object.keys(value)) {
    if (!KNOWN_MODEL_KEYS.has(key) && !isCommentKey(key))
      result.warnings.push(`${entry}: unknown key "${key}" ignored`);
  }
  return valid ? (price as ModelPrice) : undefined;
}

function validateHost(
  key: string,
  value: unknown,
  where: string,
  result: PricingFileResult,
): [string, HostPricing] | undefined {
  const entry = at(where, `hosts[${JSON.stringify(key)}]`);
  const host = normalizeHostKey(key);
  if (!host) {
    result.errors.push(`${entry}: expected a host, host:port or origin URL`);
    return undefined;
  }
  if (!isObject(value)) {
    result.errors.push(`${entry}: expected an object with a "multiplier", got ${describe(value)}`);
    return undefined;
  }
  if (!isPrice(value.multiplier)) {
    result.errors.push(`${entry}.multiplier: expected a number ≥ 0, got ${describe(value.multiplier)}`);
    return undefined;
  }
  for (const name of Object.keys(value)) {
    if (name !== 'multiplier' && !isCommentKey(name)) result.warnings.push(`${entry}: unknown key "${name}" ignored`);
  }
  return [host, { multiplier: value.multiplier }];
}

/**
 * Checks an already-parsed pricing value (a parsed file, or prices given in code) and keeps the
 * valid part. `where` prefixes every message (a path, or a config option name); '' for none.
 */
export function validatePricingFile(value: unknown, where = 'pricing file'): PricingFileResult {
  const result: PricingFileResult = { errors: [], warnings: [] };
  if (!isObject(value)) {
    result.errors.push(at(where, `expected a JSON object with "models" and/or "hosts", got ${describe(value)}`));
    return result;
  }
  const file: PricingFile = {};
  for (const key of Object.keys(value)) {
    if (key !== 'models' && key !== 'hosts' && !isCommentKey(key))
      result.warnings.push(at(where, `unknown key "${key}" ignored`));
  }
  if (value.models !== undefined) {
    if (!isObject(value.models)) {
      result.errors.push(at(where, `"models" must be an object keyed by model name, got ${describe(value.models)}`));
    } else {
      const models: Record<string, ModelPrice> = {};
      for (const [name, entry] of Object.entries(value.models)) {
        if (isCommentKey(name)) continue;
        const price = validateModel(name, entry, where, result);
        if (price) models[name] = price;
      }
      file.models = models;
    }
  }
  if (value.hosts !== undefined) {
    if (!isObject(value.hosts)) {
      result.errors.push(at(where, `"hosts" must be an object keyed by host, got ${describe(value.hosts)}`));
    } else {
      const hosts: Record<string, HostPricing> = {};
      for (const [key, entry] of Object.entries(value.hosts)) {
        if (isCommentKey(key)) continue;
        const host = validateHost(key, entry, where, result);
        if (host) hosts[host[0]] = host[1];
      }
      file.hosts = hosts;
    }
  }
  result.file = file;
  return result;
}

/**
 * Where JSON.parse stopped, as `line L, column C`, without its message: V8 quotes the text around
 * an unexpected token ("Unexpected token 's', "{"key": sk-…" is not valid JSON").
 */
function jsonErrorPlace(error: unknown, text: string): string {
  const message = error instanceof Error ? error.message : '';
  const position = /at position (\d+)/.exec(message);
  if (position) {
    const before = text.slice(0, Number(position[1]));
    const line = before.split('\n').length;
    return `at line ${line}, column ${before.length - before.lastIndexOf('\n')}`;
  }
  return /end of JSON input/i.test(message) ? 'it ends too early' : 'an unexpected character';
}

/** Parses and validates the text of a pricing file. Errors never quote the text. */
export function parsePricingFile(text: string, where = 'pricing file'): PricingFileResult {
  let value: unknown;
  const json = text.replace(/^\uFEFF/, '');
  try {
    value = JSON.parse(json);
  } catch (error) {
    return { errors: [at(where, `not valid JSON (${jsonErrorPlace(error, json)})`)], warnings: [] };
  }
  return validatePricingFile(value, where);
}
