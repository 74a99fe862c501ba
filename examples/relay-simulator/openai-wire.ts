/*
 * OpenAI wire shapes: Chat Completions, legacy Completions, Responses, Embeddings and the
 * model list, as api.openai.com sends them (JSON and SSE).
 */
import { argumentPieces, type Answer, type AnswerInputs } from './answer.ts';
import { embeddingDimensions, embeddingVector, countTokens, promptText, type ToolSpec } from './generation.ts';
import { asArray, asCount, asRecord, asString, type JsonRecord } from './json-values.ts';
import { randomHex, randomId } from './randomness.ts';
import { sseFrame, type PlannedBody, type StreamFrame } from './response-plan.ts';

export const OPENAI_JSON = 'application/json';
export const OPENAI_SSE = 'text/event-stream; charset=utf-8';

export interface RenderedAnswer {
  contentType: string;
  body: PlannedBody;
  responseId?: string;
}

export interface StreamFlags {
  stream: boolean;
  includeUsage: boolean;
}

export function streamFlags(body: JsonRecord): StreamFlags {
  return {
    stream: body['stream'] === true,
    includeUsage: asRecord(body['stream_options'])?.['include_usage'] === true,
  };
}

function lastMessageUserText(messages: unknown[]): string | undefined {
  const last = asRecord(messages[messages.length - 1]);
  if (last?.['role'] !== 'user') return undefined;
  const content = last['content'];
  if (typeof content === 'string') return content;
  const texts = asArray(content)
    .map(p => asString(asRecord(p)?.['text']))
    .filter((t): t is string => t !== undefined);
  return texts.length > 0 ? texts.join('\n') : undefined;
}

/** `tool_choice` of Chat Completions and Responses: `required`, a named function, or neither. */
function forcedToolOf(choice: unknown): boolean | string | 'none' {
  if (choice === 'required') return true;
  if (choice === 'none') return 'none';
  const record = asRecord(choice);
  const name = asString(asRecord(record?.['function'])?.['name']) ?? asString(record?.['name']);
  return name ?? false;
}

function toolInputs(
  tools: ToolSpec[],
  choice: unknown,
  lastUserText: string | undefined,
): Pick<AnswerInputs, 'tools' | 'forcedTool' | 'lastUserText'> {
  const forced = forcedToolOf(choice);
  if (forced === 'none') return { tools: [], forcedTool: false, lastUserText };
  return { tools, forcedTool: forced, lastUserText };
}

export function chatInputs(body: JsonRecord, model: string): AnswerInputs {
  const messages = asArray(body['messages']);
  const tools: ToolSpec[] = [];
  for (const tool of asArray(body['tools'])) {
    const fn = asRecord(asRecord(tool)?.['function']);
    const name = asString(fn?.['name']);
    if (name !== undefined) tools.push({ name, schema: fn?.['parameters'] });
  }
  return {
    route: 'chat.completions',
    requestModel: model,
    prompt: promptText('chat.completions', body),
    maxTokens: asCount(body['max_completion_tokens']) ?? asCount(body['max_tokens']),
    choiceCount: Math.max(1, Math.min(asCount(body['n']) ?? 1, 8)),
    ...toolInputs(tools, body['tool_choice'], lastMessageUserText(messages)),
  };
}

export function completionsInputs(body: JsonRecord, model: string): AnswerInputs {
  return {
    route: 'completions',
    requestModel: model,
    prompt: promptText('completions', body),
    maxTokens: asCount(body['max_tokens']),
    choiceCount: Math.max(1, Math.min(asCount(body['n']) ?? 1, 8)),
    tools: [],
    forcedTool: false,
  };
}

