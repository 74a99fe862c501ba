/*
 * Reading environment variables, the one way every setting does: options win, then the variable,
 * then the default. A variable that is unset or only blanks counts as unset; values are trimmed.
 * Pure: the caller passes the environment (process.env in production).
 */
import { diagLogLevelFromString } from '@opentelemetry/core';
import type { DiagLogLevel } from '@opentelemetry/api';

export type Env = Readonly<Record<string, string | undefined>>;
export type Warn = (message: string) => void;

/** The trimmed value; undefined when unset or blank. */
export function envText(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/** A finite number; undefined when unset or blank, and (with a warning when `warn` is given) when not a number. */
export function envNumber(env: Env, name: string, warn?: Warn): number | undefined {
  const text = envText(env, name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (Number.isFinite(value)) return value;
  warn?.(`${name}: ignoring "${text}", expected a number`);
  return undefined;
}

/** `true` or `false`, any case; undefined when unset or blank, and (with a warning when `warn` is given) for anything else. */
export function envBoolean(env: Env, name: string, warn?: Warn): boolean | undefined {
  const text = envText(env, name)?.toLowerCase();
  if (text === undefined) return undefined;
  if (text === 'true') return true;
  if (text === 'false') return false;
  warn?.(`${name}: ignoring "${env[name]?.trim()}", expected true or false`);
  return undefined;
}

/** `OTEL_LOG_LEVEL` as the SDK reads it (an unknown name means INFO); `fallback` when unset or blank. */
export function envLogLevel(env: Env, fallback: DiagLogLevel): DiagLogLevel {
  return diagLogLevelFromString(envText(env, 'OTEL_LOG_LEVEL')) ?? fallback;
}
