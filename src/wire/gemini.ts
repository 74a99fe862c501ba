/*
 * Google Gemini API and Vertex AI: `models/<model>:generateContent`, `:streamGenerateContent`
 * (SSE with `alt=sse`, where every event is a whole GenerateContentResponse; without it, one JSON
 * array of those), and `:embedContent` / `:batchEmbedContents`. The model comes from the URL.
 *
 * usageMetadata → semconv: `promptTokenCount` (+ `toolUsePromptTokenCount`) is input (it already
 * includes `cachedContentTokenCount`); output is `candidatesTokenCount + thoughtsTokenCount`
 * because Gemini reports thoughts apart and semconv output includes reasoning. Streams repeat the
 * cumulative usage; Vertex sends `{trafficType}` only until the last chunk, so the last
 * usageMetadata that carries counts wins.
 */
import { ResponseAccumulatorBase } from './accumulate';
import { geminiToolDefinitions } from './tool-definitions';
import {
  blobPart,
  capValue,
  genericPart,
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
import { JSON_STRING_BODY, decodeJsonStringBody, matchJsonEvent } from './json-text';
import type { CodecOptions, RequestInfo, RequestParams, RouteMatch, Usage, WireCodec } from './types';
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
  firstDefined,
  sumDefined,
  type JsonRecord,
} from './values';

/** REST accepts both camelCase and snake_case field names (proto JSON). */
function field(record: JsonRecord | undefined, camel: string, snake: string): unknown {
  return record === undefined ? undefined : (record[camel] ?? record[snake]);
}

/** The request model: the URL's `models/<model>`, else a body `model` (minus its `models/` prefix). */
function geminiModel(request: JsonRecord, route: RouteMatch): string | undefined {
  if (route.urlModel !== undefined) return route.urlModel;
  const model = asScalarString(request['model']);
  return model?.startsWith('models/') === true ? model.slice('models/'.length) : model;
}

function geminiOutputType(config: JsonRecord | undefined): string | undefined {
  const mime = asString(field(config, 'responseMimeType', 'response_mime_type'));
  if (mime === 'application/json') return 'json';
  if (mime?.startsWith('text/') === true) return 'text';
  const modalities = asStringList(field(config, 'responseModalities', 'response_modalities'))?.map(m =>
    m.toUpperCase(),
  );
  if (modalities === undefined) return undefined;
  if (modalities.includes('IMAGE')) return 'image';
  if (modalities.includes('AUDIO')) return 'speech';
  if (modalities.includes('TEXT')) return 'text';
  return undefined;
}

function generationParams(config: JsonRecord | undefined): RequestParams {
  return compact({
    maxTokens: asCount(field(config, 'maxOutputTokens', 'max_output_tokens')),
    temperature: asNumber(field(config, 'temperature', 'temperature')),
    topP: asNumber(field(config, 'topP', 'top_p')),
    topK: asNumber(field(config, 'topK', 'top_k')),
    frequencyPenalty: asNumber(field(config, 'frequencyPenalty', 'frequency_penalty')),
    presencePenalty: asNumber(field(config, 'presencePenalty', 'presence_penalty')),
    stopSequences: asStringList(field(config, 'stopSequences', 'stop_sequences')),
    seed: asInteger(config?.['seed']),
    choiceCount: asInteger(field(config, 'candidateCount', 'candidate_count')),
    outputType: geminiOutputType(config),
  });
}

function modalityOf(mimeType: string | undefined): string {
  const kind = mimeType?.split('/')[0];
  return kind === 'image' || kind === 'video' || kind === 'audio' ? kind : 'document';
}

