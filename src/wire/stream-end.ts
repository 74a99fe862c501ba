/*
 * The event after which a stream has delivered everything: SDKs often cancel the response right
 * after it (the openai SDK aborts its request once it has read `[DONE]`), and such a cancel is the
 * normal end of a successful call, not a failure.
 */
import type { WireFormatName } from './types';

const RESPONSES_TERMINAL_TYPES = new Set(['response.completed', 'response.failed', 'response.incomplete']);

function eventType(data: unknown): unknown {
  return typeof data === 'object' && data !== null ? (data as { type?: unknown }).type : undefined;
}

export function isTerminalStreamEvent(format: WireFormatName, eventName: string | undefined, data: unknown): boolean {
  if (data === '[DONE]') return true;
  switch (format) {
    case 'anthropic.messages':
      return eventName === 'message_stop' || eventType(data) === 'message_stop';
    case 'openai.responses': {
      const type = eventName ?? eventType(data);
      return typeof type === 'string' && RESPONSES_TERMINAL_TYPES.has(type);
    }
    default:
      return false;
  }
}
