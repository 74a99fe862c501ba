/*
 * Pricing a call's outcome: the relay's own cost wins, then the price table (answering model first,
 * then the requested one), else the call is unpriced and its model said once.
 */
import { describe, expect, it } from 'vitest';
import type { CallOutcome } from '../../../src/call/call';
import { CallPricer, MAX_UNPRICED_MODELS } from '../../../src/call/call-pricing';
import { PriceBook } from '../../../src/pricing/price-book';
import { CHAT_CALL_START } from '../../support/calls';

function outcome(
  response: Partial<NonNullable<CallOutcome['response']>> | undefined,
  requestModel = 'acme-large',
): CallOutcome {
  return {
    ...CHAT_CALL_START,
    request: { model: requestModel, stream: false, params: {} },
    response: response && { finishReasons: [], usage: {}, ...response },
    unpriced: false,
    substituted: false,
  };
}

const book = PriceBook.create({ overrides: { models: { 'acme-large': { input: 2, output: 8 } } } });

function pricer() {
  const warnings: string[] = [];
  return {
    pricer: new CallPricer(
      () => book,
      message => warnings.push(message),
    ),
    warnings,
  };
}

describe('CallPricer', () => {
  it('prices the usage from the table, by the answering model first', () => {
    const { pricer: p } = pricer();
    const call = outcome(
      { responseModel: 'acme-large', usage: { inputTokens: 1_000_000, outputTokens: 500_000 } },
      'deployment-7',
    );
    p.price(call);
    expect(call.cost).toEqual({ usd: 6, source: 'table' });
    expect(call.unpriced).toBe(false);
  });

  it('falls back to the requested model (an answer naming a model the table does not know)', () => {
    const { pricer: p } = pricer();
    const call = outcome({ responseModel: 'zz-router-v9', usage: { inputTokens: 1_000_000 } });
    p.price(call);
    expect(call.cost).toEqual({ usd: 2, source: 'table' });
  });

  it("takes the relay's reported cost over the table", () => {
    const { pricer: p } = pricer();
    const call = outcome({ responseModel: 'acme-large', usage: { inputTokens: 10 }, reportedCostUsd: 0.5 });
    p.price(call);
    expect(call.cost).toEqual({ usd: 0.5, source: 'relay' });
  });

  it('leaves a call without usage or reported cost alone', () => {
    const { pricer: p, warnings } = pricer();
    const call = outcome({ responseModel: 'nobody-knows' });
    p.price(call);
    expect(call.cost).toBeUndefined();
    expect(call.unpriced).toBe(false);
    p.price(outcome(undefined));
    expect(warnings).toEqual([]);
  });

  it('marks an unknown model unpriced and says each such model once, at most MAX_UNPRICED_MODELS', () => {
    const { pricer: p, warnings } = pricer();
    const first = outcome({ responseModel: 'nobody-knows', usage: { outputTokens: 3 } }, 'nobody-knows');
    p.price(first);
    p.price(outcome({ responseModel: 'nobody-knows', usage: { outputTokens: 3 } }, 'nobody-knows'));
    expect(first.unpriced).toBe(true);
    expect(first.cost).toBeUndefined();
    expect(warnings).toEqual([
      'no price for model "nobody-knows": its calls are counted in llm_relay.cost.unpriced; add it with a pricing file (OTEL_LLM_RELAY_PRICING)',
    ]);
    for (let i = 0; i < MAX_UNPRICED_MODELS + 20; i++)
      p.price(outcome({ responseModel: `unknown-${i}`, usage: { inputTokens: 1 } }, `unknown-${i}`));
    expect(warnings).toHaveLength(MAX_UNPRICED_MODELS);
    const late = outcome({ responseModel: 'unknown-late', usage: { inputTokens: 1 } }, 'unknown-late');
    p.price(late);
    expect(late.unpriced).toBe(true);
  });

  it('asks for the price book at each call (setConfig may replace it)', () => {
    let current = book;
    const p = new CallPricer(
      () => current,
      () => undefined,
    );
    current = PriceBook.create({ overrides: { models: { 'acme-large': { input: 4, output: 8 } } } });
    const call = outcome({ responseModel: 'acme-large', usage: { inputTokens: 1_000_000 } });
    p.price(call);
    expect(call.cost).toEqual({ usd: 4, source: 'table' });
  });
});
