/*
 * The user's hooks: what they are told of a call, and that what they throw stays out of the call.
 */
import type { DiagLogger, Span } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import type { CallOutcome, CallStart } from '../../src/call/call';
import type { LlmCallInfo } from '../../src/types';
import { UserHooks, callInfo } from '../../src/user-hooks';
import { CHAT_CALL_START } from '../support/calls';

const start: CallStart = { ...CHAT_CALL_START, probe: 'chat' };

function logger() {
  const lines: string[] = [];
  const log = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
  return { lines, diag: { error: log, warn: log, info: log, debug: log, verbose: log } as DiagLogger };
}

describe('callInfo', () => {
  it('tells the start and the requested model, and the outcome once there is one', () => {
    expect(callInfo(start, 'gpt-4.1')).toEqual({
      method: 'POST',
      url: start.url,
      operation: 'chat',
      requestModel: 'gpt-4.1',
      responseModel: undefined,
      statusCode: undefined,
      errorType: undefined,
      probe: 'chat',
    });
    const outcome = {
      ...start,
      request: { model: 'gpt-4.1', stream: false, params: {} },
      response: { responseModel: 'gpt-4.1-mini', finishReasons: [], usage: {} },
      statusCode: 429,
      errorType: '429',
      unpriced: false,
      substituted: true,
    } satisfies CallOutcome;
    expect(callInfo(start, undefined, outcome)).toMatchObject({
      requestModel: 'gpt-4.1',
      responseModel: 'gpt-4.1-mini',
      statusCode: 429,
      errorType: '429',
    });
  });
});

describe('UserHooks', () => {
  it('runs the hooks with the call info; what they throw is logged, never thrown', () => {
    const seen: LlmCallInfo[] = [];
    const { lines, diag } = logger();
    const hooks = new UserHooks(
      {
        requestHook: (_span, info) => void seen.push(info),
        responseHook: () => {
          throw new Error('hook bug');
        },
      },
      10,
      diag,
    );
    const span = {} as Span;
    hooks.run('requestHook', span, start, 'gpt-4.1');
    expect(() => hooks.run('responseHook', span, start, 'gpt-4.1')).not.toThrow();
    expect(seen.map(info => info.requestModel)).toEqual(['gpt-4.1']);
    expect(lines.some(line => line.startsWith('responseHook threw:') && line.includes('hook bug'))).toBe(true);
  });

  it('bounds the metric hook values like model names; none without a hook or when it throws', () => {
    const { lines, diag } = logger();
    let n = 0;
    const hooks = new UserHooks({ metricAttributesHook: () => ({ tenant: `t${n++}` }) }, 2, diag);
    const values = [1, 2, 3, 4].map(() => hooks.metricAttributes(start, 'gpt-4.1')?.['tenant']);
    expect(values).toEqual(['t0', 't1', '_OTHER', '_OTHER']);
    expect(lines.filter(line => line.includes('distinct'))).toHaveLength(1);
    expect(new UserHooks({}, 2, diag).metricAttributes(start, undefined)).toBeUndefined();
    const throwing = new UserHooks(
      {
        metricAttributesHook: () => {
          throw new Error('x');
        },
      },
      2,
      diag,
    );
    expect(throwing.metricAttributes(start, undefined)).toBeUndefined();
  });
});
