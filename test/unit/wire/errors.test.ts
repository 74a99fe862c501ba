import { describe, expect, it } from 'vitest';
import { MAX_ERROR_LABEL_LENGTH, errorFromBody, sanitizeErrorLabel } from '../../../src/wire/errors';

describe('errorFromBody', () => {
  it('OpenAI style: type plus code', () => {
    expect(errorFromBody({ error: { message: 'The model `x` does not exist', type: 'invalid_request_error', param: null, code: 'model_not_found' } })).toEqual({
      type: 'invalid_request_error',
      code: 'model_not_found',
    });
  });

  it('OpenAI style with a null code', () => {
    expect(errorFromBody({ error: { message: 'm', type: 'server_error', code: null } })).toEqual({ type: 'server_error' });
  });

  it('numeric code without a type (OpenRouter)', () => {
    expect(errorFromBody({ error: { code: 429, message: 'Provider returned error' } })).toEqual({ type: '429' });
  });

  it('string code without a type (Azure)', () => {
    expect(errorFromBody({ error: { code: 'DeploymentNotFound', message: 'm' } })).toEqual({ type: 'DeploymentNotFound' });
    expect(errorFromBody({ error: { code: '401', message: 'Access denied' } })).toEqual({ type: '401' });
  });

  it('Anthropic style', () => {
    expect(errorFromBody({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' }, request_id: 'req_1' })).toEqual({ type: 'overloaded_error' });
  });

  it('Google style: status is the class, the numeric code stays as code', () => {
    expect(errorFromBody({ error: { code: 429, message: 'Resource exhausted', status: 'RESOURCE_EXHAUSTED' } })).toEqual({ type: 'RESOURCE_EXHAUSTED', code: '429' });
  });

  it('arrays of errors (Gemini streamGenerateContent without alt=sse)', () => {
    expect(errorFromBody([{ error: { code: 400, message: 'bad', status: 'INVALID_ARGUMENT' } }])).toEqual({ type: 'INVALID_ARGUMENT', code: '400' });
    expect(errorFromBody([{ candidates: [] }])).toBeUndefined();
  });

  it('flat error events use the code, not the event type', () => {
    expect(errorFromBody({ type: 'error', code: 'rate_limit_exceeded', message: 'slow down', sequence_number: 3 })).toEqual({ type: 'rate_limit_exceeded' });
    expect(errorFromBody({ type: 'error', message: 'no code at all' })).toEqual({ type: '_OTHER' });
  });

  it('an error without any class becomes _OTHER, never the message', () => {
    expect(errorFromBody({ error: { message: 'secret prompt text' } })).toEqual({ type: '_OTHER' });
    expect(errorFromBody({ error: 'Unauthorized: key sk-123' })).toEqual({ type: '_OTHER' });
  });

  it('bodies without an error give undefined', () => {
    for (const body of [undefined, null, 0, 'text', [], {}, { error: null }, { error: '' }, { choices: [] }, { type: 'message' }]) {
      expect(errorFromBody(body)).toBeUndefined();
    }
  });

  it('labels are bounded and sanitised', () => {
    const error = errorFromBody({ error: { type: `weird type/${'x'.repeat(200)}`, code: 'a b\nc' } });
    expect(error?.type).toMatch(/^[A-Za-z0-9_.-]+$/);
    expect(error?.type.length).toBe(MAX_ERROR_LABEL_LENGTH);
    expect(error?.code).toBe('a_b_c');
  });
});

describe('sanitizeErrorLabel', () => {
  it('keeps safe labels, replaces the rest, drops non-labels', () => {
    expect(sanitizeErrorLabel('invalid_request_error')).toBe('invalid_request_error');
    expect(sanitizeErrorLabel('a/b c')).toBe('a_b_c');
    expect(sanitizeErrorLabel(404)).toBe('404');
    expect(sanitizeErrorLabel('  ')).toBeUndefined();
    expect(sanitizeErrorLabel(Number.NaN)).toBeUndefined();
    expect(sanitizeErrorLabel({})).toBeUndefined();
    expect(sanitizeErrorLabel(null)).toBeUndefined();
  });
});
