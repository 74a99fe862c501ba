/*
 * Configuration of the relay probe: explicit options win, then OTEL_LLM_RELAY_PROBE_* variables,
 * then defaults. Pure: the caller passes the environment and a warning sink.
 */
import { envBoolean, envNumber, envText } from '../config/env';
import type { Env, Warn } from '../config/env';

/** Header that carries the API key: `authorization` sends `Bearer <key>`, the others the bare key. */
export type ProbeAuthHeader = 'authorization' | 'x-api-key' | 'x-goog-api-key';

/** What the probe checks: the model list (`GET …/models`), or a one-token chat completion. */
export type ProbeKind = 'models' | 'chat';

/** Options of the active relay health probe (off unless a base URL is given here or in the environment). */
export interface RelayProbeOptions {
  /**
   * The relay's base URL, as given to an OpenAI SDK: `https://relay.example.com`,
   * `https://relay.example.com/v1`, `https://openrouter.ai/api/v1`. Env `OTEL_LLM_RELAY_PROBE_URL`.
   */
  baseUrl: string;
  /**
   * Seconds between probes (±10% jitter); at least 15, at most 86400 (a day).
   * Env `OTEL_LLM_RELAY_PROBE_INTERVAL`.
   * @default 30
   */
  intervalSeconds?: number;
  /**
   * Name of the environment variable that holds the relay API key (e.g. `OPENAI_API_KEY`). The key
   * is read from it for each request and never logged or recorded. Env `OTEL_LLM_RELAY_PROBE_API_KEY_ENV`.
   */
  apiKeyEnv?: string;
  /**
   * Header that carries the key. Env `OTEL_LLM_RELAY_PROBE_AUTH_HEADER`.
   * @default 'authorization' (`Bearer <key>`)
   */
  authHeader?: ProbeAuthHeader;
  /**
   * Also send a one-token chat completion to this model every interval, to test the full path
   * (its cost is counted like any call: pick the cheapest model). Env `OTEL_LLM_RELAY_PROBE_CHAT_MODEL`.
   */
  chatModel?: string;
  /**
   * Deadline of one probe request: connecting, the response headers and the body; at most
   * 300000 (5 minutes). Env `OTEL_LLM_RELAY_PROBE_TIMEOUT_MS`.
   * @default 10000
   */
  timeoutMs?: number;
  /**
   * Path of the model list, relative to `baseUrl` (a base URL ending in `/v1` is not doubled).
   * Env `OTEL_LLM_RELAY_PROBE_MODELS_PATH`.
   * @default '/v1/models'
   */
  modelsPath?: string;
  /**
   * Also read the relay's balance every 5 minutes (or every interval, when longer) from the legacy
   * OpenAI billing routes that relays built on one-api / new-api serve
   * (`…/dashboard/billing/subscription` and `…/dashboard/billing/usage`).
   * Env `OTEL_LLM_RELAY_PROBE_BALANCE` (`true`).
   * @default false
   */
  balance?: boolean;
}

/** The probe's settings once resolved; produced by {@link resolveProbeConfig}. */
export interface ResolvedProbeConfig {
  /** URL of the model-list probe. */
  modelsUrl: string;
  /** URL of the chat probe; set when `chatModel` is. */
  chatUrl?: string;
  chatModel?: string;
  /** Base URL without credentials or query values, for log lines. */
  displayUrl: string;
  serverAddress: string;
  serverPort: number;
  intervalMs: number;
  timeoutMs: number;
  /** Name of the variable holding the key; the key itself is read at request time. */
  apiKeyEnv?: string;
  authHeader: ProbeAuthHeader;
  /** Set when the balance check is on. */
  balance?: ResolvedBalanceCheck;
}

/** The balance check's settings. */
export interface ResolvedBalanceCheck {
  subscriptionUrl: string;
  /** Without the date query, which is added at each request. */
  usageUrl: string;
  intervalMs: number;
}

/** The balance moves slowly and its routes may be rate-limited more tightly: read it at most this often. */
export const BALANCE_INTERVAL_MS = 5 * 60 * 1000;

export const MIN_PROBE_INTERVAL_SECONDS = 15;
export const DEFAULT_PROBE_INTERVAL_SECONDS = 30;
export const DEFAULT_PROBE_TIMEOUT_MS = 10_000;
/*
 * Upper bounds: Node's timers hold at most 2^31-1 ms (~24.8 days) and fire a longer delay after
 * 1 ms, which would turn a long interval into a probe every millisecond and a long timeout into
 * "down". A day between probes, even with jitter and backoff on top, stays far below that.
 */
