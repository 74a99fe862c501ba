/*
 * Vendor error bodies → a low-cardinality ResponseError. Only type/code/status fields are read;
 * the message is never looked at, so nothing user- or prompt-specific reaches a metric label.
 */
import type { ResponseError } from './types';
import { asArray, asRecord, type JsonRecord } from './values';

/** Longest error label kept (`error.type` is a metric label: keep it bounded). */
export const MAX_ERROR_LABEL_LENGTH = 64;

/** `error.type` when the body says "error" but carries no type, code or status (semconv fallback). */
export const OTHER_ERROR_TYPE = '_OTHER';

const UNSAFE_LABEL_CHARS = /[^A-Za-z0-9_.-]/g;
const NUMERIC = /^-?\d+$/;

/**
 * A string or number as a bounded label: characters outside `[A-Za-z0-9_.-]` become `_`,
 * cut to {@link MAX_ERROR_LABEL_LENGTH}. Anything else (and an empty result) gives undefined.
 */
export function sanitizeErrorLabel(value: unknown): string | undefined {
  let text: string;
  if (typeof value === 'string') text = value.trim();
  else if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
  else return undefined;
  const label = text.slice(0, MAX_ERROR_LABEL_LENGTH).replace(UNSAFE_LABEL_CHARS, '_');
  return label.length > 0 ? label : undefined;
}

/**
 * Maps one vendor error object (the value of `error`) to a ResponseError.
 * `type` is the vendor's error type (`invalid_request_error`), else a textual code
 * (`DeploymentNotFound`), else Google's `status` (`RESOURCE_EXHAUSTED`), else a numeric code
 * (`429`). Google's numeric `code` is only the HTTP status, so its `status` is preferred.
 */
export function errorFromObject(error: JsonRecord): ResponseError {
  const type = sanitizeErrorLabel(error['type']);
  const code = sanitizeErrorLabel(error['code']);
  const status = sanitizeErrorLabel(error['status']);
  const textualCode = code !== undefined && !NUMERIC.test(code) ? code : undefined;
  const numericCode = code !== undefined && NUMERIC.test(code) ? code : undefined;
  const primary = type ?? textualCode ?? status ?? numericCode ?? OTHER_ERROR_TYPE;
  return code !== undefined && code !== primary ? { type: primary, code } : { type: primary };
}

/**
 * Finds the error in any vendor error body, or undefined when the body carries none:
 * - OpenAI and compatibles `{error: {type, code, message}}` (code may be a number or `null`),
 * - Anthropic `{type: 'error', error: {type, message}}`,
 * - Google `{error: {code, status, message}}` and arrays of those (`[{error: ...}]`),
 * - Azure `{error: {code: 'DeploymentNotFound'}}`,
 * - flat error events `{type: 'error', code, message}` (OpenAI Responses stream),
 * - `{error: 'text'}` (some relays): an error with no label → `_OTHER`.
 */
export function errorFromBody(body: unknown): ResponseError | undefined {
  const items = asArray(body);
  if (items !== undefined) {
    for (const item of items) {
      const found = errorFromBody(item);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  const record = asRecord(body);
  if (record === undefined) return undefined;
  const nested = record['error'];
  const nestedRecord = asRecord(nested);
  if (nestedRecord !== undefined) return errorFromObject(nestedRecord);
  if (typeof nested === 'string' && nested.length > 0) return { type: OTHER_ERROR_TYPE };
  if (record['type'] === 'error') {
    // The event's own `type` names the event, not the error class: drop it.
    const { type: _eventType, ...rest } = record;
    return errorFromObject(rest);
  }
  return undefined;
}
