/*
 * OpenAI Chat Completions (`POST …/chat/completions`) as OpenAI, Azure, DeepSeek, Groq, Mistral,
 * OpenRouter, Together and most relays speak it: one JSON body, or SSE `chat.completion.chunk`s.
 *
 * Stream quirks handled:
 * - usage only in a final chunk with `choices: []` (`stream_options.include_usage`), in the
 *   finish chunk (DeepSeek, Mistral, Together), in `x_groq.usage` (Groq), or nowhere;
 * - Azure's first chunk has `id: ""` and `model: ""` (the first non-empty value is kept);
 * - n > 1: chunks interleave choices; finish reasons are kept per index;
 * - in-band errors in a 200 stream: a chunk with `error` (OpenRouter) or `event: error` (Groq);
 * - chunks without `choices` and SSE comments never break anything.
 */
import { FirstValue, ResponseAccumulatorBase, type ResponseParts } from './accumulate';
import {
  genericPart,
  mediaPart,
  normaliseRole,
  textPart,
  toolArguments,
  capValue,
  blobPart,
  toolCallPart,
  toolCallResponsePart,
  type InputMessage,
  type MessagePart,
} from './content';
import { OTHER_ERROR_TYPE, errorFromBody } from './errors';
import { openAiIncludeUsage, openAiOutputType, openAiSamplingParams, readOpenAiUsage } from './openai-common';
import type { CodecOptions, RequestInfo, RouteMatch, WireCodec } from './types';
import {
  asArray,
  asCount,
  asInteger,
  asRecord,
  asScalarString,
  asString,
  compact,
  firstDefined,
  getPath,
  type JsonRecord,
} from './values';
import { openAiToolDefinitions } from './tool-definitions';
import { JSON_STRING_BODY, decodeJsonStringBody, matchJsonEvent } from './json-text';

function parseChatRequest(body: unknown, route: RouteMatch, options: CodecOptions): RequestInfo {
  const request = asRecord(body) ?? {};
  const info: RequestInfo = {
    model: asScalarString(request['model']) ?? route.urlModel,
    stream: request['stream'] === true || route.urlStream === true,
    params: compact({
      ...openAiSamplingParams(request),
      maxTokens: firstDefined(asCount(request['max_completion_tokens']), asCount(request['max_tokens'])),
      outputType: openAiOutputType(request),
    }),
    includeUsage: openAiIncludeUsage(request),
  };
  if (options.captureContent) {
    const messages = asArray(request['messages'])
      ?.map(message => chatInputMessage(message, options.maxContentLength))
      .filter((message): message is InputMessage => message !== undefined);
    if (messages !== undefined && messages.length > 0) info.inputMessages = messages;
    info.toolDefinitions = openAiToolDefinitions(request, options.maxContentLength);
  }
  return compact(info);
}

/** Text of a `content` that is a string or an array of `{type: 'text', text}` parts. */
export function contentText(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  const parts = asArray(content);
  if (parts === undefined) return undefined;
  let text: string | undefined;
  for (const part of parts) {
    const value = asString(getPath(part, 'text'));
    if (value !== undefined) text = (text ?? '') + value;
  }
  return text;
}

/** One OpenAI content part (`text`, `image_url`, `input_audio`, `file`) as a semconv part. */
function chatContentPart(value: unknown, max: number): MessagePart | undefined {
  const part = asRecord(value);
  if (part === undefined) return typeof value === 'string' ? textPart(value, max) : undefined;
  const type = part['type'];
  if (type === 'text' && typeof part['text'] === 'string') return textPart(part['text'], max);
  if (type === 'image_url') {
    const url = asString(getPath(part, 'image_url', 'url')) ?? asString(part['image_url']);
    if (url !== undefined) return mediaPart(url, 'image', max);
  }
  if (type === 'input_audio') {
    const data = asString(getPath(part, 'input_audio', 'data'));
    const format = asString(getPath(part, 'input_audio', 'format'));
    if (data !== undefined)
      return blobPart('audio', format !== undefined ? `audio/${format}` : undefined, data.slice(0, max));
  }
  if (type === 'file') {
    const fileId = asString(getPath(part, 'file', 'file_id'));
    if (fileId !== undefined) return { type: 'file', modality: 'document', file_id: fileId.slice(0, 256) };
  }
  return genericPart(type);
}

