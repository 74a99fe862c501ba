/*
 * What the simulated model "says", derived only from the request so tests can predict it:
 * token counts, answer words, model versions, reasoning tokens and tool calls.
 */
import { asArray, asRecord, asString, type JsonRecord } from './json-values.ts';
import { hashString, seededRandom } from './randomness.ts';

/**
 * The simulator's tokenizer: one token per 4 UTF-16 code units, at least 1.
 * Input tokens of a call = `countTokens(prompt text)`, where the prompt text is every text piece
 * of the request (system/instructions first, then messages in order) joined with `\n`.
 */
export function countTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/** Text of an OpenAI/Anthropic content value: a string, or the `text` of its text-like parts. */
function contentText(content: unknown): string[] {
  if (typeof content === 'string') return [content];
  const pieces: string[] = [];
  for (const part of asArray(content)) {
    const record = asRecord(part);
    if (!record) continue;
    const text = asString(record['text']);
    if (text !== undefined) pieces.push(text);
    else if (record['type'] === 'tool_result') pieces.push(...contentText(record['content']));
  }
  return pieces;
}

function geminiPartsText(content: unknown): string[] {
  const pieces: string[] = [];
  for (const part of asArray(asRecord(content)?.['parts'])) {
    const text = asString(asRecord(part)?.['text']);
    if (text !== undefined) pieces.push(text);
  }
  return pieces;
}

/** The prompt text of a request body, per route (see `countTokens`). */
export function promptText(route: string, body: JsonRecord): string {
  const pieces: string[] = [];
  switch (route) {
    case 'chat.completions':
      for (const message of asArray(body['messages'])) pieces.push(...contentText(asRecord(message)?.['content']));
      break;
    case 'completions': {
      const prompt = body['prompt'];
      if (typeof prompt === 'string') pieces.push(prompt);
      else for (const p of asArray(prompt)) if (typeof p === 'string') pieces.push(p);
      break;
    }
    case 'responses': {
      const instructions = asString(body['instructions']);
      if (instructions !== undefined) pieces.push(instructions);
      const input = body['input'];
      if (typeof input === 'string') pieces.push(input);
      for (const item of asArray(input)) {
        const record = asRecord(item);
        if (!record) continue;
        pieces.push(...contentText(record['content']));
        const output = asString(record['output']);
        if (output !== undefined) pieces.push(output);
      }
      break;
    }
    case 'messages':
    case 'messages.count_tokens':
      pieces.push(...contentText(body['system']));
      for (const message of asArray(body['messages'])) pieces.push(...contentText(asRecord(message)?.['content']));
      break;
    case 'generateContent':
    case 'streamGenerateContent':
    case 'countTokens':
      pieces.push(...geminiPartsText(body['systemInstruction'] ?? body['system_instruction']));
      for (const content of asArray(body['contents'])) pieces.push(...geminiPartsText(content));
      break;
  }
  return pieces.join('\n');
}

const VOCABULARY = [
  'The',
  'relay',
  'answers',
  'every',
  'request',
  'with',
  'a',
  'steady',
  'stream',
  'of',
  'tokens',
  'latency',
  'budget',
  'model',
  'gateway',
  'trace',
  'span',
  'metric',
  'signal',
  'window',
  'limit',
  'quota',
  'cache',
  'prompt',
  'reply',
  'naïve',
  'café',
  'über',
  '東京',
  '数据',
  '🙂',
  'déjà',
  'vu',
  'observability',
  'request',
  'the',
  'and',
  'then',
  'fast',
  'calm',
];

/** `count` answer words (one token each), the same for the same seed text. */
export function answerWords(seedText: string, count: number): string[] {
  const random = seededRandom(hashString(seedText));
  const words: string[] = [];
  for (let i = 0; i < count; i++) {
    const word = VOCABULARY[Math.floor(random() * VOCABULARY.length)]!;
    words.push(i === 0 ? word : ` ${word}`);
  }
  return words;
}

