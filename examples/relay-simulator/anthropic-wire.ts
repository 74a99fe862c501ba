/*
 * Anthropic Messages wire shapes (api.anthropic.com/v1/messages), JSON and SSE.
 */
import { argumentPieces, type Answer, type AnswerInputs } from './answer.ts';
import { promptText, type ToolSpec } from './generation.ts';
import { asArray, asCount, asRecord, asString, type JsonRecord } from './json-values.ts';
import type { RenderedAnswer, StreamFlags } from './openai-wire.ts';
import { randomId } from './randomness.ts';
import { sseFrame, type StreamFrame } from './response-plan.ts';

export const ANTHROPIC_JSON = 'application/json';
export const ANTHROPIC_SSE = 'text/event-stream; charset=utf-8';

function lastUserText(messages: unknown[]): string | undefined {
  const last = asRecord(messages[messages.length - 1]);
  if (last?.['role'] !== 'user') return undefined;
  const content = last['content'];
  if (typeof content === 'string') return content;
  const blocks = asArray(content).map(asRecord);
  // A tool result means the model must now answer with text.
  if (blocks.some(b => b?.['type'] === 'tool_result')) return undefined;
  const texts = blocks.map(b => asString(b?.['text'])).filter((t): t is string => t !== undefined);
  return texts.length > 0 ? texts.join('\n') : undefined;
}

export function messagesInputs(body: JsonRecord, model: string): AnswerInputs {
  const tools: ToolSpec[] = [];
  for (const tool of asArray(body['tools'])) {
    const record = asRecord(tool);
    const name = asString(record?.['name']);
    if (name !== undefined && record?.['input_schema'] !== undefined)
      tools.push({ name, schema: record['input_schema'] });
  }
  const choice = asRecord(body['tool_choice']);
  const choiceType = asString(choice?.['type']);
  let forcedTool: boolean | string = false;
  if (choiceType === 'any') forcedTool = true;
  else if (choiceType === 'tool') forcedTool = asString(choice?.['name']) ?? true;
  return {
    route: 'messages',
    requestModel: model,
    prompt: promptText('messages', body),
    maxTokens: asCount(body['max_tokens']),
    choiceCount: 1,
    tools: choiceType === 'none' ? [] : tools,
    forcedTool,
    lastUserText: lastUserText(asArray(body['messages'])),
  };
}

const STOP_REASONS = { stop: 'end_turn', length: 'max_tokens', tool_calls: 'tool_use' } as const;

/** Anthropic's `input_tokens` excludes cache reads; the rest of the prompt is reported apart. */
function usage(answer: Answer, outputTokens: number): JsonRecord {
  return {
    input_tokens: answer.inputTokens - answer.cachedInputTokens - answer.cacheWriteInputTokens,
    cache_creation_input_tokens: answer.cacheWriteInputTokens,
    cache_read_input_tokens: answer.cachedInputTokens,
    cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
    output_tokens: outputTokens,
    service_tier: 'standard',
  };
}

export function renderMessages(answer: Answer, flags: StreamFlags): RenderedAnswer {
  const id = `msg_01${randomId(22)}`;
  const toolUseId = `toolu_01${randomId(22)}`;
  const text = answer.choices[0]?.join('') ?? '';
  const stopReason = STOP_REASONS[answer.finishReason];
  const content = answer.toolCall
    ? [
        {
          type: 'tool_use',
          id: toolUseId,
          name: answer.toolCall.name,
          input: JSON.parse(answer.toolCall.arguments) as unknown,
        },
      ]
    : [{ type: 'text', text }];

  if (!flags.stream) {
    const value = {
      id,
      type: 'message',
      role: 'assistant',
      model: answer.responseModel,
      content,
      stop_reason: stopReason,
      stop_sequence: null,
      usage: usage(answer, answer.outputTokens),
    };
    return { contentType: ANTHROPIC_JSON, body: { kind: 'json', value }, responseId: id };
  }

  const frames: StreamFrame[] = [];
  const event = (kind: StreamFrame['kind'], type: string, fields: JsonRecord = {}): void => {
    frames.push({ kind, text: sseFrame(JSON.stringify({ type, ...fields }), { event: type }) });
  };
  event('meta', 'message_start', {
    message: {
      id,
      type: 'message',
      role: 'assistant',
      model: answer.responseModel,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: usage(answer, 1),
    },
  });
  if (answer.toolCall) {
    event('meta', 'content_block_start', {
      index: 0,
      content_block: { type: 'tool_use', id: toolUseId, name: answer.toolCall.name, input: {} },
    });
    event('meta', 'ping');
    for (const piece of argumentPieces(answer.toolCall.arguments)) {
      event('output', 'content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: piece } });
    }
  } else {
    event('meta', 'content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
    event('meta', 'ping');
    for (const word of answer.choices[0] ?? []) {
      event('output', 'content_block_delta', { index: 0, delta: { type: 'text_delta', text: word } });
    }
  }
  event('tail', 'content_block_stop', { index: 0 });
  // Current API: message_delta repeats the (cumulative) input and cache counts next to output_tokens.
  const { cache_creation: _cacheCreation, service_tier: _tier, ...deltaUsage } = usage(answer, answer.outputTokens);
  event('tail', 'message_delta', { delta: { stop_reason: stopReason, stop_sequence: null }, usage: deltaUsage });
  event('tail', 'message_stop');
  return { contentType: ANTHROPIC_SSE, body: { kind: 'stream', frames }, responseId: id };
}

function displayName(model: string): string {
  return model
    .split('-')
    .map(w => (w.length > 0 ? w[0]!.toUpperCase() + w.slice(1) : w))
    .join(' ');
}

/** `GET /v1/models` as Anthropic answers it (chosen when the request carries `anthropic-version`). */
export function renderAnthropicModelList(models: string[]): JsonRecord {
  const data = models.map(id => ({
    type: 'model',
    id,
    display_name: displayName(id),
    created_at: '2025-09-29T00:00:00Z',
  }));
  return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data[data.length - 1]?.id ?? null };
}
