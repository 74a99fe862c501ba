/*
 * The built-in price table: public list prices in USD per 1M tokens, standard (non-batch,
 * non-priority) tier, short-context rates. Each entry names the vendor page that publishes the
 * price and the date the figure was last checked; a pricing file overrides any of them
 * (docs/pricing.md). Data only: no logic, no imports.
 */

/** Prices in USD per 1M tokens. */
export interface ModelPrice {
  /** Uncached input tokens. */
  input: number;
  /** Output tokens, reasoning tokens included. */
  output: number;
  /** Cache-read input tokens; `input` when absent. */
  cachedInput?: number;
  /** Cache-write (cache creation) input tokens; `input` when absent. */
  cacheWrite?: number;
}

/** One row of the built-in table. */
export interface PriceEntry extends ModelPrice {
  /** The model id as the vendor or host spells it. */
  model: string;
  /** URL of the vendor's (or host's) pricing page. */
  source: string;
  /** When the price was last checked, `YYYY-MM-DD`. */
  date: string;
  /**
   * Hosts that sell this model id at this price. Set only where several hosts use the same id
   * at different prices: the entry whose host matches the call wins, else the first one listed.
   */
  hosts?: readonly string[];
}

/** The date the table as a whole is asserted as of (the latest check of any entry). */
export const PRICE_TABLE_DATE = '2026-07-24';

const OPENAI = 'https://platform.openai.com/docs/pricing';
const ANTHROPIC = 'https://www.anthropic.com/pricing#api';
const GOOGLE = 'https://ai.google.dev/gemini-api/docs/pricing';
const DEEPSEEK = 'https://api-docs.deepseek.com/quick_start/pricing';
const ALIBABA = 'https://www.alibabacloud.com/help/en/model-studio/models';
const MISTRAL = 'https://mistral.ai/pricing#api-pricing';
const GROQ = 'https://groq.com/pricing';
const TOGETHER = 'https://www.together.ai/pricing';
const DEEPINFRA = 'https://deepinfra.com/pricing';
const FIREWORKS = 'https://fireworks.ai/pricing';

/** Checked against the vendor list prices as mirrored in LiteLLM's public table of this date. */
const CHECKED = PRICE_TABLE_DATE;
/** Known list price that LiteLLM's table of PRICE_TABLE_DATE no longer (or never) carried. */
const KNOWN = '2025-10-01';

const GROQ_HOSTS = ['api.groq.com'] as const;
const TOGETHER_HOSTS = ['api.together.xyz', 'api.together.ai'] as const;
const DEEPINFRA_HOSTS = ['api.deepinfra.com'] as const;

/** Anthropic: 5-minute cache write = 1.25 × input, cache read = 0.1 × input. */
function anthropic(model: string, input: number, output: number, date: string): PriceEntry {
  return { model, input, output, cachedInput: input / 10, cacheWrite: input * 1.25, source: ANTHROPIC, date };
}

