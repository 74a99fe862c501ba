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

class GenerateContentAccumulator extends ResponseAccumulatorBase {
  onJson(body: unknown): void {
    this.error ??= errorFromBody(body);
    // streamGenerateContent without `alt=sse` answers with a JSON array of responses.
    const chunks = asArray(body) ?? [body];
    for (const chunk of chunks) {
      const record = asRecord(chunk);
      if (record !== undefined) this.#chunk(record);
    }
  }

  onEvent(eventName: string | undefined, data: unknown): boolean {
    const chunk = asRecord(data);
    if (eventName === 'error' || chunk?.['error'] !== undefined) {
      this.error ??= errorFromBody(data) ?? { type: OTHER_ERROR_TYPE };
      return false;
    }
    return chunk !== undefined ? this.#chunk(chunk) : false;
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
