import { describe, expect, it } from 'vitest';
import { MAX_ERROR_LABEL_LENGTH, errorFromBody, sanitizeErrorLabel } from '../../../src/wire/errors';

describe('errorFromBody', () => {
  it('OpenAI style: type plus code', () => {
    expect(
      errorFromBody({
        error: {
          message: 'The model `x` does not exist',
          type: 'invalid_request_error',
          param: null,
          code: 'model_not_found',
        },
      }),
    ).toEqual({
      type: 'invalid_request_error',
      code: 'model_not_found',
    });
  });

  it('OpenAI style with a null code', () => {
    expect(errorFromBody({ error: { message: 'm', type: 'server_error', code: null } })).toEqual({
      type: 'server_error',
    });
  });

  it('numeric code without a type (OpenRouter)', () => {
    expect(errorFromBody({ error: { code: 429, message: 'Provider returned error' } })).toEqual({ type: '429' });
  });

  it('string code without a type (Azure)', () => {
    expect(errorFromBody({ error: { code: 'DeploymentNotFound', message: 'm' } })).toEqual({
      type: 'DeploymentNotFound',
    });
    expect(errorFromBody({ error: { code: '401', message: 'Access denied' } })).toEqual({ type: '401' });
  });

  it('Anthropic style', () => {
    expect(
      errorFromBody({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' }, request_id: 'req_1' }),
    ).toEqual({ type: 'overloaded_error' });
  });

  it('Google style: status is the class, the numeric code stays as code', () => {
    expect(
      errorFromBody({ error: { code: 429, message: 'Resource exhausted', status: 'RESOURCE_EXHAUSTED' } }),
    ).toEqual({ type: 'RESOURCE_EXHAUSTED', code: '429' });
  });

  it('arrays of errors (Gemini streamGenerateContent without alt=sse)', () => {
    expect(errorFromBody([{ error: { code: 400, message: 'bad', status: 'INVALID_ARGUMENT' } }])).toEqual({
      type: 'INVALID_ARGUMENT',
      code: '400',
    });
    expect(errorFromBody([{ candidates: [] }])).toBeUndefined();
  });

  it('flat error events use the code, not the event type', () => {
    expect(
      errorFromBody({ type: 'error', code: 'rate_limit_exceeded', message: 'slow down', sequence_number: 3 }),
    ).toEqual({ type: 'rate_limit_exceeded' });
    expect(errorFromBody({ type: 'error', message: 'no code at all' })).toEqual({ type: '_OTHER' });
  });

  it('an error without any class becomes _OTHER, never the message', () => {
    expect(errorFromBody({ error: { message: 'secret prompt text' } })).toEqual({ type: '_OTHER' });
    expect(errorFromBody({ error: 'Unauthorized: key sk-123' })).toEqual({ type: '_OTHER' });
  });

  it('bodies without an error give undefined', () => {
    for (const body of [
      undefined,
      null,
      0,
      'text',
      [],
      {},
      { error: null },
      { error: '' },
      { choices: [] },
      { type: 'message' },
    ]) {
      expect(errorFromBody(body)).toBeUndefined();
    }
  });

  it('labels are code-shaped: spaces, slashes and colons become _, anything longer or stranger is no class', () => {
    expect(errorFromBody({ error: { type: 'Bad Request', code: 'channel:no_available_key' } })).toEqual({
      type: 'Bad_Request',
      code: 'channel_no_available_key',
    });
    expect(errorFromBody({ error: { type: `weird type/${'x'.repeat(200)}`, code: 'a b\nc' } })).toEqual({
      type: '_OTHER',
    });
    expect(errorFromBody({ error: { type: 'a'.repeat(MAX_ERROR_LABEL_LENGTH + 1), code: 'ok_code' } })).toEqual({
      type: 'ok_code',
    });
  });

  it('a key where a class belongs is never the class (401 with the key as status, a stream error whose code is the key)', () => {
    const key = 'sk-proj-Q7vX2mN9pL4tR8wZ1cK6bH3jYf5';
    expect(errorFromBody({ error: { status: key, message: `bad key ${key}` } })).toEqual({ type: '_OTHER' });
    expect(errorFromBody({ error: { code: key } })).toEqual({ type: '_OTHER' });
    expect(errorFromBody({ error: { type: key, code: 'invalid_api_key' } })).toEqual({ type: 'invalid_api_key' });
    expect(errorFromBody({ type: 'error', code: key })).toEqual({ type: '_OTHER' });
  });

  it('bodies nested thousands deep: no stack overflow, and no error found in them', () => {
    const deep = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)) as unknown;
    expect(errorFromBody(deep)).toBeUndefined();
    // Deep enough to have overflowed the old recursive walk, with an error at the bottom: not looked for.
    let wrapped: unknown = { error: { type: 'server_error' } };
    for (let i = 0; i < 20_000; i++) wrapped = [wrapped];
    expect(errorFromBody(wrapped)).toBeUndefined();
    // A long flat array is searched whole.
    expect(
      errorFromBody([...Array.from({ length: 10_000 }, () => ({})), { error: { status: 'UNAVAILABLE' } }]),
    ).toEqual({ type: 'UNAVAILABLE' });
  });
});

