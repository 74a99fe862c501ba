/*
 * The one way environment variables are read (src/config/env.ts): trimmed, blank is unset, and an
 * unreadable value is ignored with a warning naming the variable and the value.
 */
import { describe, expect, it } from 'vitest';
import { DiagLogLevel } from '@opentelemetry/api';
import { envBoolean, envLogLevel, envNumber, envText } from '../../src/config/env';

function warnings() {
  const seen: string[] = [];
  return { seen, warn: (message: string) => void seen.push(message) };
}

describe('envText', () => {
  it('trims; unset and blank are undefined', () => {
    expect(envText({ X: '  a b  ' }, 'X')).toBe('a b');
    expect(envText({ X: '   ' }, 'X')).toBeUndefined();
    expect(envText({ X: '' }, 'X')).toBeUndefined();
    expect(envText({}, 'X')).toBeUndefined();
  });
});

describe('envBoolean', () => {
  it.each([
    ['true', true],
    ['TRUE', true],
    [' True ', true],
    ['false', false],
    ['False', false],
  ])('%j → %s, silently', (value, expected) => {
    const w = warnings();
    expect(envBoolean({ X: value }, 'X', w.warn)).toBe(expected);
    expect(w.seen).toEqual([]);
  });

  it.each([[undefined], [''], ['   ']])('%j is unset: undefined, no warning', value => {
    const w = warnings();
    expect(envBoolean({ X: value }, 'X', w.warn)).toBeUndefined();
    expect(w.seen).toEqual([]);
  });

  it.each([['1'], ['yes'], ['on']])('%j is not a boolean: undefined and a warning naming variable and value', value => {
    const w = warnings();
    expect(envBoolean({ OTEL_LLM_RELAY_PROBE_BALANCE: value }, 'OTEL_LLM_RELAY_PROBE_BALANCE', w.warn)).toBeUndefined();
    expect(w.seen).toEqual([`OTEL_LLM_RELAY_PROBE_BALANCE: ignoring "${value}", expected true or false`]);
    // Without a warning sink (OTEL_SDK_DISABLED, read before any logger exists): just undefined.
    expect(envBoolean({ X: value }, 'X')).toBeUndefined();
  });
});

describe('envNumber', () => {
  it('reads finite numbers; warns about the rest', () => {
    const w = warnings();
    expect(envNumber({ X: ' 30 ' }, 'X', w.warn)).toBe(30);
    expect(envNumber({ X: '1.5' }, 'X', w.warn)).toBe(1.5);
    expect(envNumber({ X: ' ' }, 'X', w.warn)).toBeUndefined();
    expect(w.seen).toEqual([]);
    expect(envNumber({ X: 'thirty' }, 'X', w.warn)).toBeUndefined();
    expect(envNumber({ X: 'Infinity' }, 'X', w.warn)).toBeUndefined();
    expect(w.seen).toEqual(['X: ignoring "thirty", expected a number', 'X: ignoring "Infinity", expected a number']);
  });
});

describe('envLogLevel', () => {
  it.each([
    ['NONE', DiagLogLevel.NONE],
    ['error', DiagLogLevel.ERROR],
    ['Warn', DiagLogLevel.WARN],
    ['INFO', DiagLogLevel.INFO],
    ['debug', DiagLogLevel.DEBUG],
    ['VERBOSE', DiagLogLevel.VERBOSE],
    [' all ', DiagLogLevel.ALL],
  ])('the documented level %j', (value, level) => {
    expect(envLogLevel({ OTEL_LOG_LEVEL: value }, DiagLogLevel.WARN)).toBe(level);
  });

  it("unset or blank: the caller's default; an unknown name: INFO, as the OpenTelemetry SDK reads it", () => {
    expect(envLogLevel({}, DiagLogLevel.WARN)).toBe(DiagLogLevel.WARN);
    expect(envLogLevel({ OTEL_LOG_LEVEL: ' ' }, DiagLogLevel.WARN)).toBe(DiagLogLevel.WARN);
    expect(envLogLevel({ OTEL_LOG_LEVEL: 'loud' }, DiagLogLevel.WARN)).toBe(DiagLogLevel.INFO);
  });
});
