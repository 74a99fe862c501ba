/*
 * Gemini API wire shapes (generativelanguage.googleapis.com/v1beta/models/<model>:<method>):
 * generateContent, streamGenerateContent (SSE with \r\n\r\n separators, or a streamed JSON
 * array without `alt=sse`), embedContent, batchEmbedContents and countTokens.
 */
import type { Answer, AnswerInputs } from './answer.ts';
import { countTokens, embeddingDimensions, embeddingVector, promptText, type ToolSpec } from './generation.ts';
import { asArray, asCount, asRecord, asString, type JsonRecord } from './json-values.ts';
import type { RenderedAnswer } from './openai-wire.ts';
import { randomId } from './randomness.ts';
import type { StreamFrame } from './response-plan.ts';

export const GEMINI_JSON = 'application/json; charset=UTF-8';
export const GEMINI_SSE = 'text/event-stream';

function lastUserText(contents: unknown[]): string | undefined {
  const last = asRecord(contents[contents.length - 1]);
  if (!last || (last['role'] !== undefined && last['role'] !== 'user')) return undefined;
  const parts = asArray(last['parts']).map(asRecord);
  if (parts.some(p => p?.['functionResponse'] !== undefined)) return undefined;
  const texts = parts.map(p => asString(p?.['text'])).filter((t): t is string => t !== undefined);
  return texts.length > 0 ? texts.join('\n') : undefined;
}

export function generateContentInputs(body: JsonRecord, model: string): AnswerInputs {
  const config = asRecord(body['generationConfig']) ?? asRecord(body['generation_config']) ?? {};
  const tools: ToolSpec[] = [];
  for (const tool of asArray(body['tools'])) {
    for (const declaration of asArray(asRecord(tool)?.['functionDeclarations'])) {
      const record = asRecord(declaration);
      const name = asString(record?.['name']);
      if (name !== undefined) tools.push({ name, schema: record?.['parameters'] ?? record?.['parametersJsonSchema'] });
    }
  }
  const calling = asRecord(asRecord(body['toolConfig'])?.['functionCallingConfig']);
  const mode = asString(calling?.['mode']);
  const allowed = asString(asArray(calling?.['allowedFunctionNames'])[0]);
  return {
    route: 'generateContent',
    requestModel: model,
    prompt: promptText('generateContent', body),
    maxTokens: asCount(config['maxOutputTokens']),
    choiceCount: 1,
    tools: mode === 'NONE' ? [] : tools,
    forcedTool: mode === 'ANY' ? (allowed ?? true) : false,
    lastUserText: lastUserText(asArray(body['contents'])),
  };
}

function usageMetadata(answer: Answer, candidatesTokens: number): JsonRecord {
  const usage: JsonRecord = {
    promptTokenCount: answer.inputTokens,
    candidatesTokenCount: candidatesTokens,
    totalTokenCount: answer.inputTokens + candidatesTokens + answer.reasoningTokens,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: answer.inputTokens }],
  };
  // Thoughts are reported apart from (not inside) candidatesTokenCount.
  if (answer.reasoningTokens > 0) usage['thoughtsTokenCount'] = answer.reasoningTokens;
  if (answer.cachedInputTokens > 0) usage['cachedContentTokenCount'] = answer.cachedInputTokens;
  return usage;
}

const FINISH_REASONS = { stop: 'STOP', length: 'MAX_TOKENS', tool_calls: 'STOP' } as const;

export function renderGenerateContent(answer: Answer, options: { stream: boolean; sse: boolean }): RenderedAnswer {
  const responseId = randomId(23);
  const finishReason = FINISH_REASONS[answer.finishReason];
  const visibleTokens = answer.outputTokens - answer.reasoningTokens;
  const envelope = (parts: unknown[], candidatesTokens: number, finished: boolean): JsonRecord => ({
    candidates: [{ content: { parts, role: 'model' }, ...(finished ? { finishReason } : {}), index: 0 }],
    usageMetadata: usageMetadata(answer, candidatesTokens),
    modelVersion: answer.responseModel,
    responseId,
  });
  const functionPart = answer.toolCall
    ? { functionCall: { name: answer.toolCall.name, args: JSON.parse(answer.toolCall.arguments) as unknown } }
    : undefined;

  if (!options.stream) {
    const parts = functionPart ? [functionPart] : [{ text: answer.choices[0]?.join('') ?? '' }];
    return {
      contentType: GEMINI_JSON,
      body: { kind: 'json', value: envelope(parts, visibleTokens, true) },
      responseId,
    };
  }

  // Usage is cumulative in every chunk, as the live API sends it.
  const chunks: JsonRecord[] = [];
  if (functionPart) chunks.push(envelope([functionPart], visibleTokens, true));
  else {
    const words = answer.choices[0] ?? [];
    words.forEach((word, i) => chunks.push(envelope([{ text: word }], i + 1, i === words.length - 1)));
    if (words.length === 0) chunks.push(envelope([{ text: '' }], 0, true));
  }
  const frames: StreamFrame[] = options.sse
    ? chunks.map(chunk => ({ kind: 'output', text: `data: ${JSON.stringify(chunk)}\r\n\r\n` }))
    : chunks.map((chunk, i) => ({ kind: 'output', text: `${i === 0 ? '[' : ',\r\n'}${JSON.stringify(chunk)}` }));
  if (!options.sse) frames.push({ kind: 'tail', text: ']' });
  return {
    contentType: options.sse ? GEMINI_SSE : GEMINI_JSON,
    body: { kind: 'stream', frames },
    responseId,
  };
}

function embedOne(
  request: JsonRecord,
  model: string,
  fallbackDimensions: number,
): { values: number[]; tokens: number } {
  const text = asArray(asRecord(request['content'])?.['parts'])
    .map(p => asString(asRecord(p)?.['text']) ?? '')
    .join('\n');
  const dimensions = embeddingDimensions(model, asCount(request['outputDimensionality']), fallbackDimensions);
  return { values: embeddingVector(text, model, dimensions), tokens: countTokens(text) };
}

/** `:embedContent` and `:batchEmbedContents`. Gemini reports no usage on these. */
export function renderEmbedContent(
  body: JsonRecord,
  model: string,
  batch: boolean,
  fallbackDimensions: number,
): { value: JsonRecord; inputTokens: number } {
  if (!batch) {
    const { values, tokens } = embedOne(body, model, fallbackDimensions);
    return { value: { embedding: { values } }, inputTokens: tokens };
  }
  let inputTokens = 0;
  const embeddings = asArray(body['requests']).map(request => {
    const { values, tokens } = embedOne(asRecord(request) ?? {}, model, fallbackDimensions);
    inputTokens += tokens;
    return { values };
  });
  return { value: { embeddings }, inputTokens };
}

export function renderGeminiModelList(models: string[]): JsonRecord {
  return {
    models: models.map(id => ({
      name: `models/${id}`,
      version: '001',
      displayName: id,
      supportedGenerationMethods: id.includes('embedding') ? ['embedContent'] : ['generateContent', 'countTokens'],
    })),
  };
}