/** Error classes vendors and relays really send (and what the fixtures hold): all must stay labels. */
const REAL_CODES = [
  'invalid_request_error',
  'invalid_api_key',
  'model_not_found',
  'insufficient_quota',
  'rate_limit_exceeded',
  'context_length_exceeded',
  'server_error',
  'unsupported_parameter',
  'unsupported_value',
  'content_policy_violation',
  'authentication_error',
  'permission_error',
  'not_found_error',
  'request_too_large',
  'rate_limit_error',
  'api_error',
  'overloaded_error',
  'billing_error',
  'timeout_error',
  'INVALID_ARGUMENT',
  'FAILED_PRECONDITION',
  'PERMISSION_DENIED',
  'NOT_FOUND',
  'RESOURCE_EXHAUSTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DEADLINE_EXCEEDED',
  'UNAUTHENTICATED',
  'DeploymentNotFound',
  'content_filter',
  'InternalServerError',
  'OperationNotSupported',
  'ThrottlingException',
  'ValidationException',
  'ModelNotReadyException',
  'AccessDeniedException',
  'tool_use_failed',
  'json_validate_failed',
  'model_decommissioned',
  'BadRequestError',
  'litellm.BadRequestError',
  'litellm.RateLimitError',
  'upstream_error',
  'new_api_error',
  'bad_response_status_code',
  'reasoning.encrypted',
  'ResponsesAPI.overloaded',
  'gpt-4.1-not-found',
  'E1001',
  'ERR_BAD_REQUEST',
  'http2_error',
  'v1.chat.error',
  '401',
  '429',
  '500',
  '529',
  '3051',
  'iOS_only',
  'OAuthError',
  'HTTPError',
  'UND_ERR_SOCKET',
  'bearer_token_invalid',
  'basic_auth_failed',
  'ASIA_region_unavailable',
];

/** Secrets and pieces of them that must never become a label. */
const KEY_LIKE = [
  'sk-proj-Q7vX2mN9pL4tR8wZ1cK6bH3jYf5', // OpenAI
  'sk-ant-api03-AbC12dEf34', // Anthropic
  'sk-or-v1-0123abcd', // OpenRouter
  'AIzaSyD4f9Kx2LmQ8vN1pR7tW3yB6cE0hJ5gU', // Google
  'gsk_8Hk2PqR5sT9vWx3Yz', // Groq
  'xai-AbCdEf123456', // xAI
  'pplx-0a1b2c3d',
  'hf_AbCdEfGhIjKl',
  'r8_Ab12Cd34',
  'ghp_AbCdEf123456',
  'github_pat_11ABCDEFG',
  'nvapi-abcdEFGH',
  'AKIAIOSFODNN7EXAMPLE', // AWS access key id
  'eyJhbGciOiJIUzI1NiJ9', // a JWT's header
  'Bearer abcdefgh',
  'Basic dXNlcjpwYXNz',
  'invalid_key_sk-proj-Q7vX2m', // a known prefix after a separator
  '7f3a9c1e5b2d4f60a8', // hex
  'azSECRET-apikey-3e7a1c9f5b2d8e4',
  'Q7vX2mN9pL4tR8wZ1cK6', // base62
  'xKqPzRmWtYvBnLcJ', // mixed-case letters only
  'a1b2c3d4',
  'abc123def456',
  'dGhpcyBpcyBhIGtleQ==',
  'ab+cd/ef', // base64 characters
  'a'.repeat(40), // one 40-letter word
  '12345678901234',
  '1234567',
  '-1234567', // long numbers (account, card)
];

describe('sanitizeErrorLabel', () => {
  it('keeps the error classes vendors and relays send', () => {
    for (const code of REAL_CODES) expect({ code, label: sanitizeErrorLabel(code) }).toEqual({ code, label: code });
  });

  it('refuses anything that looks like a key, whole or in part', () => {
    for (const value of KEY_LIKE)
      expect({ value, label: sanitizeErrorLabel(value) }).toEqual({ value, label: undefined });
  });

  it('numbers: small integers only', () => {
    expect(sanitizeErrorLabel(429)).toBe('429');
    expect(sanitizeErrorLabel(-1)).toBe('-1');
    expect(sanitizeErrorLabel(1.5)).toBeUndefined();
    expect(sanitizeErrorLabel(4111111111111111)).toBeUndefined();
  });

  it('keeps safe labels, replaces spaces and slashes, drops non-labels', () => {
    expect(sanitizeErrorLabel('invalid_request_error')).toBe('invalid_request_error');
    expect(sanitizeErrorLabel('a/b c')).toBe('a_b_c');
    expect(sanitizeErrorLabel(404)).toBe('404');
    expect(sanitizeErrorLabel('  ')).toBeUndefined();
    expect(sanitizeErrorLabel(Number.NaN)).toBeUndefined();
    expect(sanitizeErrorLabel({})).toBeUndefined();
    expect(sanitizeErrorLabel(null)).toBeUndefined();
  });
});