/** One Gemini `Part` as a semconv part. */
function geminiPart(value: unknown, max: number): MessagePart | undefined {
  const part = asRecord(value);
  if (part === undefined) return undefined;
  const text = asString(part['text']);
  if (text !== undefined) return part['thought'] === true ? reasoningPart(text, max) : textPart(text, max);
  const inline = asRecord(field(part, 'inlineData', 'inline_data'));
  if (inline !== undefined) {
    const mimeType = asString(field(inline, 'mimeType', 'mime_type'));
    return blobPart(modalityOf(mimeType), mimeType, (asString(inline['data']) ?? '').slice(0, max));
  }
  const file = asRecord(field(part, 'fileData', 'file_data'));
  const fileUri = asString(field(file, 'fileUri', 'file_uri'));
  if (fileUri !== undefined) {
    const mimeType = asString(field(file, 'mimeType', 'mime_type'));
    return mediaPart(fileUri, modalityOf(mimeType), max, mimeType);
  }
  const call = asRecord(field(part, 'functionCall', 'function_call'));
  if (call !== undefined) {
    return toolCallPart(call['id'], call['name'], capValue(call['args'], max));
  }
  const response = asRecord(field(part, 'functionResponse', 'function_response'));
  if (response !== undefined) {
    // The function's name is no call id: only a real `id` (Gemini 2.5+, Vertex) pairs it with its call.
    return toolCallResponsePart(response['id'], capValue(response['response'], max));
  }
  return genericPart(Object.keys(part).find(key => key !== 'thought' && key !== 'thoughtSignature') ?? 'unknown');
}

function geminiParts(content: unknown, max: number): MessagePart[] {
  return (asArray(asRecord(content)?.['parts']) ?? [])
    .map(part => geminiPart(part, max))
    .filter((part): part is MessagePart => part !== undefined);
}

function parseGenerateContentRequest(body: unknown, route: RouteMatch, options: CodecOptions): RequestInfo {
  const request = asRecord(body) ?? {};
  const info: RequestInfo = {
    model: geminiModel(request, route),
    stream: route.urlStream === true || request['stream'] === true,
    params: generationParams(asRecord(field(request, 'generationConfig', 'generation_config'))),
  };
  if (options.captureContent) {
    const max = options.maxContentLength;
    const system = field(request, 'systemInstruction', 'system_instruction');
    const systemParts = typeof system === 'string' ? [textPart(system, max)] : geminiParts(system, max);
    if (systemParts.length > 0) info.systemInstructions = systemParts;
    const contents = request['contents'];
    const list = asArray(contents) ?? (asRecord(contents) !== undefined ? [contents] : []);
    const messages = list
      .map((content): InputMessage | undefined => {
        const record = asRecord(content);
        return record === undefined
          ? undefined
          : { role: normaliseRole(record['role'], 'user'), parts: geminiParts(record, max) };
      })
      .filter((message): message is InputMessage => message !== undefined);
    if (messages.length > 0) info.inputMessages = messages;
    info.toolDefinitions = geminiToolDefinitions(request, max);
  }
  return compact(info);
}

/** usageMetadata → Usage, or undefined when it carries no count (Vertex `{trafficType}` chunks). */
export function readGeminiUsage(value: unknown): Usage | undefined {
  const meta = asRecord(value);
  if (meta === undefined) return undefined;
  const prompt = asCount(meta['promptTokenCount']);
  const toolUsePrompt = asCount(meta['toolUsePromptTokenCount']);
  const candidates = asCount(meta['candidatesTokenCount']);
  const thoughts = asCount(meta['thoughtsTokenCount']);
  const cached = asCount(meta['cachedContentTokenCount']);
  const total = asCount(meta['totalTokenCount']);
  if ([prompt, toolUsePrompt, candidates, thoughts, cached, total].every(count => count === undefined))
    return undefined;
  return compact({
    inputTokens: sumDefined(prompt, toolUsePrompt),
    outputTokens: sumDefined(candidates, thoughts),
    cacheReadInputTokens: cached,
    reasoningOutputTokens: thoughts,
  });
}

