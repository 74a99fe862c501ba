/*
 * The outcome builder: what a finished call amounted to, before pricing.
 */
import { describe, expect, it } from 'vitest';
import type { FinishedCall } from '../../../src/call/call';
import { callOutcome } from '../../../src/call/outcome';
import { withoutEchoes } from '../../../src/call/screen-echoes';
import { SubstitutionCheck } from '../../../src/pricing/model-names';
import type { ResponseInfo } from '../../../src/wire/types';
import { finishedCall } from '../../support/calls';

function finished(overrides: Partial<FinishedCall> = {}): FinishedCall {
  return finishedCall({
    request: { model: 'gpt-4.1', stream: true, params: {} },
    response: {
      responseModel: 'gpt-4.1-2025-04-14',
      finishReasons: ['stop'],
      usage: { inputTokens: 3, outputTokens: 1 },
    },
    startedAt: 1000,
    endedAt: 3000,
    firstChunkAt: 1250,
    ...overrides,
  });
}

/** Screens as if the request's key were `sk-echo`; `screened` gets what it was asked. */
function context(screened: Array<[ResponseInfo, string | undefined]> = []) {
  return {
    screen: (response: ResponseInfo, requestModel: string | undefined) => {
      screened.push([response, requestModel]);
      return withoutEchoes(response, text => text.includes('sk-echo'));
    },
    substitutions: new SubstitutionCheck(),
  };
}

describe('callOutcome', () => {
  it('of a streamed success: time to first chunk in seconds, no error, screened with the request model', () => {
    const screened: Array<[ResponseInfo, string | undefined]> = [];
    const outcome = callOutcome(finished(), context(screened));
    expect(outcome).toMatchObject({
      serverAddress: 'relay.example.com',
      statusCode: 200,
      timeToFirstChunk: 0.25,
      unpriced: false,
      substituted: false,
    });
    expect(outcome.errorType).toBeUndefined();
    expect(outcome.response?.responseModel).toBe('gpt-4.1-2025-04-14');
    expect(screened).toEqual([[finished().response, 'gpt-4.1']]);
  });

  it('has no time to first chunk for a call that was not streamed', () => {
    const call = finished({ request: { model: 'gpt-4.1', stream: false, params: {} } });
    expect(callOutcome(call, context()).timeToFirstChunk).toBeUndefined();
  });

  it('takes the model from the URL when the body names none, and says a substitution', () => {
    const call = finished({
      start: {
        ...finished().start,
        route: {
          format: 'gemini.generate_content',
          operation: 'generate_content',
          urlModel: 'gemini-2.5-pro',
          urlStream: true,
        },
      },
      request: { stream: false, params: {} },
      response: { responseModel: 'gemini-2.5-flash', finishReasons: [], usage: {} },
    });
    const outcome = callOutcome(call, context());
    expect(outcome.request.model).toBe('gemini-2.5-pro');
    expect(outcome.timeToFirstChunk).toBe(0.25);
    expect(outcome.substituted).toBe(true);
  });

  it('screens the response of a successful call: an echoed model is neither recorded nor a substitution', () => {
    const response = { responseModel: 'sk-echo', responseId: 'sk-echo', finishReasons: ['stop'], usage: {} };
    const outcome = callOutcome(finished({ response }), context());
    expect(outcome.errorType).toBeUndefined();
    expect(outcome.response).toEqual({ finishReasons: ['stop'], usage: {} });
    expect(outcome.substituted).toBe(false);
  });

  it('screens the response of a failed call, and takes its error class from the screened one', () => {
    const screened: Array<[ResponseInfo, string | undefined]> = [];
    const response = { responseModel: 'sk-echo', finishReasons: [], usage: {}, error: { type: 'sk-echo' } };
    const outcome = callOutcome(
      finished({ statusCode: 200, response, headers: new Map([['retry-after', '3']]) }),
      context(screened),
    );
    expect(screened).toEqual([[response, 'gpt-4.1']]);
    expect(outcome.errorType).toBe('_OTHER');
    expect(outcome.vendorErrorType).toBe('_OTHER');
    expect(outcome.response?.responseModel).toBeUndefined();
    expect(outcome.retryAfterHeader).toBe('3');
  });

  it('carries the resend count when there is one', () => {
    expect(callOutcome(finished(), { ...context(), resendCount: 2 }).resendCount).toBe(2);
    expect('resendCount' in callOutcome(finished(), context())).toBe(false);
  });
});
