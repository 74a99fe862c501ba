/*
 * Opt-in content capture in the GenAI semconv message shape
 * (`gen_ai.input.messages`, `gen_ai.output.messages`, `gen_ai.system_instructions`):
 * `[{role, parts: [{type: 'text', content}, {type: 'tool_call', id, name, arguments}, ...]}]`.
 * Every captured string is cut to `maxContentLength`, and a stream's output is assembled from
 * its deltas up to that cap, so capture never holds more than a bounded amount per choice; each
 * attribute as a whole is cut to `maxContentAttributeLength` (contentAttributeJson).
 */

/** One message part (`text`, `reasoning`, `tool_call`, `tool_call_response`, `uri`, or a generic `{type}`). */
export type MessagePart = Record<string, unknown>;

export interface InputMessage {
  role: string;
  parts: MessagePart[];
}

export interface OutputMessage {
  role: string;
  parts: MessagePart[];
  finish_reason: string;
}

/** Most choices/candidates tracked per response (n > 64 is not a real request). */
export const MAX_CHOICES = 64;
/** Most tool calls tracked per choice. */
const MAX_TOOL_CALLS = 64;

export function truncateContent(text: string, maxLength: number): string {
  const max = Math.max(0, Math.floor(maxLength));
  return text.length > max ? text.slice(0, max) : text;
}

export function textPart(text: string, maxLength: number): MessagePart {
  return { type: 'text', content: truncateContent(text, maxLength) };
}

export function reasoningPart(text: string, maxLength: number): MessagePart {
  return { type: 'reasoning', content: truncateContent(text, maxLength) };
}

/**
 * Tool-call arguments: a JSON string becomes the parsed value when it is complete (semconv
 * prefers structured arguments); anything cut by the cap stays a (truncated) string.
 */
export function toolArguments(value: unknown, maxLength: number): unknown {
  if (typeof value === 'string') {
    if (value.length <= maxLength) {
      try {
        return JSON.parse(value) as unknown;
      } catch {
        return value;
      }
    }
    return truncateContent(value, maxLength);
  }
  return capValue(value, maxLength);
}

/**
 * A structured value (tool arguments or results given as objects) cut to the cap: kept as is
 * when its JSON fits, else replaced by its truncated JSON text.
 */
export function capValue(value: unknown, maxLength: number): unknown {
  if (value === undefined || value === null) return value;
  if (typeof value === 'string') return truncateContent(value, maxLength);
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    return undefined;
  }
  if (json === undefined) return undefined;
  return json.length <= maxLength ? value : truncateContent(json, maxLength);
}

/** `role` values become the semconv roles (`model` → `assistant`, `function` → `tool`). */
export function normaliseRole(role: unknown, fallback: string): string {
  if (typeof role !== 'string' || role.length === 0) return fallback;
  if (role === 'model') return 'assistant';
  if (role === 'function') return 'tool';
  return truncateContent(role, 32);
}

/** A text buffer that stops growing at its cap (it still counts what it was offered). */
export class CappedText {
  #text = '';
  #max: number;
  #truncated = false;

  constructor(maxLength: number) {
    this.#max = Math.max(0, Math.floor(maxLength));
  }

  append(text: string): void {
    if (text.length === 0) return;
    const room = this.#max - this.#text.length;
    if (text.length > room) {
      this.#truncated = true;
      if (room > 0) this.#text += text.slice(0, room);
    } else {
      this.#text += text;
    }
  }

  get text(): string {
    return this.#text;
  }

  get truncated(): boolean {
    return this.#truncated;
  }

  get empty(): boolean {
    return this.#text.length === 0 && !this.#truncated;
  }
}

interface ToolCallDraft {
  id?: string;
  name?: string;
  /** A tool the provider runs itself (Anthropic `server_tool_use`): a `server_tool_call` part. */
  server?: boolean;
  args: CappedText;
  /** Arguments already given as a value (non-streamed JSON, Gemini `args`). */
  value?: unknown;
}

interface ChoiceDraft {
  role?: string;
  reasoning: CappedText;
  text: CappedText;
  toolCalls: Map<number, ToolCallDraft>;
  extraParts: MessagePart[];
}

/** Assembles `gen_ai.output.messages` from whole messages or streamed deltas, per choice index. */
export class OutputCollector {
  readonly #max: number;
  readonly #choices = new Map<number, ChoiceDraft>();

  constructor(maxContentLength: number) {
    this.#max = maxContentLength;
  }

