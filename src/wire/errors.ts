/*
 * Vendor error bodies → a low-cardinality ResponseError. Only type/code/status fields are read, and
 * only code-shaped values of them are kept; the message is never looked at, so nothing user- or
 * prompt-specific, and no key a relay echoes, reaches a metric label.
 */
import type { ResponseError } from './types';
import { asArray, asRecord, type JsonRecord } from './values';

/** Longest error label kept (`error.type` is a metric label: keep it bounded). */
export const MAX_ERROR_LABEL_LENGTH = 64;

/**
 * The semconv `_OTHER`, defined once: `error.type` when the body says "error" but carries no type, code
 * or status, or a transport error has no code-shaped name; and any metric label value past its cap.
 */
export const OTHER_ERROR_TYPE = '_OTHER';

const NUMERIC = /^-?\d+$/;
/** Alphanumeric words joined by `_ . - : /` or spaces: the shape of every vendor error class. */
const CODE_SHAPE = /^[A-Za-z0-9]+(?:[ _.:/-]+[A-Za-z0-9]+)*$/;
const LABEL_SEPARATORS = /[ :/]/g;
const WORD_SEPARATORS = /[ _.:/-]+/;
/**
 * How well-known credentials start (OpenAI, Anthropic, OpenRouter and DeepSeek `sk-`, Stripe-style
 * `sk_`, Google `AIza`, Groq, xAI, Perplexity, Hugging Face, Replicate, GitHub, GitLab, NVIDIA,
 * AWS access key ids, JWTs, auth schemes), matched at the start of the value or of any of its words.
 */
const KEY_PREFIXES =
  /(?:^|[ _.:/-])(?:sk-|sk_|AIza|gsk_|xai-|pplx-|hf_|r8_|gh[pousr]_|github_pat_|glpat-|nvapi-|(?:AKIA|ASIA)[A-Z0-9]{4}|eyJ|(?:[Bb]earer|BEARER|[Bb]asic|BASIC) )/;
/** Longest word of letters, digits, or letters and digits mixed, that a code holds. */
const MAX_LETTER_WORD = 32;
const MAX_DIGIT_WORD = 6;
const MAX_MIXED_WORD = 12;

/**
 * True for a word of an error class (`invalid`, `RESOURCE`, `DeploymentNotFound`, `429`, `E1001`,
 * `gpt4o`), false for what looks like a piece of a key: long digit runs, long words, letters and
 * digits alternating, mixed case that changes more often than camel-case words do.
 */
function isCodeWord(word: string): boolean {
  let letters = 0;
  let digits = 0;
  let kindChanges = 0;
  let humps = 0;
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    const digit = c >= 48 && c <= 57;
    if (digit) digits++;
    else letters++;
    if (i === 0) continue;
    const previous = word.charCodeAt(i - 1);
    if (digit !== (previous >= 48 && previous <= 57)) kindChanges++;
    // a lowercase letter followed by an uppercase one: a new camel-case word
    if (c >= 65 && c <= 90 && previous >= 97 && previous <= 122) humps++;
  }
  if (letters === 0) return digits <= MAX_DIGIT_WORD;
  if (digits === 0) return letters <= MAX_LETTER_WORD && humps <= Math.max(1, Math.floor(letters / 5));
  return word.length <= MAX_MIXED_WORD && kindChanges <= 2 && humps === 0;
}

/**
 * A vendor error class as a bounded label, or undefined when the value is not code-shaped: a key
 * echoed where a class belongs (`{"error":{"status":"<key>"}}`), even a piece of one, is never a
 * label. A string qualifies when it is at most {@link MAX_ERROR_LABEL_LENGTH} characters of words
 * joined by `_ . - : /` or spaces (the last three become `_`), starts no word with a known key
 * prefix (`sk-`, `AIza`, `gsk_`, `Bearer`, …) and has no word that looks random (see isCodeWord);
 * a number when it is an integer of at most six digits.
 */
export function sanitizeErrorLabel(value: unknown): string | undefined {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && Math.abs(value) < 10 ** MAX_DIGIT_WORD ? String(value) : undefined;
  }
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (text.length === 0 || text.length > MAX_ERROR_LABEL_LENGTH) return undefined;
  if (NUMERIC.test(text)) return text.replace('-', '').length <= MAX_DIGIT_WORD ? text : undefined;
  if (!CODE_SHAPE.test(text) || KEY_PREFIXES.test(text)) return undefined;
  for (const word of text.split(WORD_SEPARATORS)) if (!isCodeWord(word)) return undefined;
  return text.replace(LABEL_SEPARATORS, '_');
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
  return errorFrom(body, 0);
}

/**
 * Arrays of errors are searched this many levels deep, no deeper: a hostile body may nest
 * thousands deep, and a walk down it would overflow the stack.
 */
const MAX_ERROR_ARRAY_NESTING = 4;

function errorFrom(body: unknown, nesting: number): ResponseError | undefined {
  const items = asArray(body);
  if (items !== undefined) {
    if (nesting >= MAX_ERROR_ARRAY_NESTING) return undefined;
    for (const item of items) {
      const found = errorFrom(item, nesting + 1);
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