const MODEL_VERSIONS: Record<string, string> = {
  'gpt-4.1': 'gpt-4.1-2025-04-14',
  'gpt-4.1-mini': 'gpt-4.1-mini-2025-04-14',
  'gpt-4.1-nano': 'gpt-4.1-nano-2025-04-14',
  'gpt-4o': 'gpt-4o-2024-08-06',
  'gpt-4o-mini': 'gpt-4o-mini-2024-07-18',
  'gpt-5': 'gpt-5-2025-08-07',
  'gpt-5-mini': 'gpt-5-mini-2025-08-07',
  'gpt-5-nano': 'gpt-5-nano-2025-08-07',
  o3: 'o3-2025-04-16',
  'o4-mini': 'o4-mini-2025-04-16',
  'gpt-3.5-turbo': 'gpt-3.5-turbo-0125',
  'claude-sonnet-4-5': 'claude-sonnet-4-5-20250929',
  'claude-haiku-4-5': 'claude-haiku-4-5-20251001',
  'claude-opus-4-1': 'claude-opus-4-1-20250805',
  'claude-sonnet-4-0': 'claude-sonnet-4-20250514',
  'claude-3-7-sonnet-latest': 'claude-3-7-sonnet-20250219',
  'claude-3-5-haiku-latest': 'claude-3-5-haiku-20241022',
};

/** The model name a vendor answers with for a requested alias (unchanged when not in the table). */
export function versionedModel(model: string, overrides: Record<string, string> | undefined): string {
  return overrides?.[model] ?? MODEL_VERSIONS[model] ?? model;
}

/** Models that report reasoning ("thinking") tokens. A `vendor/` prefix is ignored. */
export function isReasoningModel(model: string): boolean {
  const bare = model.slice(model.lastIndexOf('/') + 1);
  return /^(o\d|gpt-5|deepseek-reasoner|deepseek-r1|gemini-2\.5|gemini-3)/.test(bare);
}

const EMBEDDING_DIMENSIONS: Record<string, number> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
  'gemini-embedding-001': 3072,
  'text-embedding-004': 768,
};

export function embeddingDimensions(model: string, requested: number | undefined, fallback: number): number {
  if (requested !== undefined && requested > 0) return requested;
  return EMBEDDING_DIMENSIONS[model.slice(model.lastIndexOf('/') + 1)] ?? fallback;
}

/** A unit-length vector following from the text and model. Values are float32-exact. */
export function embeddingVector(text: string, model: string, dimensions: number): number[] {
  const random = seededRandom(hashString(`${model}\n${text}`));
  const raw = Array.from({ length: dimensions }, () => random() * 2 - 1);
  const norm = Math.sqrt(raw.reduce((sum, v) => sum + v * v, 0)) || 1;
  return raw.map(v => Math.fround(v / norm));
}

/** A function the caller declared, as the simulator needs it. */
export interface ToolSpec {
  name: string;
  /** JSON schema of the arguments (OpenAPI-style upper-case types accepted). */
  schema: unknown;
}

export interface ToolCall {
  name: string;
  /** JSON text of the arguments. */
  arguments: string;
}

/** Arguments filled from the schema's required properties (all properties when none is required). */
function argumentsFor(schema: unknown): JsonRecord {
  const record = asRecord(schema);
  const properties = asRecord(record?.['properties']) ?? {};
  const required = asArray(record?.['required']).filter((n): n is string => typeof n === 'string');
  const names = required.length > 0 ? required : Object.keys(properties);
  const args: JsonRecord = {};
  for (const name of names) {
    const property = asRecord(properties[name]);
    const type = String(property?.['type'] ?? 'string').toLowerCase();
    const enumValues = asArray(property?.['enum']);
    if (enumValues.length > 0) args[name] = enumValues[0];
    else if (type === 'number' || type === 'integer') args[name] = 1;
    else if (type === 'boolean') args[name] = true;
    else if (type === 'array') args[name] = [];
    else if (type === 'object') args[name] = {};
    else args[name] = 'example';
  }
  return args;
}

/**
 * Decides whether the answer is a tool call: when tools are declared and either the caller
 * forces one (`forced`: true, or a tool name) or the last message is the user's and mentions a
 * tool by name or the word "tool". Never after a tool result (the last message is then not the user's text).
 */
export function chooseToolCall(
  tools: ToolSpec[],
  forced: boolean | string,
  lastUserText: string | undefined,
): ToolCall | undefined {
  if (tools.length === 0) return undefined;
  let tool: ToolSpec | undefined;
  if (typeof forced === 'string') tool = tools.find(t => t.name === forced) ?? tools[0];
  else if (forced) tool = tools[0];
  else if (lastUserText !== undefined) {
    const text = lastUserText.toLowerCase();
    tool = tools.find(t => text.includes(t.name.toLowerCase()));
    if (!tool && /\btools?\b/.test(text)) tool = tools[0];
  }
  if (!tool) return undefined;
  return { name: tool.name, arguments: JSON.stringify(argumentsFor(tool.schema)) };
}