  #choice(index: number): ChoiceDraft | undefined {
    let choice = this.#choices.get(index);
    if (choice === undefined) {
      if (!isChoiceIndex(index) || this.#choices.size >= MAX_CHOICES) return undefined;
      choice = {
        reasoning: new CappedText(this.#max),
        text: new CappedText(this.#max),
        toolCalls: new Map(),
        extraParts: [],
      };
      this.#choices.set(index, choice);
    }
    return choice;
  }

  setRole(index: number, role: unknown): void {
    const choice = this.#choice(index);
    if (choice !== undefined && typeof role === 'string' && role.length > 0)
      choice.role = normaliseRole(role, 'assistant');
  }

  appendText(index: number, text: unknown): void {
    if (typeof text === 'string') this.#choice(index)?.text.append(text);
  }

  appendReasoning(index: number, text: unknown): void {
    if (typeof text === 'string') this.#choice(index)?.reasoning.append(text);
  }

  /** A tool call (or a streamed piece of one: id/name once, argument text in pieces). */
  toolCall(
    index: number,
    toolIndex: number,
    piece: { id?: unknown; name?: unknown; argsDelta?: unknown; value?: unknown; server?: boolean },
  ): void {
    const choice = this.#choice(index);
    if (choice === undefined || !Number.isSafeInteger(toolIndex) || toolIndex < 0) return;
    let call = choice.toolCalls.get(toolIndex);
    if (call === undefined) {
      if (choice.toolCalls.size >= MAX_TOOL_CALLS) return;
      call = { args: new CappedText(this.#max) };
      choice.toolCalls.set(toolIndex, call);
    }
    if (typeof piece.id === 'string' && piece.id.length > 0) call.id = truncateContent(piece.id, 256);
    if (typeof piece.name === 'string' && piece.name.length > 0) call.name = truncateContent(piece.name, 256);
    if (typeof piece.argsDelta === 'string') call.args.append(piece.argsDelta);
    if (piece.value !== undefined) call.value = capValue(piece.value, this.#max);
    if (piece.server === true) call.server = true;
  }

  /** Number of tool calls seen so far for a choice (to number the next one). */
  toolCallCount(index: number): number {
    return this.#choices.get(index)?.toolCalls.size ?? 0;
  }

  addPart(index: number, part: MessagePart): void {
    const choice = this.#choice(index);
    if (choice !== undefined && choice.extraParts.length < MAX_TOOL_CALLS) choice.extraParts.push(part);
  }

  /**
   * The assembled messages in index order. `finishReason(index)` gives the vendor's raw reason;
   * `finish_reason` is its schema value (outputFinishReason): `error` when none came (a cut stream).
   */
  messages(finishReason: (index: number) => string | undefined): OutputMessage[] {
    const indices = [...this.#choices.keys()].sort((a, b) => a - b);
    return indices.map(index => {
      const choice = this.#choices.get(index) as ChoiceDraft;
      const parts: MessagePart[] = [];
      if (!choice.reasoning.empty) parts.push({ type: 'reasoning', content: choice.reasoning.text });
      if (!choice.text.empty) parts.push({ type: 'text', content: choice.text.text });
      let clientToolCalls = false;
      for (const call of choice.toolCalls.values()) {
        const args =
          call.value !== undefined
            ? call.value
            : call.args.truncated
              ? call.args.text
              : toolArguments(call.args.text, this.#max);
        if (call.server === true) {
          parts.push(serverToolCallPart(call.id, call.name, args === '' ? undefined : args));
        } else {
          clientToolCalls = true;
          parts.push(toolCallPart(call.id, call.name, args === '' ? undefined : args));
        }
      }
      parts.push(...choice.extraParts);
      return {
        role: choice.role ?? 'assistant',
        parts,
        finish_reason: outputFinishReason(finishReason(index), clientToolCalls),
      };
    });
  }
}

export function isChoiceIndex(index: number): boolean {
  return Number.isSafeInteger(index) && index >= 0 && index < 1_000_000;
}

const DATA_URL = /^data:([^;,]*)(?:;[^,]*)?,/;
const PART_TYPE_CHARS = /[^A-Za-z0-9_.-]/g;

/**
 * An image/audio/file reference as a semconv part: a `data:` URL becomes a `blob` part
 * (its payload cut to the cap), anything else a `uri` part.
 */
export function mediaPart(url: string, modality: string, maxLength: number, mimeType?: string): MessagePart {
  const match = DATA_URL.exec(url);
  if (match !== null) {
    const mime = match[1] !== undefined && match[1].length > 0 ? match[1] : mimeType;
    return blobPart(modality, mime, truncateContent(url.slice(match[0].length), maxLength));
  }
  return mimeType === undefined
    ? { type: 'uri', modality, uri: truncateContent(url, maxLength) }
    : { type: 'uri', modality, mime_type: mimeType, uri: truncateContent(url, maxLength) };
}

/** Part types the schema defines with required fields: a generic part must not take their name. */
const SCHEMA_PART_TYPES: ReadonlySet<string> = new Set([
  'text',
  'reasoning',
  'tool_call',
  'tool_call_response',
  'server_tool_call',
  'server_tool_call_response',
  'blob',
  'file',
  'uri',
]);

/**
 * A part this package does not map: only its (sanitised) type is kept, never its payload. A type
 * that names a schema part it cannot fill (a `text` block without text) gets an `_unreadable`
 * suffix, so it stays a valid generic part.
 */
export function genericPart(type: unknown): MessagePart {
  const name = typeof type === 'string' ? type.slice(0, 64).replace(PART_TYPE_CHARS, '_') : '';
  if (name.length === 0) return { type: 'unknown' };
  return { type: SCHEMA_PART_TYPES.has(name) ? `${name}_unreadable` : name };
}

/*
 * Parts built field by field: a value that is not known is left out, never written as `null`
 * (the schema's ids, MIME types and arguments are optional).
 */

/** A `tool_call` part: `name` is required (empty when the wire named none). */
export function toolCallPart(id: unknown, name: unknown, args: unknown): MessagePart {
  const part: MessagePart = { type: 'tool_call' };
  if (typeof id === 'string' && id.length > 0) part['id'] = truncateContent(id, 256);
  part['name'] = typeof name === 'string' ? truncateContent(name, 256) : '';
  if (args !== undefined && args !== null) part['arguments'] = args;
  return part;
}

/** A `tool_call_response` part: `response` is required (null when the wire carried none). */
export function toolCallResponsePart(id: unknown, response: unknown): MessagePart {
  const part: MessagePart = { type: 'tool_call_response' };
  if (typeof id === 'string' && id.length > 0) part['id'] = truncateContent(id, 256);
  part['response'] = response ?? null;
  return part;
}

export function blobPart(modality: string, mimeType: string | undefined, content: string): MessagePart {
  return mimeType === undefined
    ? { type: 'blob', modality, content }
    : { type: 'blob', modality, mime_type: mimeType, content };
}

/**
 * A tool the provider runs itself (Anthropic `server_tool_use`: web search, code execution):
 * `server_tool_call`, its details typed by the tool's name.
 */
export function serverToolCallPart(id: unknown, name: unknown, input: unknown): MessagePart {
  const toolName = typeof name === 'string' && name.length > 0 ? truncateContent(name, 256) : 'unknown';
  const part: MessagePart = { type: 'server_tool_call' };
  if (typeof id === 'string' && id.length > 0) part['id'] = truncateContent(id, 256);
  part['name'] = toolName;
  const details: MessagePart = { type: toolName };
  if (input !== undefined && input !== null) details['input'] = input;
  part['server_tool_call'] = details;
  return part;
}

/** The result of a server tool (Anthropic `web_search_tool_result`, …), typed by its block type. */
export function serverToolCallResponsePart(id: unknown, resultType: string, content: unknown): MessagePart {
  const part: MessagePart = { type: 'server_tool_call_response' };
  if (typeof id === 'string' && id.length > 0) part['id'] = truncateContent(id, 256);
  const details: MessagePart = { type: truncateContent(resultType, 64).replace(PART_TYPE_CHARS, '_') };
  if (content !== undefined && content !== null) details['content'] = content;
  part['server_tool_call_response'] = details;
  return part;
}

/**
 * Vendor finish reasons mapped to the output-message schema's values. A vendor reason not listed
 * stays as it is (lower case; the schema also allows any string); none at all is `error`: every
 * complete response says why it ended, so its absence means the answer was cut.
 */
const SCHEMA_FINISH_REASONS: ReadonlyMap<string, string> = new Map([
  // OpenAI Chat Completions and compatible relays
  ['stop', 'stop'],
  ['length', 'length'],
  ['content_filter', 'content_filter'],
  ['tool_calls', 'tool_call'],
  ['function_call', 'tool_call'],
  ['tool_call', 'tool_call'],
  ['eos', 'stop'],
  ['error', 'error'],
  // OpenAI Responses: the final status
  ['completed', 'stop'],
  ['incomplete', 'length'],
  ['failed', 'error'],
  ['cancelled', 'error'],
  // Anthropic Messages
  ['end_turn', 'stop'],
  ['stop_sequence', 'stop'],
  ['pause_turn', 'stop'],
  ['max_tokens', 'length'],
  ['model_context_window_exceeded', 'length'],
  ['tool_use', 'tool_call'],
  ['refusal', 'content_filter'],
  // Gemini / Vertex AI (upper case on the wire)
  ['finish_reason_unspecified', 'error'],
  ['safety', 'content_filter'],
  ['recitation', 'content_filter'],
  ['blocklist', 'content_filter'],
  ['prohibited_content', 'content_filter'],
  ['spii', 'content_filter'],
  ['image_safety', 'content_filter'],
  ['image_prohibited_content', 'content_filter'],
  ['image_recitation', 'content_filter'],
  ['malformed_function_call', 'error'],
  ['unexpected_tool_call', 'error'],
  ['other', 'error'],
  ['language', 'error'],
  ['no_image', 'error'],
  ['image_other', 'error'],
]);

/**
 * `finish_reason` of an output message: the schema value for the vendor's raw reason. A message
 * that asks for client tool calls and says only `stop` (Gemini always does) is `tool_call`.
 */
export function outputFinishReason(raw: string | undefined, hasToolCalls = false): string {
  if (raw === undefined || raw.length === 0) return 'error';
  const lower = raw.toLowerCase();
  const mapped = SCHEMA_FINISH_REASONS.get(lower) ?? truncateContent(lower, 64);
  return mapped === 'stop' && hasToolCalls ? 'tool_call' : mapped;
}

/** Room kept at the end of a cut attribute for the part that says what was left out. */
const TRUNCATION_MARKER_ROOM = 128;

function tryJson(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    // Nested too deep for the stack, or cyclic.
    return undefined;
  }
}

function partsOf(item: unknown): unknown[] | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const parts = (item as { parts?: unknown }).parts;
  return Array.isArray(parts) ? parts : undefined;
}

/**
 * One content attribute (`gen_ai.input.messages`, `gen_ai.output.messages`: messages with `parts`;
 * `gen_ai.system_instructions`: parts) as JSON text of at most `maxLength` characters. When the
 * whole does not fit, or part of it cannot be written (nested too deep), see cutContent.
 */
export function contentAttributeJson(items: readonly unknown[], maxLength: number): string {
  // What fits costs one JSON.stringify, as it did before the bound. What does not (already capped
  // per string and per choice: a few MiB at most) costs about `maxLength` more in cutContent.
  const whole = tryJson(items);
  return whole !== undefined && whole.length <= maxLength ? whole : cutContent(items, maxLength);
}

/**
 * The leading messages and parts that fit in `maxLength`, whole (so the JSON stays valid and no
 * value is cut mid-way), then a part `{type: 'truncated', omitted_messages?, omitted_parts,
 * max_length}`: at the end of the last message kept, or of the list of parts. A part that cannot
 * be written is left out and counted, and what follows it is still kept.
 */
function cutContent(items: readonly unknown[], maxLength: number): string {
  const budget = maxLength - TRUNCATION_MARKER_ROOM;
  const kept: unknown[] = [];
  let length = 2;
  let lastMessage = -1;
  let omittedMessages = 0;
  let omittedParts = 0;
  let full = false;
  for (const item of items) {
    const parts = partsOf(item);
    if (full) {
      if (parts === undefined) omittedParts++;
      else {
        omittedMessages++;
        omittedParts += parts.length;
      }
      continue;
    }
    const separator = kept.length > 0 ? 1 : 0;
    const json = tryJson(item);
    if (json !== undefined && length + separator + json.length <= budget) {
      kept.push(item);
      length += separator + json.length;
      if (parts !== undefined) lastMessage = kept.length - 1;
      continue;
    }
    if (parts === undefined) {
      omittedParts++;
      full = json !== undefined; // too long: what follows is left out too; unwritable: only itself
      continue;
    }
    // A message that does not fit whole: its own fields, and its leading parts that fit.
    const message = { ...(item as Record<string, unknown>), parts: [] as unknown[] };
    const shell = tryJson(message);
    if (shell === undefined || length + separator + shell.length > budget) {
      omittedMessages++;
      omittedParts += parts.length;
      full = true;
      continue;
    }
    let messageLength = shell.length;
    for (const part of parts) {
      const partJson: string | undefined = full ? undefined : tryJson(part);
      const partLength = partJson === undefined ? 0 : (message.parts.length > 0 ? 1 : 0) + partJson.length;
      if (partJson === undefined || length + separator + messageLength + partLength > budget) {
        full ||= partJson !== undefined;
        omittedParts++;
        continue;
      }
      message.parts.push(part);
      messageLength += partLength;
    }
    kept.push(message);
    length += separator + messageLength;
    lastMessage = kept.length - 1;
  }
  const marker: MessagePart = { type: 'truncated' };
  if (omittedMessages > 0) marker['omitted_messages'] = omittedMessages;
  marker['omitted_parts'] = omittedParts;
  marker['max_length'] = maxLength;
  if (lastMessage >= 0) {
    const message = kept[lastMessage] as { parts: unknown[] };
    kept[lastMessage] = { ...message, parts: [...message.parts, marker] };
  } else {
    kept.push(marker);
  }
  return JSON.stringify(kept);
}
