import { describe, expect, it } from 'vitest';
import type { Attributes, ObservableResult } from '@opentelemetry/api';
import { TotalsByAttributes } from '../../../src/telemetry/metrics';

function observed(totals: TotalsByAttributes): Array<[number, Attributes]> {
  const seen: Array<[number, Attributes]> = [];
  totals.observe({
    observe: (value: number, attributes?: Attributes) => seen.push([value, attributes ?? {}]),
  } as ObservableResult);
  return seen;
}

describe('TotalsByAttributes (llm_relay.output.characters)', () => {
  it('sums per attribute set, whatever the order of the names', () => {
    const totals = new TotalsByAttributes();
    totals.add({ 'gen_ai.request.model': 'gpt-4.1', 'server.port': 443, tenant: 'a' }, 100);
    totals.add({ tenant: 'a', 'server.port': 443, 'gen_ai.request.model': 'gpt-4.1' }, 20);
    totals.add({ 'gen_ai.request.model': 'gpt-4.1', 'server.port': 443, tenant: 'b' }, 7);
    expect(observed(totals)).toEqual([
      [120, { 'gen_ai.request.model': 'gpt-4.1', 'server.port': 443, tenant: 'a' }],
      [7, { 'gen_ai.request.model': 'gpt-4.1', 'server.port': 443, tenant: 'b' }],
    ]);
  });

  it('keys array values by their content, so that a new array per call is one series, not one each', () => {
    const totals = new TotalsByAttributes();
    for (let i = 0; i < 3; i++) totals.add({ tags: ['a', 'b'] }, 5);
    totals.add({ tags: ['a'] }, 1);
    expect(observed(totals)).toEqual([
      [15, { tags: ['a', 'b'] }],
      [1, { tags: ['a'] }],
    ]);
  });

  it('keeps apart sets whose values would run together in a naive key', () => {
    const totals = new TotalsByAttributes();
    totals.add({ a: 'x;b=y', b: '' }, 1);
    totals.add({ a: 'x', b: 'y' }, 1);
    totals.add({ a: 1 }, 1);
    totals.add({ a: '1' }, 1);
    // A string that spells an array's JSON is not that array.
    totals.add({ a: ['x'] }, 1);
    totals.add({ a: '["x"]' }, 1);
    expect(observed(totals).map(([value]) => value)).toEqual([1, 1, 1, 1, 1, 1]);
  });
});
