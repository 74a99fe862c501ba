/*
 * Whether a call failed and its error.type: the transport error first, then the HTTP status, then
 * the vendor's error class, then what was wrong with the body.
 */
import { describe, expect, it } from 'vitest';
import { finishedCall } from '../../support/calls';
import { callErrorType, transportErrorType } from '../../../src/call/error-type';

const finished = finishedCall;

const vendorError = { finishReasons: [], usage: {}, error: { type: 'rate_limit_error' } };

describe('callErrorType', () => {
  it('is undefined for a call that succeeded', () => {
    expect(callErrorType(finished(), undefined)).toBeUndefined();
  });

  it('puts the transport error before everything else', () => {
    const call = finished({
      transportError: 'UND_ERR_SOCKET',
      statusCode: 502,
      response: vendorError,
      bodyProblem: 'incomplete_response',
    });
    expect(callErrorType(call, 'rate_limit_error')).toBe('UND_ERR_SOCKET');
  });

  it('puts an HTTP error status before the vendor class and the body problem', () => {
    const call = finished({ statusCode: 429, response: vendorError, bodyProblem: 'invalid_response' });
    expect(callErrorType(call, 'rate_limit_error')).toBe('429');
    expect(callErrorType(finished({ statusCode: 399 }), undefined)).toBeUndefined();
    expect(callErrorType(finished({ statusCode: 400 }), undefined)).toBe('400');
  });

  it('puts the vendor class (an error in a 200 answer, e.g. mid-stream) before the body problem', () => {
    const call = finished({ response: vendorError, bodyProblem: 'incomplete_response' });
    expect(callErrorType(call, 'rate_limit_error')).toBe('rate_limit_error');
  });

  it('falls back to what was wrong with the body', () => {
    const call = finished({ response: undefined, bodyProblem: 'empty_response' });
    expect(callErrorType(call, undefined)).toBe('empty_response');
  });

  it('takes the vendor class as given: the screened one, not the raw body', () => {
    // The response said an error (so the call failed), but its class echoed a key and was screened.
    expect(callErrorType(finished({ response: vendorError }), '_OTHER')).toBe('_OTHER');
  });
});

describe('transportErrorType', () => {
  it('prefers the code, then a specific name, then the class name; never the message', () => {
    expect(transportErrorType(Object.assign(new Error('socket hang up at 10.0.0.1'), { code: 'UND_ERR_SOCKET' }))).toBe(
      'UND_ERR_SOCKET',
    );
    expect(transportErrorType(new DOMException('The operation was aborted', 'AbortError'))).toBe('AbortError');
    expect(transportErrorType(new TypeError('fetch failed'))).toBe('TypeError');
    class RelayGoneError extends Error {}
    expect(transportErrorType(new RelayGoneError('gone'))).toBe('RelayGoneError');
    expect(transportErrorType(new Error('plain'))).toBe('Error');
  });

  it('odd values still give a bounded, safe label', () => {
    expect(transportErrorType(undefined)).toBe('_OTHER');
    expect(transportErrorType('a string')).toBe('_OTHER');
    expect(transportErrorType({ code: 'E CONN/RESET' })).toBe('E_CONN_RESET');
    // Not code-shaped (too long, odd characters, a key where a code belongs): the semconv fallback.
    expect(transportErrorType({ code: 'X'.repeat(500) })).toBe('_OTHER');
    expect(transportErrorType({ code: 'bad type: "x"\n' })).toBe('_OTHER');
    expect(transportErrorType({ code: 'sk-proj-4fT9qLm2Xc8Rv1Zb' })).toBe('_OTHER');
  });
});
