/*
 * The event after which a stream has delivered everything: SDKs often cancel the response right
 * after it (the openai SDK aborts its request once it has read `[DONE]`), and such a cancel is the
 * normal end of a successful call, not a failure. `[DONE]` ends any dialect's stream; the rest is
 * each codec's own (WireCodec.isStreamEnd), so a new dialect says it in its own file.
 */
import { codecFor } from './index';
import type { WireFormatName } from './types';

export function isTerminalStreamEvent(format: WireFormatName, eventName: string | undefined, data: unknown): boolean {
  if (data === '[DONE]') return true;
  const codec = codecFor(format);
  return codec.isStreamEnd !== undefined && codec.isStreamEnd(eventName, data);
}
