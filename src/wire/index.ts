/*
 * The wire-format codecs: one per API dialect, picked by the route a request matched.
 */
import { anthropicMessagesCodec } from './anthropic-messages';
import { geminiEmbedContentCodec, geminiGenerateContentCodec } from './gemini';
import { openAiChatCodec } from './openai-chat';
import { openAiCompletionsCodec } from './openai-completions';
import { openAiEmbeddingsCodec } from './openai-embeddings';
import { openAiResponsesCodec } from './openai-responses';
import type { WireCodec, WireFormatName } from './types';

const CODECS: Readonly<Record<WireFormatName, WireCodec>> = {
  'openai.chat_completions': openAiChatCodec,
  'openai.completions': openAiCompletionsCodec,
  'openai.responses': openAiResponsesCodec,
  'openai.embeddings': openAiEmbeddingsCodec,
  'anthropic.messages': anthropicMessagesCodec,
  'gemini.generate_content': geminiGenerateContentCodec,
  'gemini.embed_content': geminiEmbedContentCodec,
};

/** The codec for a wire format (as given by `matchRoute(...).format`). */
export function codecFor(format: WireFormatName): WireCodec {
  return CODECS[format];
}

export { matchRoute } from './routes';
export {
  WELL_KNOWN_LLM_HOSTS,
  isWellKnownLlmHost,
  knownProviderForHost,
  normaliseHost,
  providerForFormat,
  providerName,
} from './provider';
export { errorFromBody, errorFromObject, sanitizeErrorLabel, MAX_ERROR_LABEL_LENGTH, OTHER_ERROR_TYPE } from './errors';
export type * from './types';
