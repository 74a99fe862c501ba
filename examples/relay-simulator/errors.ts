/*
 * Error bodies in each dialect's own shape (what the vendor SDKs parse), plus the relay-level
 * HTML error page and garbage bytes. Messages never contain the caller's API key.
 */
import type { JsonRecord } from './json-values.ts';
import { seededRandom } from './randomness.ts';
import type { Dialect } from './types.ts';

export type ErrorKind =
  | 'bad_request'
  | 'invalid_json'
  | 'unauthorized'
  | 'route_not_found'
  | 'model_not_found'
  | 'too_large'
  | 'rate_limited'
  | 'server_error'
  | 'unavailable'
  | 'overloaded';

export const ERROR_STATUS: Record<ErrorKind, number> = {
  bad_request: 400,
  invalid_json: 400,
  unauthorized: 401,
  route_not_found: 404,
  model_not_found: 404,
  too_large: 413,
  rate_limited: 429,
  server_error: 500,
  unavailable: 503,
  overloaded: 529,
};

export interface ErrorContext {
  model?: string;
  method: string;
  path: string;
  requestId: string;
  retryAfterSeconds: number;
}

interface OpenAIError {
  message: string;
  type: string;
  code: string | null;
}

function openaiError(kind: ErrorKind, ctx: ErrorContext): OpenAIError {
  switch (kind) {
    case 'bad_request':
      return { message: 'Invalid request (simulated fault).', type: 'invalid_request_error', code: null };
    case 'invalid_json':
      return {
        message: 'We could not parse the JSON body of your request.',
        type: 'invalid_request_error',
        code: null,
      };
    case 'unauthorized':
      return {
        message:
          'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.',
        type: 'invalid_request_error',
        code: 'invalid_api_key',
      };
    case 'route_not_found':
      return { message: `Invalid URL (${ctx.method} ${ctx.path})`, type: 'invalid_request_error', code: null };
    case 'model_not_found':
      return {
        message: `The model \`${ctx.model ?? ''}\` does not exist or you do not have access to it.`,
        type: 'invalid_request_error',
        code: 'model_not_found',
      };
    case 'too_large':
      return { message: 'Request body too large.', type: 'invalid_request_error', code: null };
    case 'rate_limited':
      return {
        message:
          `Rate limit reached for ${ctx.model ?? 'requests'} in organization org-simulated on requests per min (RPM): ` +
          `Limit 5000, Used 5000, Requested 1. Please try again in ${ctx.retryAfterSeconds}s. ` +
          'Visit https://platform.openai.com/account/rate-limits to learn more.',
        type: 'requests',
        code: 'rate_limit_exceeded',
      };
    case 'server_error':
      return {
        message: 'The server had an error while processing your request. Sorry about that!',
        type: 'server_error',
        code: null,
      };
    case 'unavailable':
      return { message: 'The server is overloaded or not ready yet.', type: 'server_error', code: null };
    case 'overloaded':
      return {
        message: 'The engine is currently overloaded, please try again later.',
        type: 'server_error',
        code: 'overloaded',
      };
  }
}

const ANTHROPIC_TYPES: Record<ErrorKind, string> = {
  bad_request: 'invalid_request_error',
  invalid_json: 'invalid_request_error',
  unauthorized: 'authentication_error',
  route_not_found: 'not_found_error',
  model_not_found: 'not_found_error',
  too_large: 'request_too_large',
  rate_limited: 'rate_limit_error',
  server_error: 'api_error',
  unavailable: 'api_error',
  overloaded: 'overloaded_error',
};

const GOOGLE_STATUS: Record<ErrorKind, string> = {
  bad_request: 'INVALID_ARGUMENT',
  invalid_json: 'INVALID_ARGUMENT',
  unauthorized: 'UNAUTHENTICATED',
  route_not_found: 'NOT_FOUND',
  model_not_found: 'NOT_FOUND',
  too_large: 'INVALID_ARGUMENT',
  rate_limited: 'RESOURCE_EXHAUSTED',
  server_error: 'INTERNAL',
  unavailable: 'UNAVAILABLE',
  overloaded: 'UNAVAILABLE',
};

/** Messages that differ from OpenAI's wording in the other dialects. */
const ANTHROPIC_MESSAGES: Partial<Record<ErrorKind, string>> = {
  unauthorized: 'invalid x-api-key',
  rate_limited:
    'This request would exceed the rate limit for your organization of 5000 requests per minute. Please try again later.',
  server_error: 'Internal server error',
  overloaded: 'Overloaded',
};

const GOOGLE_MESSAGES: Partial<Record<ErrorKind, string>> = {
  unauthorized: 'API key not valid. Please pass a valid API key.',
  rate_limited: 'Resource has been exhausted (e.g. check quota).',
  server_error:
    'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
  unavailable: 'The model is overloaded. Please try again later.',
};

/** The error body a vendor of this dialect sends for this kind of error. */
export function errorBody(dialect: Dialect, kind: ErrorKind, ctx: ErrorContext): JsonRecord {
  const openai = openaiError(kind, ctx);
  switch (dialect) {
    case 'openai':
      return { error: { message: openai.message, type: openai.type, param: null, code: openai.code } };
    case 'anthropic': {
      const message = ANTHROPIC_MESSAGES[kind] ?? openai.message;
      return { type: 'error', error: { type: ANTHROPIC_TYPES[kind], message }, request_id: ctx.requestId };
    }
    case 'gemini': {
      const message = GOOGLE_MESSAGES[kind] ?? openai.message;
      return { error: { code: ERROR_STATUS[kind], message, status: GOOGLE_STATUS[kind] } };
    }
  }
}

/** The in-band error a 200 stream of this dialect ends with (`stream-error-event` fault). */
export function streamErrorPayload(dialect: Dialect): { event?: string; data: JsonRecord } {
  switch (dialect) {
    case 'openai':
      return {
        event: 'error',
        data: {
          error: {
            message: 'The upstream model stopped responding mid-stream.',
            type: 'server_error',
            param: null,
            code: 'stream_interrupted',
          },
        },
      };
    case 'anthropic':
      return { event: 'error', data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } };
    case 'gemini':
      return { data: { error: { code: 500, message: 'An internal error has occurred.', status: 'INTERNAL' } } };
  }
}

/** The page a fronting proxy (here: Cloudflare-style) serves when the upstream is down. */
export const HTML_502_PAGE = [
  '<html>',
  '<head><title>502 Bad Gateway</title></head>',
  '<body>',
  '<center><h1>502 Bad Gateway</h1></center>',
  '<hr><center>cloudflare</center>',
  '</body>',
  '</html>',
  '',
].join('\r\n');

/** Bytes that are neither UTF-8 text nor any compression format (deterministic). */
export function garbageBytes(length = 512): Buffer {
  const random = seededRandom(0xbad);
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = Math.floor(random() * 256);
  // 0xff 0xfe … never starts a valid UTF-8 sequence, a gzip member or a JSON value.
  bytes[0] = 0xff;
  bytes[1] = 0xfe;
  return bytes;
}