export const BUILT_IN_PRICES: readonly PriceEntry[] = [
  // OpenAI: cached input is part of prompt_tokens; there is no cache-write charge.
  { model: 'gpt-4.1', input: 2, cachedInput: 0.5, output: 8, source: OPENAI, date: CHECKED },
  { model: 'gpt-4.1-mini', input: 0.4, cachedInput: 0.1, output: 1.6, source: OPENAI, date: CHECKED },
  { model: 'gpt-4.1-nano', input: 0.1, cachedInput: 0.025, output: 0.4, source: OPENAI, date: CHECKED },
  { model: 'gpt-4o', input: 2.5, cachedInput: 1.25, output: 10, source: OPENAI, date: CHECKED },
  // The first gpt-4o snapshot kept its launch price.
  { model: 'gpt-4o-2024-05-13', input: 5, output: 15, source: OPENAI, date: CHECKED },
  { model: 'gpt-4o-mini', input: 0.15, cachedInput: 0.075, output: 0.6, source: OPENAI, date: CHECKED },
  { model: 'gpt-5', input: 1.25, cachedInput: 0.125, output: 10, source: OPENAI, date: CHECKED },
  { model: 'gpt-5-mini', input: 0.25, cachedInput: 0.025, output: 2, source: OPENAI, date: CHECKED },
  { model: 'gpt-5-nano', input: 0.05, cachedInput: 0.005, output: 0.4, source: OPENAI, date: CHECKED },
  { model: 'gpt-5-pro', input: 15, output: 120, source: OPENAI, date: CHECKED },
  { model: 'gpt-5.1', input: 1.25, cachedInput: 0.125, output: 10, source: OPENAI, date: CHECKED },
  { model: 'gpt-5.2', input: 1.75, cachedInput: 0.175, output: 14, source: OPENAI, date: CHECKED },
  { model: 'gpt-5.4', input: 2.5, cachedInput: 0.25, output: 15, source: OPENAI, date: CHECKED },
  { model: 'gpt-5.4-mini', input: 0.75, cachedInput: 0.075, output: 4.5, source: OPENAI, date: CHECKED },
  { model: 'gpt-5.4-nano', input: 0.2, cachedInput: 0.02, output: 1.25, source: OPENAI, date: CHECKED },
  { model: 'gpt-5.5', input: 5, cachedInput: 0.5, output: 30, source: OPENAI, date: CHECKED },
  { model: 'o1', input: 15, cachedInput: 7.5, output: 60, source: OPENAI, date: CHECKED },
  { model: 'o1-mini', input: 1.1, cachedInput: 0.55, output: 4.4, source: OPENAI, date: KNOWN },
  { model: 'o1-pro', input: 150, output: 600, source: OPENAI, date: CHECKED },
  { model: 'o3', input: 2, cachedInput: 0.5, output: 8, source: OPENAI, date: CHECKED },
  { model: 'o3-mini', input: 1.1, cachedInput: 0.55, output: 4.4, source: OPENAI, date: CHECKED },
  { model: 'o3-pro', input: 20, output: 80, source: OPENAI, date: CHECKED },
  { model: 'o4-mini', input: 1.1, cachedInput: 0.275, output: 4.4, source: OPENAI, date: CHECKED },
  { model: 'gpt-oss-120b', input: 0.15, cachedInput: 0.075, output: 0.6, source: GROQ, date: CHECKED },
  {
    model: 'gpt-oss-20b',
    input: 0.075,
    cachedInput: 0.0375,
    output: 0.3,
    source: GROQ,
    date: CHECKED,
    hosts: GROQ_HOSTS,
  },
  { model: 'gpt-oss-20b', input: 0.05, output: 0.2, source: TOGETHER, date: CHECKED, hosts: TOGETHER_HOSTS },
  { model: 'text-embedding-3-small', input: 0.02, output: 0, source: OPENAI, date: CHECKED },
  { model: 'text-embedding-3-large', input: 0.13, output: 0, source: OPENAI, date: CHECKED },
  { model: 'text-embedding-ada-002', input: 0.1, output: 0, source: OPENAI, date: CHECKED },

  // Anthropic: cache tokens are reported beside input_tokens; the codecs fold them in.
  anthropic('claude-opus-4-7', 5, 25, CHECKED),
  anthropic('claude-opus-4-6', 5, 25, CHECKED),
  anthropic('claude-opus-4-5', 5, 25, CHECKED),
  anthropic('claude-opus-4-1', 15, 75, CHECKED),
  anthropic('claude-opus-4', 15, 75, CHECKED),
  anthropic('claude-sonnet-4-6', 3, 15, CHECKED),
  anthropic('claude-sonnet-4-5', 3, 15, CHECKED),
  anthropic('claude-sonnet-4', 3, 15, CHECKED),
  anthropic('claude-haiku-4-5', 1, 5, CHECKED),
  anthropic('claude-3-7-sonnet', 3, 15, CHECKED),
  anthropic('claude-3-5-sonnet', 3, 15, KNOWN),
  anthropic('claude-3-5-haiku', 0.8, 4, KNOWN),
  anthropic('claude-3-opus', 15, 75, CHECKED),
  // Claude 3 Haiku's cache prices are not the usual ratios of its input price.
  {
    model: 'claude-3-haiku',
    input: 0.25,
    cachedInput: 0.03,
    cacheWrite: 0.3,
    output: 1.25,
    source: ANTHROPIC,
    date: CHECKED,
  },

  // Google Gemini API, paid tier, prompts up to 200k tokens (text/image/video input).
  { model: 'gemini-3.1-pro-preview', input: 2, cachedInput: 0.2, output: 12, source: GOOGLE, date: CHECKED },
  { model: 'gemini-3.1-flash-lite', input: 0.25, cachedInput: 0.025, output: 1.5, source: GOOGLE, date: CHECKED },
  { model: 'gemini-3-pro-preview', input: 2, cachedInput: 0.2, output: 12, source: GOOGLE, date: CHECKED },
  { model: 'gemini-3-flash-preview', input: 0.5, cachedInput: 0.05, output: 3, source: GOOGLE, date: CHECKED },
  { model: 'gemini-2.5-pro', input: 1.25, cachedInput: 0.125, output: 10, source: GOOGLE, date: CHECKED },
  { model: 'gemini-2.5-flash', input: 0.3, cachedInput: 0.03, output: 2.5, source: GOOGLE, date: CHECKED },
  { model: 'gemini-2.5-flash-lite', input: 0.1, cachedInput: 0.01, output: 0.4, source: GOOGLE, date: CHECKED },
  { model: 'gemini-2.0-flash', input: 0.1, cachedInput: 0.025, output: 0.4, source: GOOGLE, date: CHECKED },
  { model: 'gemini-2.0-flash-lite', input: 0.075, output: 0.3, source: GOOGLE, date: CHECKED },
  { model: 'gemini-1.5-pro', input: 1.25, cachedInput: 0.3125, output: 5, source: GOOGLE, date: KNOWN },
  { model: 'gemini-1.5-flash', input: 0.075, cachedInput: 0.01875, output: 0.3, source: GOOGLE, date: KNOWN },
  { model: 'gemini-embedding-001', input: 0.15, output: 0, source: GOOGLE, date: CHECKED },

  // DeepSeek: `cachedInput` is the cache-hit price. deepseek-chat / deepseek-reasoner are the
  // non-thinking / thinking modes of the current V3.x model.
  { model: 'deepseek-chat', input: 0.28, cachedInput: 0.028, output: 0.42, source: DEEPSEEK, date: CHECKED },
  { model: 'deepseek-reasoner', input: 0.28, cachedInput: 0.028, output: 0.42, source: DEEPSEEK, date: CHECKED },
  { model: 'deepseek-v3.2', input: 0.28, cachedInput: 0.028, output: 0.42, source: DEEPSEEK, date: KNOWN },
  { model: 'deepseek-v3.1', input: 0.56, cachedInput: 0.07, output: 1.68, source: DEEPSEEK, date: KNOWN },
  { model: 'deepseek-v3', input: 0.27, cachedInput: 0.07, output: 1.1, source: DEEPSEEK, date: CHECKED },
  { model: 'deepseek-r1', input: 0.55, cachedInput: 0.14, output: 2.19, source: DEEPSEEK, date: CHECKED },

  // Alibaba Cloud Model Studio (international), non-thinking output, shortest context tier.
  { model: 'qwen3-max', input: 1.2, output: 6, source: ALIBABA, date: KNOWN },
  { model: 'qwen-max', input: 1.6, output: 6.4, source: ALIBABA, date: CHECKED },
  { model: 'qwen-plus', input: 0.4, output: 1.2, source: ALIBABA, date: CHECKED },
  { model: 'qwen-turbo', input: 0.05, output: 0.2, source: ALIBABA, date: CHECKED },

  // Mistral: the unsuffixed names are the `-latest` aliases; dated releases priced differently are listed.
  { model: 'mistral-large', input: 0.5, output: 1.5, source: MISTRAL, date: CHECKED },
  { model: 'mistral-large-2411', input: 2, output: 6, source: MISTRAL, date: CHECKED },
  { model: 'mistral-medium', input: 1.5, output: 7.5, source: MISTRAL, date: CHECKED },
  { model: 'mistral-medium-2505', input: 0.4, output: 2, source: MISTRAL, date: CHECKED },
  { model: 'mistral-medium-2508', input: 0.4, output: 2, source: MISTRAL, date: CHECKED },
  { model: 'mistral-small', input: 0.06, output: 0.18, source: MISTRAL, date: CHECKED },
  { model: 'mistral-embed', input: 0.1, output: 0, source: MISTRAL, date: CHECKED },

  // Llama on common hosts: each host spells (and prices) the model its own way.
  { model: 'llama-3.3-70b-versatile', input: 0.59, output: 0.79, source: GROQ, date: CHECKED },
  { model: 'llama-3.1-8b-instant', input: 0.05, output: 0.08, source: GROQ, date: CHECKED },
  {
    model: 'meta-llama/llama-4-scout-17b-16e-instruct',
    input: 0.11,
    output: 0.34,
    source: GROQ,
    date: CHECKED,
    hosts: GROQ_HOSTS,
  },
  {
    model: 'meta-llama/Llama-4-Scout-17B-16E-Instruct',
    input: 0.18,
    output: 0.59,
    source: TOGETHER,
    date: CHECKED,
    hosts: TOGETHER_HOSTS,
  },
  {
    model: 'meta-llama/Llama-4-Scout-17B-16E-Instruct',
    input: 0.08,
    output: 0.3,
    source: DEEPINFRA,
    date: CHECKED,
    hosts: DEEPINFRA_HOSTS,
  },
  { model: 'meta-llama/llama-4-maverick-17b-128e-instruct', input: 0.2, output: 0.6, source: GROQ, date: CHECKED },
  {
    model: 'meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8',
    input: 0.27,
    output: 0.85,
    source: TOGETHER,
    date: CHECKED,
    hosts: TOGETHER_HOSTS,
  },
  {
    model: 'meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8',
    input: 0.15,
    output: 0.6,
    source: DEEPINFRA,
    date: CHECKED,
    hosts: DEEPINFRA_HOSTS,
  },
  {
    model: 'meta-llama/Llama-3.3-70B-Instruct-Turbo',
    input: 0.88,
    output: 0.88,
    source: TOGETHER,
    date: CHECKED,
    hosts: TOGETHER_HOSTS,
  },
  {
    model: 'meta-llama/Llama-3.3-70B-Instruct-Turbo',
    input: 0.13,
    output: 0.39,
    source: DEEPINFRA,
    date: CHECKED,
    hosts: DEEPINFRA_HOSTS,
  },
  {
    model: 'accounts/fireworks/models/llama-v3p3-70b-instruct',
    input: 0.9,
    output: 0.9,
    source: FIREWORKS,
    date: CHECKED,
  },
];
