import { describe, expect, it } from 'vitest';
import { parseProbeCommand } from '../../../src/cli';
import { resolveProbeConfig } from '../../../src/probe/probe-config';

describe('otel-llm-relay probe --balance', () => {
  it('turns the balance check on; without it, OTEL_LLM_RELAY_PROBE_BALANCE decides', () => {
    const on = parseProbeCommand(['--base-url', 'https://relay.example.com/v1', '--balance'], {});
    expect(on.options?.balance).toBe(true);
    expect(resolveProbeConfig(on.options, {}, () => undefined)?.balance?.subscriptionUrl).toBe(
      'https://relay.example.com/v1/dashboard/billing/subscription',
    );
    const off = parseProbeCommand(['--base-url', 'https://relay.example.com/v1'], {});
    expect(resolveProbeConfig(off.options, {}, () => undefined)?.balance).toBeUndefined();
    expect(
      resolveProbeConfig(off.options, { OTEL_LLM_RELAY_PROBE_BALANCE: 'true' }, () => undefined)?.balance,
    ).toBeDefined();
  });
});
