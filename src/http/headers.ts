/*
 * Pure helpers over the header shapes undici hands to diagnostics-channel subscribers:
 * - request headers at `undici:request:create`: a flat `[name, value, …]` string array
 *   (undici ≥ 6.7), or one `"name: value\r\n…"` string (older);
 * - response headers at `undici:request:headers`: a flat `Buffer[]` of name/value pairs over
 *   HTTP/1, and a plain object (values `string | string[]`) over HTTP/2 on undici 8.
 * Anything else reads as "no headers". Header bytes are read as latin1, as fetch does.
 */

type HeaderVisitor = (lowerName: string, value: string) => void;

/** Says which header names a walk visits: the lowercase name when wanted, else undefined. */
interface HeaderMatcher {
  match(name: unknown): string | undefined;
}

/**
 * The header names a caller wants, lowercase, with their lengths: most headers of a request are
 * rejected by length alone, before their name is lowercased or their value turned into a string
 * (response headers arrive as Buffers, and this runs on every relay call).
 */
class WantedNames implements HeaderMatcher {
  readonly names: ReadonlySet<string>;
  private readonly _lengths: ReadonlySet<number>;
  /** By length, the wanted names as lowercase bytes: a Buffer name is compared in place, not made a string. */
  private readonly _bytesByLength: (readonly WantedBytes[] | undefined)[] = [];

  constructor(names: Iterable<string>) {
    this.names = new Set([...names].map(name => name.toLowerCase()));
    this._lengths = new Set([...this.names].map(name => name.length));
    for (const name of this.names) {
      const bytes = Buffer.from(name, 'latin1');
      // A name that is not latin1 cannot come as bytes; it is still matched as a string.
      if (bytes.toString('latin1') !== name) continue;
      ((this._bytesByLength[name.length] ??= []) as WantedBytes[]).push({ name, bytes });
    }
  }

  /** The lowercase name when wanted, else undefined. */
  match(name: unknown): string | undefined {
    if (typeof name === 'string') {
      if (!this._lengths.has(name.length)) return undefined;
      const lower = name.toLowerCase();
      return this.names.has(lower) ? lower : undefined;
    }
    // Header bytes are latin1, one byte per character: ASCII letters are lowercased, the rest compared as is.
    if (Buffer.isBuffer(name)) return this._matchBytes(name);
    return undefined;
  }

  private _matchBytes(name: Buffer): string | undefined {
    const candidates = this._bytesByLength[name.length];
    if (candidates === undefined) return undefined;
    next: for (let c = 0; c < candidates.length; c++) {
      const wanted = candidates[c]!;
      const bytes = wanted.bytes;
      for (let i = 0; i < bytes.length; i++) {
        const byte = name[i]!;
        if ((byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte) !== bytes[i]) continue next;
      }
      return wanted.name;
    }
    return undefined;
  }
}

interface WantedBytes {
  readonly name: string;
  readonly bytes: Uint8Array;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('latin1');
  if (typeof value === 'number') return String(value);
  return undefined;
}

function visitValue(lower: string, value: unknown, visit: HeaderVisitor): void {
  // Some undici versions keep repeated values as an array under one name.
  if (Array.isArray(value)) {
    for (const item of value) {
      const itemText = text(item);
      if (itemText !== undefined) visit(lower, itemText);
    }
  } else {
    const valueText = text(value);
    if (valueText !== undefined) visit(lower, valueText);
  }
}

/** Calls `visit` for each wanted header, in order, with the lowercase name. */
function forEachWantedHeader(headers: unknown, wanted: HeaderMatcher, visit: HeaderVisitor): void {
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) {
      const lower = wanted.match(headers[i]);
      if (lower !== undefined) visitValue(lower, headers[i + 1], visit);
    }
    return;
  }
  if (typeof headers === 'string') {
    for (const line of headers.split(/\r?\n/)) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const lower = wanted.match(line.slice(0, colon).trim());
      if (lower !== undefined) visit(lower, line.slice(colon + 1).trim());
    }
    return;
  }
  if (headers !== null && typeof headers === 'object') {
    for (const [name, value] of Object.entries(headers)) {
      if (name.startsWith(':')) continue; // HTTP/2 pseudo-headers
      const lower = wanted.match(name);
      if (lower !== undefined) visitValue(lower, value, visit);
    }
  }
}

const singleNames = new Map<string, WantedNames>();

