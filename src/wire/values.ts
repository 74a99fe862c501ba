/*
 * Typed reads from parsed JSON of unknown shape. Every codec goes through these, so a body
 * that is null, a number, an array or a record with the wrong field types yields `undefined`
 * instead of an exception.
 */

/** Longest id/model/finish-reason string kept; a hostile body cannot make a span attribute huge. */
export const MAX_SCALAR_LENGTH = 256;

export type JsonRecord = Record<string, unknown>;

/** The value as a plain object, or undefined for null, arrays and primitives. */
export function asRecord(value: unknown): JsonRecord | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonRecord) : undefined;
}

export function asArray(value: unknown): readonly unknown[] | undefined {
  return Array.isArray(value) ? value : undefined;
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A non-empty string, cut to {@link MAX_SCALAR_LENGTH}: ids, model names, finish reasons. */
export function asScalarString(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return undefined;
  return value.length > MAX_SCALAR_LENGTH ? value.slice(0, MAX_SCALAR_LENGTH) : value;
}

export function asNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** A token count: a finite number >= 0. */
export function asCount(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

export function asInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined;
}

export function asBoolean(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}

/** `obj[a][b]...` through records only. */
export function getPath(value: unknown, ...keys: string[]): unknown {
  let current: unknown = value;
  for (const key of keys) {
    const record = asRecord(current);
    if (record === undefined) return undefined;
    current = record[key];
  }
  return current;
}

/** The first argument that is not undefined. */
export function firstDefined<T>(...values: (T | undefined)[]): T | undefined {
  for (const value of values) if (value !== undefined) return value;
  return undefined;
}

/** Sum of the defined addends; undefined when none is defined. */
export function sumDefined(...values: (number | undefined)[]): number | undefined {
  let total: number | undefined;
  for (const value of values) if (value !== undefined) total = (total ?? 0) + value;
  return total;
}

/** `stop` / `stop_sequences` / `stopSequences`: one string or an array of strings. */
export function asStringList(value: unknown, maxItems = 16): string[] | undefined {
  if (typeof value === 'string') return [value];
  const items = asArray(value);
  if (items === undefined) return undefined;
  const strings = items.filter((item): item is string => typeof item === 'string').slice(0, maxItems);
  return strings.length > 0 ? strings : undefined;
}

/** Drops undefined-valued keys so results compare and serialise cleanly. */
export function compact<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  // Object.keys, not Object.entries: no [key, value] pair allocated per key (runs several times per call).
  const keys = Object.keys(value);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const entry = (value as Record<string, unknown>)[key];
    if (entry !== undefined) out[key] = entry;
  }
  return out as T;
}
