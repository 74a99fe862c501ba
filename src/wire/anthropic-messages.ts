/*
 * Anthropic Messages (`POST /v1/messages`, also `?beta=true`, and Vertex `:rawPredict`):
 * one `message` object, or SSE `message_start`, `content_block_start|delta|stop`,
 * `message_delta`, `message_stop`, `ping` and `error` events.
 *
 * Usage is split across `message_start` (input and cache counts, a provisional output count)
 * and `message_delta` (cumulative output count; newer API versions repeat the input and cache
 * fields there): the latest non-null value of each field wins.
 * Anthropic's `input_tokens` EXCLUDES cache reads and writes; semconv input tokens include them,
 * so `inputTokens = input_tokens + cache_read_input_tokens + cache_creation_input_tokens`.
 */
import { ResponseAccumulatorBase } from './accumulate';
import { anthropicToolDefinitions } from './tool-definitions';
import {
  blobPart,
  capValue,
  genericPart,
  serverToolCallPart,
  serverToolCallResponsePart,
  toolCallPart,
  toolCallResponsePart,
  mediaPart,
  normaliseRole,
  reasoningPart,
  textPart,
  type InputMessage,
  type MessagePart,
} from './content';
import { OTHER_ERROR_TYPE, errorFromBody } from './errors';
import type { CodecOptions, RequestInfo, RouteMatch, Usage, WireCodec } from './types';
import {
  asArray,
  asCount,
  asInteger,
  asNumber,
  asRecord,
  asScalarString,
  asString,
  asStringList,
  compact,
  getPath,
  sumDefined,
  type JsonRecord,
} from './values';
import { JSON_STRING_BODY, decodeJsonStringBody, matchJsonEvent } from './json-text';

function anthropicOutputType(request: JsonRecord): string | undefined {
  // Structured outputs: `output_format` (beta) and its successor `output_config.format`.
  const format = getPath(request, 'output_format', 'type') ?? getPath(request, 'output_config', 'format', 'type');
  return format === 'json_schema' ? 'json' : undefined;
}

function parseMessagesRequest(body: unknown, route: RouteMatch, options: CodecOptions): RequestInfo {
  const request = asRecord(body) ?? {};
  const info: RequestInfo = {
    model: asScalarString(request['model']) ?? route.urlModel,
    stream: request['stream'] === true || route.urlStream === true,
    params: compact({
      maxTokens: asCount(request['max_tokens']),
      temperature: asNumber(request['temperature']),
      topP: asNumber(request['top_p']),
      topK: asNumber(request['top_k']),
      stopSequences: asStringList(request['stop_sequences']),
      outputType: anthropicOutputType(request),
    }),
  };
  if (options.captureContent) {
    const max = options.maxContentLength;
    const system = request['system'];
    const systemParts =
      typeof system === 'string'
        ? [textPart(system, max)]
        : (asArray(system) ?? []).map(block => anthropicBlock(block, max)).filter(isPart);
    if (systemParts.length > 0) info.systemInstructions = systemParts;
    const messages = (asArray(request['messages']) ?? [])
      .map(message => anthropicInputMessage(message, max))
      .filter((m): m is InputMessage => m !== undefined);
    if (messages.length > 0) info.inputMessages = messages;
    info.toolDefinitions = anthropicToolDefinitions(request, max);
  }
  return compact(info);
}

function isPart(part: MessagePart | undefined): part is MessagePart {
  return part !== undefined;
}

function sourcePart(source: JsonRecord | undefined, modality: string, max: number): MessagePart | undefined {
  if (source === undefined) return undefined;
  const mimeType = asString(source['media_type']);
  if (source['type'] === 'base64' && typeof source['data'] === 'string') {
    return blobPart(modality, mimeType, source['data'].slice(0, max));
  }
  if (source['type'] === 'url' && typeof source['url'] === 'string')
    return mediaPart(source['url'], modality, max, mimeType);
  if (source['type'] === 'text' && typeof source['data'] === 'string') return textPart(source['data'], max);
  if (source['type'] === 'file' && typeof source['file_id'] === 'string')
    return { type: 'file', modality, file_id: source['file_id'].slice(0, 256) };
  return undefined;
}