function chatInputMessage(value: unknown, max: number): InputMessage | undefined {
  const message = asRecord(value);
  if (message === undefined) return undefined;
  const role = normaliseRole(message['role'], 'user');
  const parts: MessagePart[] = [];
  const content = message['content'];
  if (role === 'tool') {
    parts.push(toolCallResponsePart(message['tool_call_id'], capValue(contentText(content) ?? content, max)));
  } else if (typeof content === 'string') {
    parts.push(textPart(content, max));
  } else {
    for (const part of asArray(content) ?? []) {
      const mapped = chatContentPart(part, max);
      if (mapped !== undefined) parts.push(mapped);
    }
  }
  for (const call of asArray(message['tool_calls']) ?? []) {
    const fn = asRecord(getPath(call, 'function'));
    parts.push(toolCallPart(getPath(call, 'id'), fn?.['name'], toolArguments(fn?.['arguments'], max)));
  }
  const legacyCall = asRecord(message['function_call']);
  if (legacyCall !== undefined) {
    parts.push(toolCallPart(undefined, legacyCall['name'], toolArguments(legacyCall['arguments'], max)));
  }
  return { role, parts };
}

function textLength(value: unknown): number {
  return typeof value === 'string' ? value.length : 0;
}

/** Chunk members that carry nothing a content-only delta needs once id and model are known. */
const PLAIN_CHUNK_MEMBER = String.raw`"(?:id|object|model|service_tier|system_fingerprint|obfuscation|provider|p)":(?:"${JSON_STRING_BODY}"|null)|"created":(?:0|[1-9]\d{0,15})|"usage":null`;
/** A content-only chunk up to its content's opening quote. Group: choice index. */
const CONTENT_ONLY_PREFIX = String.raw`\{(?:(?:${PLAIN_CHUNK_MEMBER}),)*"choices":\[\{"index":(0|[1-9]\d{0,8}),"delta":\{"content":"`;
/** The rest of a content-only chunk, from its raw content on. Group: raw content. */
const CONTENT_ONLY_REST = String.raw`(${JSON_STRING_BODY})"\},(?:"logprobs":null,)?"finish_reason":null\}\](?:,(?:${PLAIN_CHUNK_MEMBER}))*\}$`;
/**
 * A strictly valid, compact `chat.completion.chunk` whose one choice adds text and nothing else
 * (no role, reasoning, tool call, finish reason or usage). Groups: prefix, choice index, raw content.
 */
const CONTENT_ONLY_CHUNK = new RegExp(`^(${CONTENT_ONLY_PREFIX})${CONTENT_ONLY_REST}`);
/** What follows a prefix already matched. Group: raw content. */
const CONTENT_ONLY_CHUNK_REST = new RegExp(`^${CONTENT_ONLY_REST}`);

/**
 * Reads content-only chunks. A stream repeats one prefix (id, model, created, choice index…) on
 * every such chunk: once a chunk matched whole, a later chunk that starts with the same prefix
 * only needs its rest matched (about half the instructions). The prefix is a whole match of
 * CONTENT_ONLY_PREFIX, so prefix + a match of the rest is a match of the whole pattern.
 */
class ContentOnlyDeltas {
  #prefix = '';
  #index = 0;

  /** The choice index and text of a content-only chunk, or undefined for any other event. */
  read(data: string): { index: number; text: string } | undefined {
    let index = this.#index;
    let raw: string | undefined;
    const prefixLength = this.#prefix.length;
    // slice + === compares natively; startsWith costs several times more on V8.
    if (prefixLength !== 0 && data.length > prefixLength && data.slice(0, prefixLength) === this.#prefix) {
      raw = matchJsonEvent(CONTENT_ONLY_CHUNK_REST, data.slice(prefixLength), false)?.[1];
    } else {
      const match = matchJsonEvent(CONTENT_ONLY_CHUNK, data);
      if (match === null) return undefined;
      // A flat copy: a slice of the event would keep the whole decoded chunk alive for the stream's life.
      this.#prefix = (' ' + match[1]!).slice(1);
      this.#index = index = Number(match[2]);
      raw = match[3];
    }
    if (raw === undefined) return undefined;
    try {
      return { index, text: decodeJsonStringBody(raw) };
    } catch {
      return undefined;
    }
  }
}

class ChatCompletionAccumulator extends ResponseAccumulatorBase {
  readonly #serviceTier = new FirstValue();
  readonly #fingerprint = new FirstValue();
  readonly #contentOnly = new ContentOnlyDeltas();

