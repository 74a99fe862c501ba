/*
 * OpenAI Responses API (`POST …/responses`): one `response` object, or SSE events
 * `response.created` / `response.in_progress` / `response.*.delta` / `response.completed` |
 * `response.failed` | `response.incomplete`, plus `error`.
 *
 * The API has no finish reason; like the fixtures' oracle, the final response `status`
 * (`completed`, `incomplete`, `failed`, `cancelled`) is reported as the finish reason.
 */
import { FirstValue, ResponseAccumulatorBase, type ResponseParts } from './accumulate';
import { openAiToolDefinitions } from './tool-definitions';
import {
  capValue,
  genericPart,
  mediaPart,
  normaliseRole,
  reasoningPart,
  textPart,
  toolArguments,
  toolCallPart,
  toolCallResponsePart,
  type InputMessage,
  type MessagePart,
} from './content';
import { OTHER_ERROR_TYPE, errorFromBody, errorFromObject } from './errors';
import { readOpenAiUsage } from './openai-common';
import type { CodecOptions, RequestInfo, RouteMatch, Usage, WireCodec } from './types';
import {
  asArray,
  asCount,
  asInteger,
  asNumber,
  asRecord,
  asScalarString,
  asString,
  compact,
  getPath,
  type JsonRecord,
} from './values';

/** The events that end a stream (see stream-end.ts). */
const TERMINAL_EVENT_TYPES: ReadonlySet<string> = new Set([
  'response.completed',
  'response.failed',
  'response.incomplete',
]);

/** Statuses that are not an outcome yet (a cut stream must not report them as the finish reason). */
const PENDING_STATUSES = new Set(['in_progress', 'queued']);

function parseResponsesRequest(body: unknown, route: RouteMatch, options: CodecOptions): RequestInfo {
  const request = asRecord(body) ?? {};
  const format = getPath(request, 'text', 'format', 'type');
  const info: RequestInfo = {
    model: asScalarString(request['model']) ?? route.urlModel,
    stream: request['stream'] === true || route.urlStream === true,
    params: compact({
      maxTokens: asCount(request['max_output_tokens']),
      temperature: asNumber(request['temperature']),
      topP: asNumber(request['top_p']),
      outputType:
        format === 'json_schema' || format === 'json_object' ? 'json' : format === 'text' ? 'text' : undefined,
      serviceTier: asScalarString(request['service_tier']),
    }),
  };
  if (options.captureContent) {
    const max = options.maxContentLength;
    const instructions = asString(request['instructions']);
    if (instructions !== undefined) info.systemInstructions = [textPart(instructions, max)];
    const input = request['input'];
    const messages =
      typeof input === 'string'
        ? [{ role: 'user', parts: [textPart(input, max)] }]
        : (asArray(input) ?? [])
            .map(item => responsesInputItem(item, max))
            .filter((item): item is InputMessage => item !== undefined);
    if (messages.length > 0) info.inputMessages = messages;
    info.toolDefinitions = openAiToolDefinitions(request, max);
  }
  return compact(info);
}

function responsesContentPart(value: unknown, max: number): MessagePart | undefined {
  const part = asRecord(value);
  if (part === undefined) return undefined;
  const type = part['type'];
  const text = asString(part['text']);
  if ((type === 'input_text' || type === 'output_text' || type === 'text') && text !== undefined)
    return textPart(text, max);
  if (type === 'refusal' && typeof part['refusal'] === 'string') return textPart(part['refusal'], max);
  if (type === 'input_image') {
    const url = asString(part['image_url']);
    if (url !== undefined) return mediaPart(url, 'image', max);
    const fileId = asString(part['file_id']);
    if (fileId !== undefined) return { type: 'file', modality: 'image', file_id: fileId.slice(0, 256) };
  }
  if (type === 'input_file') {
    const fileId = asString(part['file_id']);
    if (fileId !== undefined) return { type: 'file', modality: 'document', file_id: fileId.slice(0, 256) };
    const url = asString(part['file_url']);
    if (url !== undefined) return mediaPart(url, 'document', max);
  }
  return genericPart(type);
}

/** One `input` item: a message, a function call, a function call's output, or reasoning. */
function responsesInputItem(value: unknown, max: number): InputMessage | undefined {
  const item = asRecord(value);
  if (item === undefined) return undefined;
  const type = item['type'];
  if (type === 'function_call') {
    return {
      role: 'assistant',
      parts: [toolCallPart(item['call_id'], item['name'], toolArguments(item['arguments'], max))],
    };
  }
  if (type === 'function_call_output') {
    return { role: 'tool', parts: [toolCallResponsePart(item['call_id'], capValue(item['output'], max))] };
  }
  if (type === 'reasoning') {
    const parts = (asArray(item['summary']) ?? [])
      .map(entry => asString(getPath(entry, 'text')))
      .filter((text): text is string => text !== undefined)
      .map(text => reasoningPart(text, max));
    return parts.length > 0 ? { role: 'assistant', parts } : undefined;
  }
  if (type !== undefined && type !== 'message') return undefined;
  const content = item['content'];
  const parts =
    typeof content === 'string'
      ? [textPart(content, max)]
      : (asArray(content) ?? [])
          .map(part => responsesContentPart(part, max))
          .filter((part): part is MessagePart => part !== undefined);
  return { role: normaliseRole(item['role'], 'user'), parts };
}

