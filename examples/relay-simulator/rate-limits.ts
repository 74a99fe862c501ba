/*
 * Fixed-window rate-limit bookkeeping per model, and the headers that report it
 * (OpenAI-style x-ratelimit-*, Anthropic-style anthropic-ratelimit-*).
 */
import type { RateLimitOptions } from './types.ts';

export interface RateLimitSnapshot {
  requestsLimit: number;
  requestsRemaining: number;
  tokensLimit: number;
  tokensRemaining: number;
  inputTokensLimit: number;
  inputTokensRemaining: number;
  outputTokensLimit: number;
  outputTokensRemaining: number;
  /** Epoch ms when the window restarts. */
  resetAt: number;
}

interface Window {
  start: number;
  requests: number;
  inputTokens: number;
  outputTokens: number;
}

export class RateLimitLedger {
  readonly requestsLimit: number;
  readonly tokensLimit: number;
  readonly windowMs: number;
  readonly enforce: boolean;
  // Anthropic splits its token limit; this keeps the ratio of its published tiers (5:1).
  readonly inputTokensLimit: number;
  readonly outputTokensLimit: number;
  private readonly windows = new Map<string, Window>();
  private readonly now: () => number;

  constructor(options: RateLimitOptions = {}, now: () => number = Date.now) {
    this.requestsLimit = options.requests ?? 5000;
    this.tokensLimit = options.tokens ?? 4_000_000;
    this.windowMs = options.windowMs ?? 60_000;
    this.enforce = options.enforce ?? false;
    this.inputTokensLimit = Math.round((this.tokensLimit * 5) / 6);
    this.outputTokensLimit = this.tokensLimit - this.inputTokensLimit;
    this.now = now;
  }

  private window(key: string): Window {
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || now - window.start >= this.windowMs) {
      window = { start: now, requests: 0, inputTokens: 0, outputTokens: 0 };
      this.windows.set(key, window);
    }
    return window;
  }

  /** True when the key's window has no request left. */
  exhausted(key: string): boolean {
    return this.window(key).requests >= this.requestsLimit;
  }

  /** Counts one call and its tokens, and returns what remains. */
  consume(key: string, inputTokens: number, outputTokens: number): RateLimitSnapshot {
    const window = this.window(key);
    window.requests++;
    window.inputTokens += inputTokens;
    window.outputTokens += outputTokens;
    return this.snapshot(window);
  }

  /** What remains, without counting a call. */
  peek(key: string): RateLimitSnapshot {
    return this.snapshot(this.window(key));
  }

  reset(): void {
    this.windows.clear();
  }

  private snapshot(window: Window): RateLimitSnapshot {
    const floor = (n: number): number => Math.max(0, n);
    return {
      requestsLimit: this.requestsLimit,
      requestsRemaining: floor(this.requestsLimit - window.requests),
      tokensLimit: this.tokensLimit,
      tokensRemaining: floor(this.tokensLimit - window.inputTokens - window.outputTokens),
      inputTokensLimit: this.inputTokensLimit,
      inputTokensRemaining: floor(this.inputTokensLimit - window.inputTokens),
      outputTokensLimit: this.outputTokensLimit,
      outputTokensRemaining: floor(this.outputTokensLimit - window.outputTokens),
      resetAt: window.start + this.windowMs,
    };
  }
}

/** OpenAI's duration format: `12ms`, `8.64s`, `1m30s`, `2m0.5s`. */
export function formatResetDuration(ms: number): string {
  const clamped = Math.max(0, Math.round(ms));
  if (clamped < 1000) return `${clamped}ms`;
  const seconds = clamped / 1000;
  if (seconds < 60) return `${Number(seconds.toFixed(3))}s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes}m${Number((seconds - minutes * 60).toFixed(3))}s`;
}

export function openaiRateLimitHeaders(s: RateLimitSnapshot, now: number): Record<string, string> {
  const reset = formatResetDuration(s.resetAt - now);
  return {
    'x-ratelimit-limit-requests': String(s.requestsLimit),
    'x-ratelimit-limit-tokens': String(s.tokensLimit),
    'x-ratelimit-remaining-requests': String(s.requestsRemaining),
    'x-ratelimit-remaining-tokens': String(s.tokensRemaining),
    'x-ratelimit-reset-requests': reset,
    'x-ratelimit-reset-tokens': reset,
  };
}

/** RFC 3339 without milliseconds, as Anthropic sends it. */
function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function anthropicRateLimitHeaders(s: RateLimitSnapshot): Record<string, string> {
  const reset = rfc3339(s.resetAt);
  return {
    'anthropic-ratelimit-input-tokens-limit': String(s.inputTokensLimit),
    'anthropic-ratelimit-input-tokens-remaining': String(s.inputTokensRemaining),
    'anthropic-ratelimit-input-tokens-reset': reset,
    'anthropic-ratelimit-output-tokens-limit': String(s.outputTokensLimit),
    'anthropic-ratelimit-output-tokens-remaining': String(s.outputTokensRemaining),
    'anthropic-ratelimit-output-tokens-reset': reset,
    'anthropic-ratelimit-requests-limit': String(s.requestsLimit),
    'anthropic-ratelimit-requests-remaining': String(s.requestsRemaining),
    'anthropic-ratelimit-requests-reset': reset,
    'anthropic-ratelimit-tokens-limit': String(s.tokensLimit),
    'anthropic-ratelimit-tokens-remaining': String(s.tokensRemaining),
    'anthropic-ratelimit-tokens-reset': reset,
  };
}