/**
 * The value of one header, case-insensitively; repeated headers are joined with `", "`.
 * Undefined when absent or when `headers` has no known shape.
 */
export function headerValue(headers: unknown, name: string): string | undefined {
  let wanted = singleNames.get(name);
  if (wanted === undefined) {
    wanted = new WantedNames([name]);
    // Callers pass a handful of literal names; the bound only guards against misuse.
    if (singleNames.size < 64) singleNames.set(name, wanted);
  }
  let result: string | undefined;
  forEachWantedHeader(headers, wanted, (_lower, value) => {
    result = result === undefined ? value : `${result}, ${value}`;
  });
  return result;
}

const wantedSets = new WeakMap<ReadonlySet<string>, WantedNames>();

/**
 * The values of the wanted headers (names given in lowercase), collected in one pass;
 * repeated headers are joined with `", "`. Absent headers are absent from the map.
 */
export function pickHeaders(headers: unknown, names: ReadonlySet<string>): Map<string, string> {
  let wanted = wantedSets.get(names);
  if (wanted === undefined) {
    wanted = new WantedNames(names);
    wantedSets.set(names, wanted);
  }
  const picked = new Map<string, string>();
  forEachWantedHeader(headers, wanted, (lowerName, value) => {
    const previous = picked.get(lowerName);
    picked.set(lowerName, previous === undefined ? value : `${previous}, ${value}`);
  });
  return picked;
}

/** `type/subtype` of a `content-type` value, lowercase, without parameters; undefined if malformed. */
export function mediaType(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const semicolon = contentType.indexOf(';');
  const essence = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  const slash = essence.indexOf('/');
  if (slash <= 0 || slash === essence.length - 1 || /[\s/]/.test(essence.slice(slash + 1))) return undefined;
  return essence;
}

const SECRET_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'x-api-key',
  'api-key',
  'x-goog-api-key',
  'cookie',
  'set-cookie',
  // Account identifiers that the recorded fixtures also redact.
  'openai-organization',
  'openai-project',
  'anthropic-organization-id',
  'x-goog-user-project',
]);

const SECRET_NAME_PARTS = [
  'token',
  'secret',
  'key',
  'auth',
  'cookie',
  'password',
  'credential',
  'signature',
  'session',
];

/** Names that contain a secret-looking word but carry counts or routing, not credentials. */
function isKnownPublicHeader(lower: string): boolean {
  return (
    lower.includes('ratelimit') || // x-ratelimit-remaining-tokens, anthropic-ratelimit-input-tokens-limit, …
    lower.includes('rate-limit') ||
    lower.startsWith('x-litellm-key-') || // LiteLLM spend and budget figures
    lower === 'idempotency-key' ||
    lower === 'x-idempotency-key' ||
    lower === ':authority'
  );
}

/** True for headers whose value must never be recorded (credentials, cookies, account ids). */
export function isSecretHeader(name: string): boolean {
  const lower = name.toLowerCase();
  if (SECRET_HEADERS.has(lower)) return true;
  if (isKnownPublicHeader(lower)) return false;
  return SECRET_NAME_PARTS.some(part => lower.includes(part));
}

/** Parameter names (query or path) that carry credentials, compared whole (lowercase). */
const SECRET_PARAM_NAMES = new Set(['sig', 'code', 'pass', 'passwd', 'pwd']);

/** Words whose presence anywhere in a parameter's name (lowercase) marks it as a credential. */
const SECRET_PARAM_NAME_PART = /key|token|secret|signature|password|auth|jwt|credential|session|cookie/;

/** Whether a query or path parameter of this name (as written: percent-encoded, any case) carries a credential. */
function isSecretParam(rawName: string): boolean {
  let name = rawName;
  if (name.includes('%') || name.includes('+')) {
    name = name.replace(/\+/g, ' ');
    try {
      name = decodeURIComponent(name);
    } catch {
      // Malformed percent-encoding: judge the raw name.
    }
  }
  name = name.trim().toLowerCase();
  return SECRET_PARAM_NAMES.has(name) || SECRET_PARAM_NAME_PART.test(name);
}

/** The query of a URL or path (without `?` and fragment), or undefined when it has none. */
function queryRange(url: string): { start: number; end: number } | undefined {
  const hash = url.indexOf('#');
  const question = url.indexOf('?');
  if (question === -1 || (hash !== -1 && hash < question)) return undefined;
  return { start: question + 1, end: hash === -1 ? url.length : hash };
}

