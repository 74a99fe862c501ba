/*
 * One relay call as the unit tests of the call model, span attributes and user hooks see it:
 * a chat completion to relay.example.com, its start and its finished form.
 */
import type { CallStart, FinishedCall } from '../../src/call/call';

export const CHAT_CALL_START: CallStart = {
  method: 'POST',
  url: 'https://relay.example.com/v1/chat/completions',
  route: { format: 'openai.chat_completions', operation: 'chat' },
  provider: 'openai',
  serverAddress: 'relay.example.com',
  serverPort: 443,
};

/** A successful, unstreamed chat call, changed by `overrides`. */
export function finishedCall(overrides: Partial<FinishedCall> = {}): FinishedCall {
  return {
    start: CHAT_CALL_START,
    request: { model: 'gpt-4.1', stream: false, params: {} },
    response: { finishReasons: ['stop'], usage: { inputTokens: 3, outputTokens: 1 } },
    statusCode: 200,
    headers: new Map(),
    startedAt: 0,
    endedAt: 10,
    ...overrides,
  };
}
