/*
 * One simulated model answer, independent of the wire dialect. Each dialect module reads its
 * request into `AnswerInputs` and renders the `Answer` in its own shapes.
 */
import {
  answerWords,
  chooseToolCall,
  countTokens,
  isReasoningModel,
  type ToolCall,
  type ToolSpec,
} from './generation.ts';

export interface AnswerInputs {
  route: string;
  requestModel: string;
  prompt: string;
  /** `max_tokens` or the dialect's equivalent, when given. */
  maxTokens?: number;
  choiceCount: number;
  tools: ToolSpec[];
  forcedTool: boolean | string;
  /** Text of the last message when it is the user's own text (not a tool result). */
  lastUserText?: string;
}

export interface AnswerSettings {
  responseModel: string;
  /** Natural answer length in tokens (before `maxTokens` cuts it). */
  outputTokens: number;
  /** Reasoning tokens for reasoning models. */
  reasoningTokens: number;
  /** Prompt tokens to report as served from cache (capped at the prompt's tokens). */
  cachedTokens: number;
  /** Prompt tokens to report as written to the cache (capped at the uncached prompt tokens). */
  cacheWriteTokens?: number;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls';

export interface Answer {
  requestModel: string;
  responseModel: string;
  /** All prompt tokens, cached ones included. */
  inputTokens: number;
  cachedInputTokens: number;
  cacheWriteInputTokens: number;
  /** Words of each choice; one word is one token. Empty arrays for a tool call. */
  choices: string[][];
  toolCall?: ToolCall;
  reasoningTokens: number;
  /** Output tokens of all choices, reasoning tokens included. */
  outputTokens: number;
  finishReason: FinishReason;
  /** Unix seconds. */
  created: number;
}

/**
 * Answer length: `min(maxTokens, natural)`; finish reason `length` when `maxTokens` was the
 * limit (≤ natural), `tool_calls` for a tool call, else `stop`. Reasoning models add
 * `reasoningTokens` to the output.
 */
export function planAnswer(inputs: AnswerInputs, settings: AnswerSettings): Answer {
  const inputTokens = countTokens(inputs.prompt);
  const cachedInputTokens = Math.min(settings.cachedTokens, inputTokens);
  const cacheWriteInputTokens = Math.min(settings.cacheWriteTokens ?? 0, inputTokens - cachedInputTokens);
  const reasoningTokens = isReasoningModel(inputs.requestModel) ? settings.reasoningTokens : 0;
  const created = Math.floor(Date.now() / 1000);
  const base = {
    requestModel: inputs.requestModel,
    responseModel: settings.responseModel,
    inputTokens,
    cachedInputTokens,
    cacheWriteInputTokens,
    reasoningTokens,
    created,
  };
  const toolCall = chooseToolCall(inputs.tools, inputs.forcedTool, inputs.lastUserText);
  if (toolCall) {
    return {
      ...base,
      choices: [[]],
      toolCall,
      outputTokens: countTokens(toolCall.name + toolCall.arguments) + reasoningTokens,
      finishReason: 'tool_calls',
    };
  }
  const natural = settings.outputTokens;
  const limited = inputs.maxTokens !== undefined && inputs.maxTokens <= natural;
  const perChoice = limited ? inputs.maxTokens! : natural;
  const choices = Array.from({ length: inputs.choiceCount }, (_, index) =>
    answerWords(`${inputs.requestModel}\n${index}\n${inputs.prompt}`, perChoice),
  );
  return {
    ...base,
    choices,
    outputTokens: perChoice * inputs.choiceCount + reasoningTokens,
    finishReason: limited ? 'length' : 'stop',
  };
}

/** Splits a tool call's argument text into streaming pieces. */
export function argumentPieces(text: string, size = 8): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
  return pieces;
}