export function responsesInputs(body: JsonRecord, model: string): AnswerInputs {
  const input = body['input'];
  let lastUserText: string | undefined;
  if (typeof input === 'string') lastUserText = input;
  else lastUserText = lastMessageUserText(asArray(input));
  const tools: ToolSpec[] = [];
  for (const tool of asArray(body['tools'])) {
    const record = asRecord(tool);
    const name = asString(record?.['name']);
    if (record?.['type'] === 'function' && name !== undefined) tools.push({ name, schema: record['parameters'] });
  }
  return {
    route: 'responses',
    requestModel: model,
    prompt: promptText('responses', body),
    maxTokens: asCount(body['max_output_tokens']),
    choiceCount: 1,
    ...toolInputs(tools, body['tool_choice'], lastUserText),
  };
}

function chatUsage(answer: Answer): JsonRecord {
  const usage: JsonRecord = {
    prompt_tokens: answer.inputTokens,
    completion_tokens: answer.outputTokens,
    total_tokens: answer.inputTokens + answer.outputTokens,
    prompt_tokens_details: {
      cached_tokens: answer.cachedInputTokens,
      audio_tokens: 0,
      // OpenRouter's spelling of cache writes; OpenAI itself reports none.
      ...(answer.cacheWriteInputTokens > 0 ? { cache_write_tokens: answer.cacheWriteInputTokens } : {}),
    },
    completion_tokens_details: {
      reasoning_tokens: answer.reasoningTokens,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
  // DeepSeek reports its cache split next to the OpenAI fields.
  if (answer.requestModel.startsWith('deepseek')) {
    usage['prompt_cache_hit_tokens'] = answer.cachedInputTokens;
    usage['prompt_cache_miss_tokens'] = answer.inputTokens - answer.cachedInputTokens;
  }
  return usage;
}

function fingerprint(): string {
  return `fp_${randomHex(10)}`;
}

export function renderChat(answer: Answer, flags: StreamFlags): RenderedAnswer {
  const id = `chatcmpl-${randomId(29)}`;
  const systemFingerprint = fingerprint();
  const toolCalls = answer.toolCall
    ? [
        {
          id: `call_${randomId(24)}`,
          type: 'function',
          function: { name: answer.toolCall.name, arguments: answer.toolCall.arguments },
        },
      ]
    : undefined;

  if (!flags.stream) {
    const value = {
      id,
      object: 'chat.completion',
      created: answer.created,
      model: answer.responseModel,
      choices: answer.choices.map((words, index) => ({
        index,
        message: {
          role: 'assistant',
          content: toolCalls ? null : words.join(''),
          ...(toolCalls ? { tool_calls: toolCalls } : {}),
          refusal: null,
          annotations: [],
        },
        logprobs: null,
        finish_reason: answer.finishReason,
      })),
      usage: chatUsage(answer),
      service_tier: 'default',
      system_fingerprint: systemFingerprint,
    };
    return { contentType: OPENAI_JSON, body: { kind: 'json', value }, responseId: id };
  }

  const chunk = (choices: unknown[], usage?: JsonRecord): string => {
    const value: JsonRecord = {
      id,
      object: 'chat.completion.chunk',
      created: answer.created,
      model: answer.responseModel,
      service_tier: 'default',
      system_fingerprint: systemFingerprint,
      choices,
    };
    // With include_usage every chunk carries `usage`: null until the final usage-only chunk.
    if (flags.includeUsage) value['usage'] = usage ?? null;
    return sseFrame(JSON.stringify(value));
  };
  const choice = (index: number, delta: JsonRecord, finishReason: string | null = null): JsonRecord => ({
    index,
    delta,
    logprobs: null,
    finish_reason: finishReason,
  });

  const frames: StreamFrame[] = [];
  answer.choices.forEach((_, index) =>
    frames.push({
      kind: 'meta',
      text: chunk([choice(index, { role: 'assistant', content: toolCalls ? null : '', refusal: null })]),
    }),
  );
  if (toolCalls) {
    const call = toolCalls[0]!;
    frames.push({
      kind: 'output',
      text: chunk([
        choice(0, {
          tool_calls: [
            { index: 0, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } },
          ],
        }),
      ]),
    });
    for (const piece of argumentPieces(call.function.arguments)) {
      frames.push({
        kind: 'output',
        text: chunk([choice(0, { tool_calls: [{ index: 0, function: { arguments: piece } }] })]),
      });
    }
  } else {
    const length = answer.choices[0]?.length ?? 0;
    for (let w = 0; w < length; w++) {
      answer.choices.forEach((words, index) =>
        frames.push({ kind: 'output', text: chunk([choice(index, { content: words[w] })]) }),
      );
    }
  }
  answer.choices.forEach((_, index) =>
    frames.push({ kind: 'tail', text: chunk([choice(index, {}, answer.finishReason)]) }),
  );
  if (flags.includeUsage) frames.push({ kind: 'tail', text: chunk([], chatUsage(answer)) });
  frames.push({ kind: 'tail', text: sseFrame('[DONE]') });
  return { contentType: OPENAI_SSE, body: { kind: 'stream', frames }, responseId: id };
}

export function renderCompletions(answer: Answer, flags: StreamFlags): RenderedAnswer {
  const id = `cmpl-${randomId(29)}`;
  const finishReason = answer.finishReason === 'length' ? 'length' : 'stop';
  const usage = {
    prompt_tokens: answer.inputTokens,
    completion_tokens: answer.outputTokens,
    total_tokens: answer.inputTokens + answer.outputTokens,
  };
  if (!flags.stream) {
    const value = {
      id,
      object: 'text_completion',
      created: answer.created,
      model: answer.responseModel,
      choices: answer.choices.map((words, index) => ({
        text: words.join(''),
        index,
        logprobs: null,
        finish_reason: finishReason,
      })),
      usage,
    };
    return { contentType: OPENAI_JSON, body: { kind: 'json', value }, responseId: id };
  }
  const chunk = (choices: unknown[], withUsage?: JsonRecord): string => {
    const value: JsonRecord = {
      id,
      object: 'text_completion',
      created: answer.created,
      choices,
      model: answer.responseModel,
    };
    if (flags.includeUsage) value['usage'] = withUsage ?? null;
    return sseFrame(JSON.stringify(value));
  };
  const frames: StreamFrame[] = [];
  const length = answer.choices[0]?.length ?? 0;
  for (let w = 0; w < length; w++) {
    answer.choices.forEach((words, index) =>
      frames.push({
        kind: 'output',
        text: chunk([{ text: words[w], index, logprobs: null, finish_reason: null }]),
      }),
    );
  }
  answer.choices.forEach((_, index) =>
    frames.push({
      kind: 'tail',
      text: chunk([{ text: '', index, logprobs: null, finish_reason: finishReason }]),
    }),
  );
  if (flags.includeUsage) frames.push({ kind: 'tail', text: chunk([], usage) });
  frames.push({ kind: 'tail', text: sseFrame('[DONE]') });
  return { contentType: OPENAI_SSE, body: { kind: 'stream', frames }, responseId: id };
}

/** Responses API: the echo of request settings every response object carries. */
function responseSettings(body: JsonRecord): JsonRecord {
  return {
    background: false,
    error: null,
    frequency_penalty: 0.0,
    incomplete_details: null,
    instructions: asString(body['instructions']) ?? null,
    max_output_tokens: asCount(body['max_output_tokens']) ?? null,
    max_tool_calls: null,
    parallel_tool_calls: true,
    presence_penalty: 0.0,
    previous_response_id: asString(body['previous_response_id']) ?? null,
    prompt_cache_key: null,
    reasoning: { effort: null, summary: null },
    safety_identifier: null,
    service_tier: 'default',
    store: body['store'] !== false,
    temperature: typeof body['temperature'] === 'number' ? body['temperature'] : 1.0,
    text: { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: body['tool_choice'] ?? 'auto',
    tools: asArray(body['tools']),
    top_logprobs: 0,
    top_p: typeof body['top_p'] === 'number' ? body['top_p'] : 1.0,
    truncation: 'disabled',
    user: null,
    metadata: asRecord(body['metadata']) ?? {},
  };
}

export function renderResponses(answer: Answer, body: JsonRecord, flags: StreamFlags): RenderedAnswer {
  const id = `resp_${randomHex(50)}`;
  const incomplete = answer.finishReason === 'length';
  const text = answer.choices[0]?.join('') ?? '';
  const usage = {
    input_tokens: answer.inputTokens,
    input_tokens_details: { cached_tokens: answer.cachedInputTokens },
    output_tokens: answer.outputTokens,
    output_tokens_details: { reasoning_tokens: answer.reasoningTokens },
    total_tokens: answer.inputTokens + answer.outputTokens,
  };
  const reasoningItem =
    answer.reasoningTokens > 0 ? { id: `rs_${randomHex(50)}`, type: 'reasoning', summary: [] } : undefined;
  const messageId = `msg_${randomHex(50)}`;
  const textPart = (t: string): JsonRecord => ({ type: 'output_text', annotations: [], logprobs: [], text: t });
  const mainItem: JsonRecord = answer.toolCall
    ? {
        id: `fc_${randomHex(50)}`,
        type: 'function_call',
        status: 'completed',
        arguments: answer.toolCall.arguments,
        call_id: `call_${randomId(24)}`,
        name: answer.toolCall.name,
      }
    : {
        id: messageId,
        type: 'message',
        status: incomplete ? 'incomplete' : 'completed',
        content: [textPart(text)],
        role: 'assistant',
      };
  const output = reasoningItem ? [reasoningItem, mainItem] : [mainItem];
  const status = incomplete ? 'incomplete' : 'completed';
  const finalResponse = (): JsonRecord => ({
    id,
    object: 'response',
    created_at: answer.created,
    status,
    completed_at: incomplete ? null : Math.floor(Date.now() / 1000),
    ...responseSettings(body),
    incomplete_details: incomplete ? { reason: 'max_output_tokens' } : null,
    model: answer.responseModel,
    output,
    usage,
  });

  if (!flags.stream)
    return { contentType: OPENAI_JSON, body: { kind: 'json', value: finalResponse() }, responseId: id };

  let sequence = 0;
  const frames: StreamFrame[] = [];
  const event = (kind: StreamFrame['kind'], type: string, fields: JsonRecord): void => {
    frames.push({
      kind,
      text: sseFrame(JSON.stringify({ type, ...fields, sequence_number: sequence++ }), { event: type }),
    });
  };
  const inProgress = {
    id,
    object: 'response',
    created_at: answer.created,
    status: 'in_progress',
    completed_at: null,
    ...responseSettings(body),
    model: answer.responseModel,
    output: [],
    usage: null,
  };
  event('meta', 'response.created', { response: inProgress });
  event('meta', 'response.in_progress', { response: inProgress });
  let outputIndex = 0;
  if (reasoningItem) {
    event('meta', 'response.output_item.added', { item: { ...reasoningItem }, output_index: outputIndex });
    event('meta', 'response.output_item.done', { item: reasoningItem, output_index: outputIndex });
    outputIndex++;
  }
  if (answer.toolCall) {
    const itemId = asString(mainItem['id'])!;
    event('meta', 'response.output_item.added', {
      item: { ...mainItem, status: 'in_progress', arguments: '' },
      output_index: outputIndex,
    });
    for (const piece of argumentPieces(answer.toolCall.arguments)) {
      event('output', 'response.function_call_arguments.delta', {
        delta: piece,
        item_id: itemId,
        output_index: outputIndex,
      });
    }
    event('tail', 'response.function_call_arguments.done', {
      arguments: answer.toolCall.arguments,
      item_id: itemId,
      output_index: outputIndex,
    });
  } else {
    event('meta', 'response.output_item.added', {
      item: { id: messageId, type: 'message', status: 'in_progress', content: [], role: 'assistant' },
      output_index: outputIndex,
    });
    event('meta', 'response.content_part.added', {
      content_index: 0,
      item_id: messageId,
      output_index: outputIndex,
      part: textPart(''),
    });
    for (const word of answer.choices[0] ?? []) {
      event('output', 'response.output_text.delta', {
        content_index: 0,
        delta: word,
        item_id: messageId,
        logprobs: [],
        output_index: outputIndex,
      });
    }
    event('tail', 'response.output_text.done', {
      content_index: 0,
      item_id: messageId,
      logprobs: [],
      output_index: outputIndex,
      text,
    });
    event('tail', 'response.content_part.done', {
      content_index: 0,
      item_id: messageId,
      output_index: outputIndex,
      part: textPart(text),
    });
  }
  event('tail', 'response.output_item.done', { item: mainItem, output_index: outputIndex });
  event('tail', incomplete ? 'response.incomplete' : 'response.completed', { response: finalResponse() });
  return { contentType: OPENAI_SSE, body: { kind: 'stream', frames }, responseId: id };
}

/** Texts (or token-id arrays) of an embeddings `input`. */
function embeddingInputs(input: unknown): Array<string | number[]> {
  if (typeof input === 'string') return [input];
  const items = asArray(input);
  if (items.length > 0 && items.every(i => typeof i === 'number')) return [items as number[]];
  return items.filter((i): i is string | number[] => typeof i === 'string' || Array.isArray(i));
}

export interface EmbeddingsResult {
  body: JsonRecord;
  inputTokens: number;
}

/**
 * Embeddings: one unit vector per input, `dimensions` long (or the model's default).
 * Input tokens: `countTokens` of each text (token-id arrays count their length), summed.
 * `encoding_format: "base64"` (the openai SDK's default) gives little-endian float32 bytes.
 */
export function renderEmbeddings(
  body: JsonRecord,
  model: string,
  responseModel: string,
  fallbackDimensions: number,
): EmbeddingsResult {
  const dimensions = embeddingDimensions(model, asCount(body['dimensions']), fallbackDimensions);
  const base64 = body['encoding_format'] === 'base64';
  let inputTokens = 0;
  const data = embeddingInputs(body['input']).map((input, index) => {
    const text = typeof input === 'string' ? input : input.join(' ');
    inputTokens += typeof input === 'string' ? countTokens(input) : input.length;
    const vector = embeddingVector(text, model, dimensions);
    const embedding = base64 ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
    return { object: 'embedding', index, embedding };
  });
  return {
    body: {
      object: 'list',
      data,
      model: responseModel,
      usage: { prompt_tokens: inputTokens, total_tokens: inputTokens },
    },
    inputTokens,
  };
}

export const DEFAULT_MODELS = [
  'gpt-4.1',
  'gpt-4.1-mini',
  'gpt-4o',
  'gpt-4o-mini',
  'gpt-5',
  'o4-mini',
  'claude-sonnet-4.5',
  'claude-sonnet-4-5',
  'claude-haiku-4-5',
  'gemini-2.5-flash',
  'gemini-2.5-pro',
  'deepseek-v3.2',
  'deepseek-chat',
  'deepseek-reasoner',
  'text-embedding-3-small',
  'text-embedding-3-large',
];

export function ownerOf(model: string): string {
  if (model.startsWith('claude')) return 'anthropic';
  if (model.startsWith('gemini') || model.startsWith('text-embedding-004')) return 'google';
  if (model.startsWith('deepseek')) return 'deepseek';
  return 'openai';
}

/** A fixed creation time keeps the model list byte-stable between runs. */
const MODEL_CREATED = 1_744_316_542;

export function modelObject(id: string): JsonRecord {
  return { id, object: 'model', created: MODEL_CREATED, owned_by: ownerOf(id) };
}

export function renderModelList(models: string[]): JsonRecord {
  return { object: 'list', data: models.map(modelObject) };
}