/** The API puts one space after each colon; JSON.stringify (relays re-encoding, the simulator) none. */
const SP = ' ?';
const NUMBER = String.raw`-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?`;
const SCALAR = `(?:${NUMBER}|"${JSON_STRING_BODY}"|true|false|null)`;
const MEMBER_NAME = `"${JSON_STRING_BODY}":${SP}`;
const FLAT_OBJECT = String.raw`\{(?:${MEMBER_NAME}${SCALAR}(?:,${SP}${MEMBER_NAME}${SCALAR})*)?\}`;
const USAGE_VALUE = String.raw`(?:${SCALAR}|\[(?:${FLAT_OBJECT}(?:,${SP}${FLAT_OBJECT})*)?\])`;
/** usageMetadata as the API sends it: counts, strings and arrays of flat objects (`promptTokensDetails`). */
const USAGE_OBJECT = String.raw`\{(?:${MEMBER_NAME}${USAGE_VALUE}(?:,${SP}${MEMBER_NAME}${USAGE_VALUE})*)?\}`;
/**
 * A strictly valid GenerateContentResponse whose one candidate adds one text part and nothing else
 * (no thought, finish reason, function call or safety ratings), in the API's member order. Groups:
 * raw text, candidate index, usageMetadata text.
 */
const TEXT_CHUNK = new RegExp(
  String.raw`^\{"candidates":${SP}\[\{"content":${SP}\{"parts":${SP}\[\{"text":${SP}"(${JSON_STRING_BODY})"\}\],${SP}"role":${SP}"model"\},${SP}"index":${SP}(0|[1-9]\d{0,8})\}\],${SP}"usageMetadata":${SP}(${USAGE_OBJECT}),${SP}"modelVersion":${SP}"${JSON_STRING_BODY}",${SP}"responseId":${SP}"${JSON_STRING_BODY}"\}$`,
);

class GenerateContentAccumulator extends ResponseAccumulatorBase {
  /**
   * The usageMetadata text of the latest chunk read by onEventText, parsed only when it matters:
   * before the next parsed chunk (which may replace it) and at the end. Every chunk repeats the
   * running totals, so parsing each would cost a JSON.parse per chunk for the last one's counts.
   */
  #pendingUsage: string | undefined;

  onJson(body: unknown): void {
    this.#applyPendingUsage();
    this.error ??= errorFromBody(body);
    // streamGenerateContent without `alt=sse` answers with a JSON array of responses.
    const chunks = asArray(body) ?? [body];
    for (const chunk of chunks) {
      const record = asRecord(chunk);
      if (record !== undefined) this.#chunk(record);
    }
  }

  onEvent(eventName: string | undefined, data: unknown): boolean {
    this.#applyPendingUsage();
    const chunk = asRecord(data);
    if (eventName === 'error' || chunk?.['error'] !== undefined) {
      this.error ??= errorFromBody(data) ?? { type: OTHER_ERROR_TYPE };
      return false;
    }
    return chunk !== undefined ? this.#chunk(chunk) : false;
  }

  onEventText(eventName: string | undefined, data: string): boolean | undefined {
    // Until id and model are known, a chunk's own could still be the first ones: parse it.
    if (eventName !== undefined || this.id.value === undefined || this.model.value === undefined) return undefined;
    const match = matchJsonEvent(TEXT_CHUNK, data);
    if (match === null) return undefined;
    let text: string;
    try {
      text = decodeJsonStringBody(match[1]!);
    } catch {
      return undefined;
    }
    // What #chunk does for such a chunk (its id and model are offered too late to count).
    this.#pendingUsage = match[3];
    const index = Number(match[2]);
    this.output?.setRole(index, 'model');
    this.outputChars += text.length;
    this.output?.appendText(index, text);
    return text.length > 0;
  }

  protected override finalUsage(): Usage {
    this.#applyPendingUsage();
    return super.finalUsage();
  }