/** One content block (`text`, `image`, `document`, `tool_use`, `tool_result`, `thinking`) as a semconv part. */
function anthropicBlock(value: unknown, max: number): MessagePart | undefined {
  if (typeof value === 'string') return textPart(value, max);
  const block = asRecord(value);
  if (block === undefined) return undefined;
  const type = block['type'];
  if (type === 'text' && typeof block['text'] === 'string') return textPart(block['text'], max);
  if (type === 'thinking' && typeof block['thinking'] === 'string') return reasoningPart(block['thinking'], max);
  if (type === 'tool_use') return toolCallPart(block['id'], block['name'], capValue(block['input'], max));
  if (type === 'server_tool_use') return serverToolCallPart(block['id'], block['name'], capValue(block['input'], max));
  if (isServerToolResult(type)) return serverToolResult(block, type, max);
  if (type === 'tool_result') {
    const content = block['content'];
    const response =
      typeof content === 'string'
        ? content
        : (asArray(content) ?? [])
            .map(entry => asString(getPath(entry, 'text')))
            .filter((text): text is string => text !== undefined)
            .join('');
    return toolCallResponsePart(block['tool_use_id'], capValue(response, max));
  }
  if (type === 'image' || type === 'document') {
    const part = sourcePart(asRecord(block['source']), type === 'image' ? 'image' : 'document', max);
    if (part !== undefined) return part;
  }
  return genericPart(type);
}

/** Results of tools the API runs itself: `web_search_tool_result`, `code_execution_tool_result`, … */
function isServerToolResult(type: unknown): type is string {
  return typeof type === 'string' && type.endsWith('_tool_result') && type !== 'tool_result';
}

function serverToolResult(block: JsonRecord, type: string, max: number): MessagePart {
  return serverToolCallResponsePart(block['tool_use_id'], type, capValue(block['content'], max));
}

function anthropicInputMessage(value: unknown, max: number): InputMessage | undefined {
  const message = asRecord(value);
  if (message === undefined) return undefined;
  const content = message['content'];
  const parts =
    typeof content === 'string'
      ? [textPart(content, max)]
      : (asArray(content) ?? []).map(block => anthropicBlock(block, max)).filter(isPart);
  return { role: normaliseRole(message['role'], 'user'), parts };
}

/**
 * A strictly valid `content_block_delta` of text or thinking, as the API sends it (compact, padded
 * with spaces before its last brace). Groups: `text` or `thinking`, raw string body.
 */
const TEXT_DELTA_EVENT = new RegExp(
  String.raw`^\{"type":"content_block_delta","index":(?:0|[1-9]\d{0,8}),"delta":\{"type":"(text|thinking)_delta","\1":"(${JSON_STRING_BODY})"\}[\t\n\r ]*\}[\t\n\r ]*$`,
);

/** The kind and text of a text or thinking delta event, or undefined for any other event. */
function textDelta(data: string): { thinking: boolean; text: string } | undefined {
  const match = matchJsonEvent(TEXT_DELTA_EVENT, data);
  if (match === null) return undefined;
  try {
    return { thinking: match[1] === 'thinking', text: decodeJsonStringBody(match[2]!) };
  } catch {
    return undefined;
  }
}

class MessagesAccumulator extends ResponseAccumulatorBase {
  // Usage comes in pieces (message_start, message_delta): summed up at the end (finalUsage).
  #inputTokens: number | undefined;
  #cacheReadTokens: number | undefined;
  #cacheWriteTokens: number | undefined;
  #outputTokens: number | undefined;
  /** message_start's output count: a placeholder (usually 1) until message_delta reports the real one. */
  #provisionalOutputTokens: number | undefined;
  readonly #maxContent: number;

  constructor(options: CodecOptions) {
    super(options);
    this.#maxContent = options.maxContentLength;
  }

  onJson(body: unknown): void {
    this.error ??= errorFromBody(body);
    const message = asRecord(body);
    if (message === undefined || message['type'] === 'error') return;
    this.#message(message, false);
    asArray(message['content'])?.forEach((block, index) => this.#wholeBlock(asRecord(block), index));
  }

  onEvent(eventName: string | undefined, data: unknown): boolean {
    const event = asRecord(data);
    const type = asString(event?.['type']) ?? eventName;
    if (type === 'error' || eventName === 'error') {
      this.error ??= errorFromBody(data) ?? { type: OTHER_ERROR_TYPE };
      return false;
    }
    if (event === undefined) return false;
    switch (type) {
      case 'message_start': {
        const message = asRecord(event['message']);
        if (message !== undefined) this.#message(message, true);
        return false;
      }
      case 'content_block_start':
        return this.#blockStart(asRecord(event['content_block']), asInteger(event['index']) ?? 0);
      case 'content_block_delta':
        return this.#blockDelta(asRecord(event['delta']), asInteger(event['index']) ?? 0);
      case 'message_delta':
        this.#stopReasonFrom(getPath(event, 'delta', 'stop_reason'));
        this.#usageFrom(event['usage'], false);
        return false;
      default:
        return false; // ping, content_block_stop, message_stop, unknown events
    }
  }

  onEventText(eventName: string | undefined, data: string): boolean | undefined {
    // Another event name could make it an error or a stream end (`message_stop`): parse it.
    if (eventName !== undefined && eventName !== 'content_block_delta') return undefined;
    const delta = textDelta(data);
    if (delta === undefined) return undefined;
    // What #blockDelta does for `text_delta` and `thinking_delta`.
    this.outputChars += delta.text.length;
    if (delta.thinking) this.output?.appendReasoning(0, delta.text);
    else this.output?.appendText(0, delta.text);
    return true;
  }

  protected override finalUsage(): Usage {
    return {
      inputTokens: sumDefined(this.#inputTokens, this.#cacheReadTokens, this.#cacheWriteTokens),
      // A stream cut before message_delta: the placeholder count would hide the text seen, so the
      // estimate from that text is used instead; with no text the placeholder is all there is.
      outputTokens: this.#outputTokens ?? (this.outputChars > 0 ? undefined : this.#provisionalOutputTokens),
      cacheReadInputTokens: this.#cacheReadTokens,
      cacheWriteInputTokens: this.#cacheWriteTokens,
    };
  }

  #message(message: JsonRecord, streamStart: boolean): void {
    this.id.offer(message['id']);
    this.model.offer(message['model']);
    this.#stopReasonFrom(message['stop_reason']);
    this.#usageFrom(message['usage'], streamStart);
  }

  /** The message's one stop reason: the output's one choice (index 0). */
  #stopReasonFrom(value: unknown): void {
    this.finishReasons.set(0, value);
  }