/** Responses usage: `input_tokens` (incl. cached) and `output_tokens` (incl. reasoning). */
function readResponsesUsage(value: unknown): Usage | undefined {
  const usage = asRecord(value);
  if (usage === undefined) return undefined;
  const read: Usage = compact({
    inputTokens: asCount(usage['input_tokens']),
    outputTokens: asCount(usage['output_tokens']),
    cacheReadInputTokens: asCount(getPath(usage, 'input_tokens_details', 'cached_tokens')),
    reasoningOutputTokens: asCount(getPath(usage, 'output_tokens_details', 'reasoning_tokens')),
  });
  // A relay translating from Chat Completions may send chat-style names.
  return Object.keys(read).length > 0 ? read : readOpenAiUsage(usage)?.usage;
}

/** A `response` object (some relays drop `object`, so its `status`/`output` also tell). */
function isResponseObject(record: JsonRecord): boolean {
  return record['object'] === 'response' || typeof record['status'] === 'string' || Array.isArray(record['output']);
}

class ResponsesAccumulator extends ResponseAccumulatorBase {
  readonly #serviceTier = new FirstValue();

  onJson(body: unknown): void {
    const response = asRecord(body);
    if (response === undefined || !isResponseObject(response)) {
      this.error ??= errorFromBody(body);
      return;
    }
    this.#response(response);
    for (const item of asArray(response['output']) ?? []) this.#outputItem(asRecord(item));
  }

  onEvent(eventName: string | undefined, data: unknown): boolean {
    const event = asRecord(data);
    if (event === undefined) {
      if (eventName === 'error') this.error ??= { type: OTHER_ERROR_TYPE };
      return false;
    }
    const type = asString(event['type']) ?? eventName ?? '';
    if (type === 'error' || eventName === 'error') {
      this.error ??= errorFromBody(event) ?? { type: OTHER_ERROR_TYPE };
      return false;
    }
    const response = asRecord(event['response']);
    if (response !== undefined) {
      // Streamed output was counted from its deltas; the final object's copy is not re-read.
      this.#response(response);
      return false;
    }
    if (type === 'response.output_item.added') {
      const item = asRecord(event['item']);
      if (item?.['type'] === 'function_call') {
        this.output?.toolCall(0, asInteger(event['output_index']) ?? 0, { id: item['call_id'], name: item['name'] });
      }
      return false;
    }
    if (!type.endsWith('.delta')) return false;
    const delta = asString(event['delta']);
    if (delta !== undefined && !type.includes('audio')) {
      this.outputChars += delta.length;
      if (type === 'response.output_text.delta' || type === 'response.refusal.delta') this.output?.appendText(0, delta);
      else if (type.startsWith('response.reasoning')) this.output?.appendReasoning(0, delta);
      else if (type === 'response.function_call_arguments.delta') {
        this.output?.toolCall(0, asInteger(event['output_index']) ?? 0, { argsDelta: delta });
      }
    }
    return true;
  }

  protected override extraParts(): Partial<ResponseParts> {
    return { serviceTier: this.#serviceTier.value };
  }

  #response(response: JsonRecord): void {
    this.id.offer(response['id']);
    this.model.offer(response['model']);
    // `response.created` says `auto`; the final response names the tier that served it.
    const tier = asScalarString(response['service_tier']);
    if (tier !== undefined && tier !== 'auto') this.#serviceTier.offer(tier);
    const status = asScalarString(response['status']);
    if (status !== undefined && !PENDING_STATUSES.has(status)) this.finishReasons.set(0, status);
    const usage = readResponsesUsage(response['usage']);
    if (usage !== undefined) this.usage.merge(usage);
    const error = asRecord(response['error']);
    if (error !== undefined) this.error ??= errorFromObject(error);
    else if (status === 'failed') this.error ??= { type: OTHER_ERROR_TYPE };
  }

  /** One output item of a whole (non-streamed) response. */
  #outputItem(item: JsonRecord | undefined): void {
    if (item === undefined) return;
    const type = item['type'];
    if (type === 'message') {
      for (const value of asArray(item['content']) ?? []) {
        const part = asRecord(value);
        const text = asString(part?.['text']) ?? asString(part?.['refusal']);
        if (text === undefined) continue;
        this.outputChars += text.length;
        this.output?.appendText(0, text);
      }
    } else if (type === 'function_call') {
      const args = asString(item['arguments']);
      this.outputChars += args?.length ?? 0;
      this.output?.toolCall(0, this.output.toolCallCount(0), {
        id: item['call_id'],
        name: item['name'],
        argsDelta: args,
      });
    } else if (type === 'reasoning') {
      for (const entry of asArray(item['summary']) ?? []) {
        const text = asString(getPath(entry, 'text'));
        if (text === undefined) continue;
        this.outputChars += text.length;
        this.output?.appendReasoning(0, text);
      }
    }
  }
}

/** Codec for `openai.responses`. */
export const openAiResponsesCodec: WireCodec = {
  format: 'openai.responses',
  parseRequest: parseResponsesRequest,
  createResponseAccumulator: (_request, options) => new ResponsesAccumulator(options),
  isStreamEnd: (eventName, data) => {
    const type = eventName ?? asRecord(data)?.['type'];
    return typeof type === 'string' && TERMINAL_EVENT_TYPES.has(type);
  },
  // `output[].content[].logprobs`: never read; captured content is strings (texts, arguments).
  responseSkipKeys: new Set(['logprobs']),
};