  #applyPendingUsage(): void {
    const pending = this.#pendingUsage;
    if (pending === undefined) return;
    this.#pendingUsage = undefined;
    let value: unknown;
    try {
      value = JSON.parse(pending);
    } catch {
      return; // TEXT_CHUNK accepts only valid JSON: not reached
    }
    const usage = readGeminiUsage(value);
    if (usage !== undefined) this.usage.replace(usage);
  }

  /** One GenerateContentResponse; true when it carried generated content. */
  #chunk(chunk: JsonRecord): boolean {
    this.id.offer(field(chunk, 'responseId', 'response_id'));
    this.model.offer(field(chunk, 'modelVersion', 'model_version'));
    const usage = readGeminiUsage(field(chunk, 'usageMetadata', 'usage_metadata'));
    if (usage !== undefined) this.usage.replace(usage);
    let output = false;
    asArray(chunk['candidates'])?.forEach((value, position) => {
      const candidate = asRecord(value);
      if (candidate === undefined) return;
      const index = asInteger(candidate['index']) ?? position;
      this.finishReasons.set(index, field(candidate, 'finishReason', 'finish_reason'));
      const content = asRecord(candidate['content']);
      this.output?.setRole(index, content?.['role']);
      for (const partValue of asArray(content?.['parts']) ?? []) {
        if (this.#part(index, asRecord(partValue))) output = true;
      }
    });
    return output;
  }

  #part(index: number, part: JsonRecord | undefined): boolean {
    if (part === undefined) return false;
    const text = asString(part['text']);
    if (text !== undefined) {
      this.outputChars += text.length;
      if (part['thought'] === true) this.output?.appendReasoning(index, text);
      else this.output?.appendText(index, text);
      return text.length > 0;
    }
    const call = asRecord(field(part, 'functionCall', 'function_call'));
    if (call !== undefined) {
      if (this.output !== undefined) {
        this.output.toolCall(index, this.output.toolCallCount(index), {
          id: call['id'],
          name: call['name'],
          value: call['args'] ?? {},
        });
      }
      return true;
    }
    return (
      asRecord(field(part, 'inlineData', 'inline_data')) !== undefined || asRecord(part['executableCode']) !== undefined
    );
  }
}

function parseEmbedContentRequest(body: unknown, route: RouteMatch, _options: CodecOptions): RequestInfo {
  const request = asRecord(body) ?? {};
  // batchEmbedContents: `requests[]`, each with its own; the first one stands for the call.
  const first = asRecord(asArray(request['requests'])?.[0]) ?? request;
  const dimensions = asCount(field(first, 'outputDimensionality', 'output_dimensionality'));
  return compact({
    model: geminiModel(request, route),
    stream: false,
    params: compact({ embeddingDimensions: dimensions }),
  });
}

class EmbedContentAccumulator extends ResponseAccumulatorBase {
  // embedContent answers carry no model, id or finish reason: only usage and errors are read.
  onJson(body: unknown): void {
    this.error ??= errorFromBody(body);
    const meta = asRecord(field(asRecord(body), 'usageMetadata', 'usage_metadata'));
    const input = firstDefined(asCount(meta?.['promptTokenCount']), asCount(meta?.['totalTokenCount']));
    if (input !== undefined) this.usage.replace({ inputTokens: input });
  }

  onEvent(_eventName: string | undefined, data: unknown): boolean {
    this.onJson(data);
    return false;
  }
}

/** Codec for `gemini.generate_content` (`generateContent` and `streamGenerateContent`). */
export const geminiGenerateContentCodec: WireCodec = {
  format: 'gemini.generate_content',
  parseRequest: parseGenerateContentRequest,
  createResponseAccumulator: (_request, options) => new GenerateContentAccumulator(options),
};

/** Codec for `gemini.embed_content` (`embedContent` and `batchEmbedContents`). */
export const geminiEmbedContentCodec: WireCodec = {
  format: 'gemini.embed_content',
  parseRequest: parseEmbedContentRequest,
  createResponseAccumulator: () => new EmbedContentAccumulator(),
  // The vectors (`embedding.values`, `embeddings[].values`): only `usageMetadata` and errors are read.
  responseSkipKeys: new Set(['embedding', 'embeddings']),
};