  onJson(body: unknown): void {
    this.error ??= errorFromBody(body);
    const response = asRecord(body);
    if (response === undefined) return;
    this.#identity(response);
    asArray(response['choices'])?.forEach((value, position) => {
      const choice = asRecord(value);
      if (choice === undefined) return;
      const index = asInteger(choice['index']) ?? position;
      this.finishReasons.set(index, choice['finish_reason']);
      const message = asRecord(choice['message']);
      if (message !== undefined) this.#message(index, message, false);
    });
    this.#usageFrom(response);
  }

  onEvent(eventName: string | undefined, data: unknown): boolean {
    if (eventName === 'error') {
      this.error ??= errorFromBody(data) ?? { type: OTHER_ERROR_TYPE };
      return false;
    }
    const chunk = asRecord(data);
    if (chunk === undefined) return false; // `[DONE]`, keep-alives, junk
    this.error ??= errorFromBody(chunk);
    this.#identity(chunk);
    let output = false;
    asArray(chunk['choices'])?.forEach((value, position) => {
      const choice = asRecord(value);
      if (choice === undefined) return;
      const index = asInteger(choice['index']) ?? position;
      this.finishReasons.set(index, choice['finish_reason']);
      const delta = asRecord(choice['delta']);
      if (delta !== undefined && this.#message(index, delta, true)) output = true;
    });
    this.#usageFrom(chunk);
    return output;
  }

  onEventText(eventName: string | undefined, data: string): boolean | undefined {
    // Until id and model are known, a chunk's own could still be the first ones: parse it.
    if (eventName === 'error' || this.id.value === undefined || this.model.value === undefined) return undefined;
    const delta = this.#contentOnly.read(data);
    if (delta === undefined) return undefined;
    // What #message does for a delta that is only `content`.
    this.outputChars += delta.text.length;
    this.output?.appendText(delta.index, delta.text);
    return delta.text.length > 0;
  }

  protected override extraParts(): Partial<ResponseParts> {
    return { serviceTier: this.#serviceTier.value, systemFingerprint: this.#fingerprint.value };
  }

  #identity(record: JsonRecord): void {
    // Read until the id is known: every chunk repeats them, the first one (or the whole body) suffices.
    if (this.id.value === undefined) {
      this.#serviceTier.offer(record['service_tier']);
      this.#fingerprint.offer(record['system_fingerprint']);
    }
    this.id.offer(record['id']);
    this.model.offer(record['model']);
  }

  #usageFrom(record: JsonRecord): void {
    for (const source of [record['usage'], getPath(record, 'x_groq', 'usage')]) {
      const read = readOpenAiUsage(source);
      if (read === undefined) continue;
      this.usage.merge(read.usage);
      if (read.costUsd !== undefined) this.costUsd = read.costUsd;
    }
  }

  /**
   * A whole `message` or a streamed `delta`: counts generated characters and feeds capture.
   * Returns true when it carried generated content (text, reasoning, refusal or a tool call).
   */
  #message(index: number, message: JsonRecord, streamed: boolean): boolean {
    const content = message['content'];
    const text = typeof content === 'string' ? content : contentText(content);
    // DeepSeek streams `reasoning_content`; OpenRouter and Groq stream `reasoning`.
    const reasoning = asString(message['reasoning_content']) ?? asString(message['reasoning']);
    const refusal = asString(message['refusal']);
    let chars = textLength(text) + textLength(reasoning) + textLength(refusal);
    const toolCalls = asArray(message['tool_calls']) ?? [];
    toolCalls.forEach((value, position) => {
      const fn = asRecord(getPath(value, 'function'));
      chars += textLength(fn?.['arguments']);
      if (this.output === undefined) return;
      const toolIndex = streamed ? (asInteger(getPath(value, 'index')) ?? position) : position;
      this.output.toolCall(index, toolIndex, {
        id: getPath(value, 'id'),
        name: fn?.['name'],
        argsDelta: fn?.['arguments'],
      });
    });
    this.outputChars += chars;
    if (this.output !== undefined) {
      this.output.setRole(index, message['role']);
      this.output.appendReasoning(index, reasoning);
      this.output.appendText(index, text);
      if (refusal !== undefined) this.output.appendText(index, refusal);
    }
    return chars > 0 || toolCalls.length > 0;
  }
}

/** Codec for `openai.chat_completions`. */
export const openAiChatCodec: WireCodec = {
  format: 'openai.chat_completions',
  parseRequest: parseChatRequest,
  createResponseAccumulator: (_request, options) => new ChatCompletionAccumulator(options),
  // `choices[].logprobs` (can outweigh the text many times); never read, and captured content
  // (texts, tool-call arguments as strings) has no members of its own that could be named so.
  responseSkipKeys: new Set(['logprobs']),
};