export const MAX_PROBE_INTERVAL_SECONDS = 86_400;
export const MAX_PROBE_TIMEOUT_MS = 5 * 60 * 1000;
export const DEFAULT_MODELS_PATH = '/v1/models';
const CHAT_PATH = '/chat/completions';
const AUTH_HEADERS: readonly ProbeAuthHeader[] = ['authorization', 'x-api-key', 'x-goog-api-key'];
/** An environment variable name (POSIX). */
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/**
 * A variable name safe to print: upper case, as variables are conventionally named. A valid name
 * in mixed case may be a key given where its variable's name belongs (`--api-key-env "$KEY"`).
 */
const PRINTABLE_VARIABLE_NAME = /^[A-Z_][A-Z0-9_]{0,63}$/;

/** True for a string that can name an environment variable. */
export function isVariableName(name: string): boolean {
  return VARIABLE_NAME.test(name);
}

/** How log lines refer to the API key variable: its name, unless that could be a key itself. */
export function apiKeyVariableLabel(name: string): string {
  return PRINTABLE_VARIABLE_NAME.test(name) ? name : 'the variable named by apiKeyEnv';
}

/** A path segment naming an API version: `v1`, `v1beta`, `v2alpha`. */
const VERSION_SEGMENT = /^v\d+[a-z0-9]*$/i;

function intervalMs(seconds: number | undefined, warn: Warn): number {
  if (seconds === undefined) return DEFAULT_PROBE_INTERVAL_SECONDS * 1000;
  if (!Number.isFinite(seconds) || seconds <= 0) {
    warn(
      `probe interval: ignoring ${String(seconds)}, expected seconds >= ${MIN_PROBE_INTERVAL_SECONDS}; using ${DEFAULT_PROBE_INTERVAL_SECONDS}`,
    );
    return DEFAULT_PROBE_INTERVAL_SECONDS * 1000;
  }
  if (seconds < MIN_PROBE_INTERVAL_SECONDS) {
    warn(`probe interval: ${seconds} s is below the minimum, using ${MIN_PROBE_INTERVAL_SECONDS} s`);
    return MIN_PROBE_INTERVAL_SECONDS * 1000;
  }
  if (seconds > MAX_PROBE_INTERVAL_SECONDS) {
    warn(`probe interval: ${seconds} s is above the maximum, using ${MAX_PROBE_INTERVAL_SECONDS} s`);
    return MAX_PROBE_INTERVAL_SECONDS * 1000;
  }
  return Math.round(seconds * 1000);
}

function timeoutMs(value: number | undefined, warn: Warn): number {
  if (value === undefined) return DEFAULT_PROBE_TIMEOUT_MS;
  if (!Number.isFinite(value) || value <= 0) {
    warn(`probe timeout: ignoring ${String(value)}, expected milliseconds > 0; using ${DEFAULT_PROBE_TIMEOUT_MS}`);
    return DEFAULT_PROBE_TIMEOUT_MS;
  }
  if (value > MAX_PROBE_TIMEOUT_MS) {
    warn(`probe timeout: ${value} ms is above the maximum, using ${MAX_PROBE_TIMEOUT_MS} ms`);
    return MAX_PROBE_TIMEOUT_MS;
  }
  return Math.max(1, Math.round(value));
}

function authHeader(value: string | undefined, warn: Warn): ProbeAuthHeader {
  if (value === undefined) return 'authorization';
  const lower = value.trim().toLowerCase();
  const found = AUTH_HEADERS.find(h => h === lower);
  if (found) return found;
  warn(`probe auth header: ignoring "${value}", expected one of ${AUTH_HEADERS.join(', ')}`);
  return 'authorization';
}

function trimSlashes(path: string): string {
  return path.replace(/\/+$/, '');
}

/**
 * `base` (a URL whose path may be empty) joined with `path`, not doubling a `/v1` both end and start with.
 * The base's query string is kept.
 */
export function joinProbeUrl(base: URL, path: string): string {
  const url = new URL(base.href);
  const basePath = trimSlashes(url.pathname);
  let rest = path.startsWith('/') ? path : `/${path}`;
  const query = rest.indexOf('?');
  let extraQuery = '';
  if (query !== -1) {
    extraQuery = rest.slice(query + 1);
    rest = rest.slice(0, query);
  }
  if (/\/v1$/i.test(basePath) && /^\/v1(\/|$)/i.test(rest)) rest = rest.slice(3);
  url.pathname = basePath + rest;
  if (extraQuery) url.search = url.search ? `${url.search}&${extraQuery}` : extraQuery;
  return url.href;
}

/**
 * The API root under which `models` and `chat/completions` live: the base URL itself when its path
 * names an API version anywhere (`/v1`, `/api/v1`, `/v1beta/openai`, a gateway's `/v1/acct/gw/openai`),
 * else the base URL plus `/v1`.
 */
