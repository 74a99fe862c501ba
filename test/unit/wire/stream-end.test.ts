import { describe, expect, it } from 'vitest';
import { isTerminalStreamEvent } from '../../../src/wire/stream-end';

describe('isTerminalStreamEvent', () => {
  it('knows the final event of each streaming dialect', () => {
    expect(isTerminalStreamEvent('openai.chat_completions', undefined, '[DONE]')).toBe(true);
    expect(isTerminalStreamEvent('anthropic.messages', 'message_stop', { type: 'message_stop' })).toBe(true);
    expect(isTerminalStreamEvent('anthropic.messages', undefined, { type: 'message_stop' })).toBe(true);
    expect(isTerminalStreamEvent('openai.responses', 'response.completed', {})).toBe(true);
    expect(isTerminalStreamEvent('openai.responses', undefined, { type: 'response.failed' })).toBe(true);
  });

  it('does not end a stream early', () => {
    expect(isTerminalStreamEvent('openai.chat_completions', undefined, { choices: [{ finish_reason: 'stop' }] })).toBe(
      false,
    );
    expect(isTerminalStreamEvent('anthropic.messages', 'message_delta', { type: 'message_delta' })).toBe(false);
    expect(isTerminalStreamEvent('openai.responses', 'response.output_text.delta', {})).toBe(false);
    expect(isTerminalStreamEvent('gemini.generate_content', undefined, null)).toBe(false);
  });
});
