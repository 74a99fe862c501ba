import { describe, expect, it } from 'vitest';
import { BALANCE_INTERVAL_MS, resolveProbeConfig } from '../../../src/probe/probe-config';
import type { RelayProbeOptions } from '../../../src/probe/probe-config';

function resolve(options: Partial<RelayProbeOptions> | undefined, env: Record<string, string> = {}) {
  const warnings: string[] = [];
  const config = resolveProbeConfig(
    options === undefined ? undefined : { baseUrl: 'https://relay.example.com/v1', ...options },
    env,
    m => warnings.push(m),
  );
  return { config, warnings };
}

describe('resolveProbeConfig: the balance check', () => {
  it('is off by default', () => {
    expect(resolve({}).config?.balance).toBeUndefined();
  });

  it('reads both billing routes under the API root, every 5 minutes', () => {
    expect(resolve({ balance: true }).config?.balance).toEqual({
      subscriptionUrl: 'https://relay.example.com/v1/dashboard/billing/subscription',
      usageUrl: 'https://relay.example.com/v1/dashboard/billing/usage',
      intervalMs: BALANCE_INTERVAL_MS,
    });
    expect(resolve({ baseUrl: 'https://relay.example.com', balance: true }).config?.balance?.subscriptionUrl).toBe(
      'https://relay.example.com/v1/dashboard/billing/subscription',
    );
  });

  it('never reads more often than the health probe', () => {
    expect(resolve({ balance: true, intervalSeconds: 600 }).config?.balance?.intervalMs).toBe(600_000);
  });

  it('is turned on by OTEL_LLM_RELAY_PROBE_BALANCE=true; the option wins; other values are warned about', () => {
    expect(
      resolve(undefined, { OTEL_LLM_RELAY_PROBE_URL: 'https://r.example.com', OTEL_LLM_RELAY_PROBE_BALANCE: 'TRUE' })
        .config?.balance,
    ).toBeDefined();
    expect(resolve({ balance: false }, { OTEL_LLM_RELAY_PROBE_BALANCE: 'true' }).config?.balance).toBeUndefined();
    expect(resolve({}, { OTEL_LLM_RELAY_PROBE_BALANCE: 'false' }).config?.balance).toBeUndefined();
    const { config, warnings } = resolve({}, { OTEL_LLM_RELAY_PROBE_BALANCE: 'yes please' });
    expect(config?.balance).toBeUndefined();
    expect(warnings).toEqual(['OTEL_LLM_RELAY_PROBE_BALANCE: ignoring "yes please", expected true or false']);
  });
});
