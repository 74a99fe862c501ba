import { describe, expect, it } from 'vitest';
import {
  parseSubscription,
  parseUsage,
  readBalance,
  UNLIMITED_LIMIT_USD,
  usageQuery,
} from '../../../src/probe/balance-answers';

/** What one-api / new-api answer (controller/billing.go): the whole quota as every limit, spent in cents. */
const ONE_API_SUBSCRIPTION = {
  object: 'billing_subscription',
  has_payment_method: true,
  soft_limit_usd: 25,
  hard_limit_usd: 25,
  system_hard_limit_usd: 25,
  access_until: 0,
};
const ONE_API_USAGE = { object: 'list', total_usage: 1234.5 };

describe('readBalance', () => {
  it('reads a one-api answer pair: the limit, and the limit minus what was spent', () => {
    expect(readBalance(ONE_API_SUBSCRIPTION, ONE_API_USAGE)).toEqual({
      kind: 'balance',
      limitUsd: 25,
      remainingUsd: 25 - 12.345,
    });
  });

  it('never reports less than nothing left (a relay that let the key overspend)', () => {
    expect(readBalance(ONE_API_SUBSCRIPTION, { total_usage: 3000 })).toEqual({
      kind: 'balance',
      limitUsd: 25,
      remainingUsd: 0,
    });
  });

  it('takes quoted numbers, and system_hard_limit_usd when hard_limit_usd is absent', () => {
    expect(readBalance({ hard_limit_usd: '10.5' }, { total_usage: '50' })).toEqual({
      kind: 'balance',
      limitUsd: 10.5,
      remainingUsd: 10,
    });
    expect(readBalance({ system_hard_limit_usd: 8 }, { total_usage: 0 })).toEqual({
      kind: 'balance',
      limitUsd: 8,
      remainingUsd: 8,
    });
  });

  it('sees an unlimited key (one-api reports 100 000 000), whatever the usage answer says', () => {
    expect(readBalance({ ...ONE_API_SUBSCRIPTION, hard_limit_usd: UNLIMITED_LIMIT_USD }, undefined)).toEqual({
      kind: 'unlimited',
    });
    expect(readBalance({ hard_limit_usd: 1e12 }, { total_usage: 5 })).toEqual({ kind: 'unlimited' });
  });

  it('says which answer it cannot read, and why', () => {
    expect(readBalance(undefined, ONE_API_USAGE)).toEqual({
      kind: 'unreadable',
      reason: 'subscription: not a JSON object',
    });
    expect(readBalance([ONE_API_SUBSCRIPTION], ONE_API_USAGE)).toEqual({
      kind: 'unreadable',
      reason: 'subscription: not a JSON object',
    });
    expect(readBalance({ object: 'billing_subscription' }, ONE_API_USAGE)).toEqual({
      kind: 'unreadable',
      reason: 'subscription: no hard_limit_usd',
    });
    expect(readBalance(ONE_API_SUBSCRIPTION, { object: 'list' })).toEqual({
      kind: 'unreadable',
      reason: 'usage: no total_usage',
    });
    expect(readBalance(ONE_API_SUBSCRIPTION, 'Not Found')).toEqual({
      kind: 'unreadable',
      reason: 'usage: not a JSON object',
    });
  });

  it('refuses an error object (one-api answers errors with status 200), even next to numbers', () => {
    const error = { error: { message: 'record not found', type: 'one_api_error' } };
    expect(readBalance(error, ONE_API_USAGE)).toEqual({ kind: 'unreadable', reason: 'subscription: an error object' });
    expect(readBalance(ONE_API_SUBSCRIPTION, { ...error, total_usage: 0 })).toEqual({
      kind: 'unreadable',
      reason: 'usage: an error object',
    });
  });
});

describe('amounts', () => {
  it('rejects what is not a finite amount >= 0', () => {
    for (const odd of [-1, '-1', Number.NaN, Number.POSITIVE_INFINITY, 'Infinity', 'NaN', '1e999']) {
      expect(parseSubscription({ hard_limit_usd: odd }), String(odd)).toHaveProperty('problem');
      expect(parseUsage({ total_usage: odd }), String(odd)).toHaveProperty('problem');
    }
  });

  it('rejects values of the wrong type rather than guessing', () => {
    for (const odd of [true, {}, [], '', ' ', '12 USD', '0x10', '1,5']) {
      expect(parseSubscription({ hard_limit_usd: odd }), JSON.stringify(odd)).toEqual({
        problem: 'hard_limit_usd is not a number',
      });
      expect(parseUsage({ total_usage: odd }), JSON.stringify(odd)).toEqual({ problem: 'total_usage is not a number' });
    }
    expect(parseSubscription({ hard_limit_usd: null })).toEqual({ problem: 'no hard_limit_usd' });
  });

  it('converts usage from cents and bounds it below the unlimited sentinel', () => {
    expect(parseUsage({ total_usage: 250 })).toEqual({ value: 2.5 });
    expect(parseUsage({ total_usage: UNLIMITED_LIMIT_USD * 100 })).toEqual({ problem: 'total_usage is out of range' });
  });
});

describe('usageQuery', () => {
  it('asks for the last 100 days up to tomorrow, in UTC dates', () => {
    expect(usageQuery(Date.UTC(2026, 11, 4, 23, 30))).toBe('start_date=2026-08-27&end_date=2026-12-05');
  });
});
