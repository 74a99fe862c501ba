/*
 * Legacy OpenAI Completions (`POST …/completions`, object `text_completion`): a `prompt` in,
 * `choices[].text` out, as one JSON body or SSE chunks of the same shape.
 */
import { ResponseAccumulatorBase } from './accumulate';
import { textPart, type InputMessage } from './content';
import { OTHER_ERROR_TYPE, errorFromBody } from './errors';
import { openAiIncludeUsage, openAiSamplingParams, readOpenAiUsage } from './openai-common';
import type { CodecOptions, RequestInfo, RouteMatch, WireCodec } from './types';
import { asArray, asCount, asInteger, asRecord, asScalarString, asString, compact, type JsonRecord } from './values';

function parseCompletionRequest(body: unknown, route: RouteMatch, options: CodecOptions): RequestInfo {
  const request = asRecord(body) ?? {};
  const info: RequestInfo = {
    model: asScalarString(request['model']) ?? route.urlModel,
    stream: request['stream'] === true || route.urlStream === true,
    params: compact({ ...openAiSamplingParams(request), maxTokens: asCount(request['max_tokens']) }),
    includeUsage: openAiIncludeUsage(request),
  };
  if (options.captureContent) {
    // `prompt` is a string or a list of strings (token-id arrays carry no text to capture).
    const prompt = request['prompt'];
    const prompts =
      typeof prompt === 'string'
        ? [prompt]
        : (asArray(prompt)?.filter((item): item is string => typeof item === 'string') ?? []);
    if (prompts.length > 0) {
      const message: InputMessage = {
        role: 'user',
        parts: prompts.map(text => textPart(text, options.maxContentLength)),
      };
      info.inputMessages = [message];
    }
  }
  return compact(info);
}

class CompletionAccumulator extends ResponseAccumulatorBase {
  onJson(body: unknown): void {
    this.error ??= errorFromBody(body);
    const response = asRecord(body);
    if (response !== undefined) this.#chunk(response);
  }

  onEvent(eventName: string | undefined, data: unknown): boolean {
    if (eventName === 'error') {
      this.error ??= errorFromBody(data) ?? { type: OTHER_ERROR_TYPE };
      return false;
    }
    const chunk = asRecord(data);
    if (chunk === undefined) return false;
    this.error ??= errorFromBody(chunk);
    return this.#chunk(chunk);
  }

  /** A whole response or one chunk; true when it carried generated text. */
  #chunk(record: JsonRecord): boolean {
    this.id.offer(record['id']);
    this.model.offer(record['model']);
    let output = false;
    asArray(record['choices'])?.forEach((value, position) => {
      const choice = asRecord(value);
      if (choice === undefined) return;
      const index = asInteger(choice['index']) ?? position;
      this.finishReasons.set(index, choice['finish_reason']);
      const text = asString(choice['text']);
      if (text !== undefined && text.length > 0) {
        output = true;
        this.outputChars += text.length;
        this.output?.appendText(index, text);
      }
    });
    const usage = readOpenAiUsage(record['usage']);
    if (usage !== undefined) {
      this.usage.merge(usage.usage);
      if (usage.costUsd !== undefined) this.costUsd = usage.costUsd;
    }
    return output;
  }
}

/** Codec for `openai.completions` (legacy text completions). */
export const openAiCompletionsCodec: WireCodec = {
  format: 'openai.completions',
  parseRequest: parseCompletionRequest,
  createResponseAccumulator: (_request, options) => new CompletionAccumulator(options),
  // `choices[].logprobs`: never read; only `choices[].text` is captured.
  responseSkipKeys: new Set(['logprobs']),
};