/**
 * A URL (absolute, or a path with a query) safe to record, following the OpenTelemetry HTTP
 * semantic conventions for `url.full`: credentials in the userinfo become `REDACTED`
 * (`https://REDACTED:REDACTED@host/`), and so do the values of the parameters that can carry
 * credentials, in the query (whether `&` or `;` separates them) and in the path (`;name=value`
 * after a segment, as `;jsessionid=…`): names (decoded, any case) `sig`, `code`, `pass`,
 * `passwd`, `pwd`, and any name holding `key`, `token`, `secret`, `signature`, `password`,
 * `auth`, `jwt`, `credential`, `session` or `cookie`. Everything else is kept byte for byte.
 */
export function redactUrl(url: string): string {
  // Nothing to redact without userinfo, a path parameter or a query: the usual relay URL, on every call.
  if (url.indexOf('@') === -1 && url.indexOf(';') === -1 && url.indexOf('?') === -1) return url;
  let result = url;
  let pathStart = 0;
  const scheme = result.indexOf('://');
  // A `://` after the path has started (a URL in the query of a relative one) is not a scheme.
  if (scheme !== -1 && scheme < firstOf(result, ['/', '?', '#'], 0)) {
    const authorityStart = scheme + 3;
    let authorityEnd = firstOf(result, ['/', '?', '#'], authorityStart);
    const at = result.lastIndexOf('@', authorityEnd - 1);
    if (at >= authorityStart) {
      const userinfo = result.slice(authorityStart, at);
      const redacted = userinfo.includes(':') ? 'REDACTED:REDACTED' : 'REDACTED';
      result = result.slice(0, authorityStart) + redacted + result.slice(at);
      authorityEnd += result.length - url.length;
    }
    pathStart = authorityEnd;
  }
  result = redactPathParams(result, pathStart);
  const range = queryRange(result);
  if (range === undefined) return result;
  // Only URLs with a credential in their query are rebuilt.
  let head = '';
  let kept = range.start;
  forEachQueryParam(result, range, (nameStart, valueStart, end) => {
    if (!isSecretParam(result.slice(nameStart, valueStart - 1))) return;
    head += result.slice(kept, valueStart) + 'REDACTED';
    kept = end;
  });
  return kept === range.start ? result : result.slice(0, range.start) + head + result.slice(kept);
}

/** Where the first of `stops` occurs in `url` from `from` on; the URL's length when none does. */
function firstOf(url: string, stops: readonly string[], from: number): number {
  let first = url.length;
  for (const stop of stops) {
    const at = url.indexOf(stop, from);
    if (at !== -1 && at < first) first = at;
  }
  return first;
}

/** The URL with the values of the secret `;name=value` parameters of its path (from `pathStart`) REDACTED. */
function redactPathParams(url: string, pathStart: number): string {
  let redacted = '';
  let kept = 0;
  forEachPathParam(url, pathStart, (nameStart, valueStart, end) => {
    if (!isSecretParam(url.slice(nameStart, valueStart - 1))) return;
    redacted += url.slice(kept, valueStart) + 'REDACTED';
    kept = end;
  });
  return kept === 0 ? url : redacted + url.slice(kept);
}

/**
 * Calls `visit` for each `;name=value` parameter of the path that starts at `pathStart` with the
 * offsets of its name, its value and its end; parameters without `=` are skipped. A parameter ends
 * at the next one, at the end of its segment, or at the end of the path.
 */
function forEachPathParam(
  url: string,
  pathStart: number,
  visit: (nameStart: number, valueStart: number, end: number) => void,
): void {
  const pathEnd = firstOf(url, ['?', '#'], pathStart);
  let semicolon = url.indexOf(';', pathStart);
  while (semicolon !== -1 && semicolon < pathEnd) {
    const nameStart = semicolon + 1;
    let end = nameStart;
    let equals = -1;
    for (; end < pathEnd; end++) {
      const c = url.charCodeAt(end);
      if (c === 59 || c === 47) break; // `;` or `/`
      if (c === 61 && equals === -1) equals = end; // `=`
    }
    if (equals !== -1) visit(nameStart, equals + 1, end);
    semicolon = url.indexOf(';', end);
  }
}