export function apiRoot(base: URL): URL {
  const segments = trimSlashes(base.pathname).split('/').filter(Boolean);
  const root = new URL(base.href);
  root.pathname = segments.some(s => VERSION_SEGMENT.test(s))
    ? `/${segments.join('/')}`
    : `/${[...segments, 'v1'].join('/')}`;
  return root;
}

/** The base URL for log lines: no credentials, no query values. */
function displayUrl(base: URL): string {
  const url = new URL(base.href);
  url.search = '';
  url.hash = '';
  return url.href.replace(/\/$/, '');
}

function defaultPort(protocol: string): number {
  return protocol === 'https:' ? 443 : 80;
}

/**
 * The probe's settings from options and environment; `undefined` when the probe is off (no base
 * URL, `options === false`, or a base URL that cannot be used, which is warned about).
 * Options win over `OTEL_LLM_RELAY_PROBE_*` variables. Never reads the API key itself.
 */
export function resolveProbeConfig(
  options: RelayProbeOptions | false | undefined,
  env: Env,
  warn: Warn,
): ResolvedProbeConfig | undefined {
  if (options === false) return undefined;
  const rawUrl = options?.baseUrl?.trim() || envText(env, 'OTEL_LLM_RELAY_PROBE_URL');
  if (!rawUrl) return undefined;

  let base: URL;
  try {
    base = new URL(rawUrl);
  } catch {
    // The value may embed a key: do not echo it.
    warn('relay probe: the base URL is not a valid absolute URL; the probe is off');
    return undefined;
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    warn(`relay probe: the base URL must be http or https, not ${base.protocol}; the probe is off`);
    return undefined;
  }
  if (base.username || base.password) {
    warn(
      'relay probe: the base URL must not contain credentials (name the variable holding the key with apiKeyEnv); the probe is off',
    );
    return undefined;
  }
  base.hash = '';

  const apiKeyEnvSource = options?.apiKeyEnv?.trim() ? 'apiKeyEnv' : 'OTEL_LLM_RELAY_PROBE_API_KEY_ENV';
  let apiKeyEnv = options?.apiKeyEnv?.trim() || envText(env, 'OTEL_LLM_RELAY_PROBE_API_KEY_ENV');
  if (apiKeyEnv !== undefined && !isVariableName(apiKeyEnv)) {
    // Most likely the key itself: never repeat it.
    warn(
      `relay probe: the value given to ${apiKeyEnvSource} is not a valid variable name (not shown: it may be a key); probe requests go without a key`,
    );
    apiKeyEnv = undefined;
  } else if (apiKeyEnv !== undefined && !envText(env, apiKeyEnv)) {
    const label = apiKeyVariableLabel(apiKeyEnv);
    warn(
      `relay probe: the API key variable ${label === apiKeyEnv ? label : 'named by apiKeyEnv'} is not set; probe requests go without a key`,
    );
  }
  const chatModel = options?.chatModel?.trim() || envText(env, 'OTEL_LLM_RELAY_PROBE_CHAT_MODEL');
  const modelsPath = options?.modelsPath?.trim() || envText(env, 'OTEL_LLM_RELAY_PROBE_MODELS_PATH');
  const root = apiRoot(base);

  const config: ResolvedProbeConfig = {
    modelsUrl: modelsPath ? joinProbeUrl(base, modelsPath) : joinProbeUrl(root, '/models'),
    displayUrl: displayUrl(base),
    serverAddress: base.hostname.replace(/^\[|\]$/g, '').toLowerCase(),
    serverPort: base.port ? Number(base.port) : defaultPort(base.protocol),
    intervalMs: intervalMs(options?.intervalSeconds ?? envNumber(env, 'OTEL_LLM_RELAY_PROBE_INTERVAL', warn), warn),
    timeoutMs: timeoutMs(options?.timeoutMs ?? envNumber(env, 'OTEL_LLM_RELAY_PROBE_TIMEOUT_MS', warn), warn),
    authHeader: authHeader(options?.authHeader ?? envText(env, 'OTEL_LLM_RELAY_PROBE_AUTH_HEADER'), warn),
  };
  if (apiKeyEnv !== undefined) config.apiKeyEnv = apiKeyEnv;
  if (chatModel !== undefined) {
    config.chatModel = chatModel;
    config.chatUrl = joinProbeUrl(root, CHAT_PATH);
  }
  if (options?.balance ?? envBoolean(env, 'OTEL_LLM_RELAY_PROBE_BALANCE', warn)) {
    // one-api and new-api serve both routes at the root and under /v1, like the model list.
    config.balance = {
      subscriptionUrl: joinProbeUrl(root, '/dashboard/billing/subscription'),
      usageUrl: joinProbeUrl(root, '/dashboard/billing/usage'),
      intervalMs: Math.max(BALANCE_INTERVAL_MS, config.intervalMs),
    };
  }
  return config;
}
