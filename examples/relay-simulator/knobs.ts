/*
 * Per-request controls: header `x-sim-<name>` or query `sim_<name>` (plus `?encoding=`).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { parseCoding } from './body-writer.ts';
import { asCount } from './json-values.ts';
import { FAULT_NAMES, type ContentCoding, type FaultName } from './types.ts';

export interface Knobs {
  /** A fault name, or the unknown name the caller sent (answered with a 400). */
  fault?: FaultName | { unknown: string };
  encoding?: ContentCoding;
  latencyMs?: number;
  firstChunkDelayMs?: number;
  chunkDelayMs?: number;
  outputTokens?: number;
  slowMs?: number;
  retryAfterSeconds?: number;
  cachedTokens?: number;
  cacheWriteTokens?: number;
  /** Answer as this model. */
  model?: string;
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function readKnobs(headers: IncomingHttpHeaders, query: URLSearchParams): Knobs {
  const get = (name: string): string | undefined =>
    headerValue(headers, `x-sim-${name}`) ?? query.get(`sim_${name.replaceAll('-', '_')}`) ?? undefined;
  const count = (name: string): number | undefined => asCount(get(name));
  const knobs: Knobs = {};
  const fault = get('fault')?.trim();
  if (fault) knobs.fault = FAULT_NAMES.find(f => f === fault) ?? { unknown: fault };
  const encoding = parseCoding(get('encoding') ?? query.get('encoding') ?? undefined);
  if (encoding) knobs.encoding = encoding;
  const latencyMs = count('latency-ms');
  if (latencyMs !== undefined) knobs.latencyMs = latencyMs;
  const firstChunkDelayMs = count('first-chunk-ms');
  if (firstChunkDelayMs !== undefined) knobs.firstChunkDelayMs = firstChunkDelayMs;
  const chunkDelayMs = count('chunk-delay-ms');
  if (chunkDelayMs !== undefined) knobs.chunkDelayMs = chunkDelayMs;
  const outputTokens = count('output-tokens');
  if (outputTokens !== undefined) knobs.outputTokens = outputTokens;
  const slowMs = count('slow-ms');
  if (slowMs !== undefined) knobs.slowMs = slowMs;
  const retryAfterSeconds = count('retry-after');
  if (retryAfterSeconds !== undefined) knobs.retryAfterSeconds = retryAfterSeconds;
  const cachedTokens = count('cached-tokens');
  if (cachedTokens !== undefined) knobs.cachedTokens = cachedTokens;
  const cacheWriteTokens = count('cache-write-tokens');
  if (cacheWriteTokens !== undefined) knobs.cacheWriteTokens = cacheWriteTokens;
  const model = get('model');
  if (model) knobs.model = model;
  return knobs;
}