/** Where the path of a URL or path starts: after `scheme://authority`, else at 0. */
function pathStartOf(url: string): number {
  const scheme = url.indexOf('://');
  if (scheme === -1 || scheme > firstOf(url, ['/', '?', '#'], 0)) return 0;
  return firstOf(url, ['/', '?', '#'], scheme + 3);
}

/**
 * Calls `visit` for each `name=value` of the query in `range` (`&` or `;` between them) with the
 * offsets of its name, its value and its end; parameters without `=` are skipped.
 */
function forEachQueryParam(
  url: string,
  range: { start: number; end: number },
  visit: (nameStart: number, valueStart: number, end: number) => void,
): void {
  let start = range.start;
  while (start <= range.end) {
    let end = start;
    let equals = -1;
    for (; end < range.end; end++) {
      const c = url.charCodeAt(end);
      if (c === 38 || c === 59) break; // `&` or `;`
      if (c === 61 && equals === -1) equals = end; // `=`
    }
    if (equals !== -1) visit(start, equals + 1, end);
    start = end + 1;
  }
}

/** Every header whose value is a credential (see isSecretHeader). */
const SECRET_HEADER_NAMES: HeaderMatcher = {
  match(name: unknown): string | undefined {
    const lower = text(name)?.toLowerCase();
    return lower !== undefined && isSecretHeader(lower) ? lower : undefined;
  },
};

/** The values of a request's secret headers (see isSecretHeader), as sent, in order. */
export function secretHeaderValues(headers: unknown): string[] {
  const values: string[] = [];
  forEachWantedHeader(headers, SECRET_HEADER_NAMES, (_name, value) => values.push(value));
  return values;
}

/**
 * The part of a URL or path that may hold credentials (see credentialsOf), as written: from its
 * first path parameter (`;`) or its query (`?`) on; `''` when it has neither. Two URLs with the
 * same part carry the same credentials.
 */
export function credentialPartOf(url: string): string {
  const semicolon = url.indexOf(';');
  const question = url.indexOf('?');
  if (semicolon === -1 && question === -1) return '';
  const from = semicolon === -1 ? question : question === -1 ? semicolon : Math.min(semicolon, question);
  return url.slice(from);
}

/** `Bearer `, `Basic `, `token `…: the scheme is not part of the secret. */
const AUTH_SCHEME = /^[A-Za-z][\w-]*\s+(?=\S)/;
/** Shorter credentials are not screened (test keys such as `test` would blank real labels). */
export const MIN_SCREENED_CREDENTIAL_LENGTH = 6;
/** Characters an error label turns into `_` (src/wire/errors.ts): a credential is screened in that form too. */
const LABEL_SEPARATORS = /[ :/]/g;

/**
 * The credentials one request carries, to screen what a relay echoes back: the values of its secret
 * headers (`secretValues`, see secretHeaderValues: authorization without its scheme, api keys,
 * cookies, …) and of its secret query and path parameters in `url` (raw and decoded), each also in
 * the form an error label would give it.
 */
export function credentialsOf(secretValues: readonly string[], url: string): string[] {
  const found = new Set<string>();
  const add = (value: string) => {
    const credential = value.trim();
    if (credential.length < MIN_SCREENED_CREDENTIAL_LENGTH) return;
    found.add(credential);
    found.add(credential.replace(LABEL_SEPARATORS, '_'));
  };
  for (const value of secretValues) add(value.replace(AUTH_SCHEME, ''));
  const addParam = (nameStart: number, valueStart: number, end: number) => {
    if (!isSecretParam(url.slice(nameStart, valueStart - 1))) return;
    const value = url.slice(valueStart, end);
    add(value);
    try {
      add(decodeURIComponent(value.replace(/\+/g, ' ')));
    } catch {
      // Malformed percent-encoding: the raw value is screened.
    }
  };
  if (url.includes(';')) forEachPathParam(url, pathStartOf(url), addParam);
  const range = queryRange(url);
  if (range !== undefined) forEachQueryParam(url, range, addParam);
  return [...found];
}

/** Pieces of a credential this long or longer are never recorded. */
export const CREDENTIAL_FRAGMENT_LENGTH = 8;

/**
 * True when `text` holds one of `credentials` whole, or any {@link CREDENTIAL_FRAGMENT_LENGTH}-character
 * piece of one. Meant for the few short strings of a response (labels, ids, model names); on every
 * call, src/call/screen-echoes.ts asks it only of the strings a cheaper test could not clear.
 */