  #usageFrom(value: unknown, streamStart: boolean): void {
    const usage = asRecord(value);
    if (usage === undefined) return;
    this.#inputTokens = asCount(usage['input_tokens']) ?? this.#inputTokens;
    this.#cacheReadTokens = asCount(usage['cache_read_input_tokens']) ?? this.#cacheReadTokens;
    this.#cacheWriteTokens = asCount(usage['cache_creation_input_tokens']) ?? this.#cacheWriteTokens;
    const output = asCount(usage['output_tokens']);
    if (streamStart) this.#provisionalOutputTokens = output ?? this.#provisionalOutputTokens;
    else this.#outputTokens = output ?? this.#outputTokens;
  }

  /** A content block of a whole (non-streamed) message. */
  #wholeBlock(block: JsonRecord | undefined, index: number): void {
    if (block === undefined) return;
    const text = asString(block['text']);
    const thinking = asString(block['thinking']);
    this.outputChars += (text?.length ?? 0) + (thinking?.length ?? 0);
    if (this.output === undefined) return;
    if (block['type'] === 'tool_use' || block['type'] === 'server_tool_use') {
      this.output.toolCall(0, index, {
        id: block['id'],
        name: block['name'],
        value: block['input'],
        server: block['type'] === 'server_tool_use',
      });
    } else if (isServerToolResult(block['type'])) {
      this.output.addPart(0, serverToolResult(block, block['type'], this.#maxContent));
    }
    this.output.appendText(0, text);
    this.output.appendReasoning(0, thinking);
  }

  #blockStart(block: JsonRecord | undefined, index: number): boolean {
    if (block === undefined) return false;
    if (block['type'] === 'tool_use' || block['type'] === 'server_tool_use') {
      this.output?.toolCall(0, index, {
        id: block['id'],
        name: block['name'],
        server: block['type'] === 'server_tool_use',
      });
      return false;
    }
    if (isServerToolResult(block['type'])) {
      // A server tool's result arrives whole in its block start.
      this.output?.addPart(0, serverToolResult(block, block['type'], this.#maxContent));
      return false;
    }
    // The opening text/thinking is normally empty; when a relay puts text there, it is output.
    const text = asString(block['text']) ?? asString(block['thinking']) ?? '';
    if (text.length === 0) return false;
    this.outputChars += text.length;
    if (block['type'] === 'thinking') this.output?.appendReasoning(0, text);
    else this.output?.appendText(0, text);
    return true;
  }

  #blockDelta(delta: JsonRecord | undefined, index: number): boolean {
    switch (delta?.['type']) {
      case 'text_delta': {
        const text = asString(delta['text']) ?? '';
        this.outputChars += text.length;
        this.output?.appendText(0, text);
        return true;
      }
      case 'thinking_delta': {
        const thinking = asString(delta['thinking']) ?? '';
        this.outputChars += thinking.length;
        this.output?.appendReasoning(0, thinking);
        return true;
      }
      case 'input_json_delta': {
        const json = asString(delta['partial_json']) ?? '';
        this.outputChars += json.length;
        this.output?.toolCall(0, index, { argsDelta: json });
        return true;
      }
      case 'citations_delta':
        return true;
      default:
        return false; // signature_delta and unknown deltas carry no generated text
    }
  }
}

/** Codec for `anthropic.messages`. */
export const anthropicMessagesCodec: WireCodec = {
  format: 'anthropic.messages',
  parseRequest: parseMessagesRequest,
  createResponseAccumulator: (_request, options) => new MessagesAccumulator(options),
  isStreamEnd: (eventName, data) => eventName === 'message_stop' || asRecord(data)?.['type'] === 'message_stop',
};