export function echoesCredential(text: string, credentials: readonly string[]): boolean {
  for (const credential of credentials) {
    if (credential.length < CREDENTIAL_FRAGMENT_LENGTH) {
      if (text.includes(credential)) return true;
      continue;
    }
    for (let i = 0; i + CREDENTIAL_FRAGMENT_LENGTH <= text.length; i++) {
      if (credential.includes(text.slice(i, i + CREDENTIAL_FRAGMENT_LENGTH))) return true;
    }
  }
  return false;
}

/**
 * The request headers read once, in one walk, when a call's span starts: the traceparent another
 * instrumentation injected, the retry count the OpenAI and Anthropic SDKs (Stainless-generated)
 * send on every attempt (`0` on the first), and the values of the secret headers, which the
 * response is screened against (src/call/screen-echoes.ts). Repeated headers are joined with `", "`.
 */
export interface RequestStartHeaders {
  traceparent?: string;
  retryCount?: string;
  /** The values of the secret headers (see isSecretHeader), as sent, in order; absent when none. */
  secrets?: string[];
}

/** What the span-start walk reads of a header, by its name. */
const OTHER_HEADER = 0;
const TRACEPARENT_HEADER = 1;
const RETRY_COUNT_HEADER = 2;
const SECRET_HEADER = 3;

function startHeaderKind(lower: string): number {
  if (lower === 'traceparent') return TRACEPARENT_HEADER;
  if (lower === 'x-stainless-retry-count') return RETRY_COUNT_HEADER;
  return isSecretHeader(lower) ? SECRET_HEADER : OTHER_HEADER;
}

const START_NAMES: HeaderMatcher = {
  match(name: unknown): string | undefined {
    const lower = text(name)?.toLowerCase();
    return lower !== undefined && startHeaderKind(lower) !== OTHER_HEADER ? lower : undefined;
  },
};

/**
 * The names of the last flat header array walked, by position, with what each is: an SDK sends
 * the same names in the same order on every call, so a name is mostly known by one comparison
 * (the name rules, secret ones included, cost far more).
 */
const lastNames: string[] = [];
const lastKinds: number[] = [];
/** Headers past this position are judged on every walk. */
const REMEMBERED_NAME_POSITIONS = 64;

function startHeaderKindAt(position: number, name: unknown): number {
  if (typeof name !== 'string')
    return Buffer.isBuffer(name) ? startHeaderKind(name.toString('latin1').toLowerCase()) : OTHER_HEADER;
  if (position >= REMEMBERED_NAME_POSITIONS) return startHeaderKind(name.toLowerCase());
  if (position < lastNames.length && lastNames[position] === name) return lastKinds[position]!;
  const kind = startHeaderKind(name.toLowerCase());
  if (position <= lastNames.length) {
    lastNames[position] = name;
    lastKinds[position] = kind;
  }
  return kind;
}

function addStartHeader(found: RequestStartHeaders, kind: number, value: string | undefined): void {
  if (value === undefined) return;
  if (kind === SECRET_HEADER) {
    (found.secrets ??= []).push(value);
    return;
  }
  const field = kind === TRACEPARENT_HEADER ? 'traceparent' : 'retryCount';
  const previous = found[field];
  found[field] = previous === undefined ? value : `${previous}, ${value}`;
}

export function requestStartHeaders(headers: unknown): RequestStartHeaders {
  const found: RequestStartHeaders = {};
  if (Array.isArray(headers)) {
    // The shape of every request of undici >= 6.7: the hot path, without a visitor per header.
    for (let i = 0; i + 1 < headers.length; i += 2) {
      const kind = startHeaderKindAt(i >> 1, headers[i]);
      if (kind === OTHER_HEADER) continue;
      const value: unknown = headers[i + 1];
      if (Array.isArray(value)) for (const item of value) addStartHeader(found, kind, text(item));
      else addStartHeader(found, kind, text(value));
    }
    return found;
  }
  forEachWantedHeader(headers, START_NAMES, (lower, value) => addStartHeader(found, startHeaderKind(lower), value));
  return found;
}

/** `x-stainless-retry-count` as a resend count above 0; undefined for a first attempt or anything not a plain count. */
export function resendCountOf(value: string | undefined): number | undefined {
  if (value === undefined || value === '0' || !/^\s*[1-9]\d{0,5}\s*$/.test(value)) return undefined;
  return Number(value);
}
