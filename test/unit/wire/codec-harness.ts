/* Small drivers that feed a codec the way the hook does, for focused codec tests. */
import { codecFor } from '../../../src/wire/index';
import type { CodecOptions, RequestInfo, ResponseInfo, RouteMatch, WireFormatName } from '../../../src/wire/types';

/** Every wire format a codec exists for. */
export const ALL_FORMATS: readonly WireFormatName[] = [
  'openai.chat_completions',
  'openai.completions',
  'openai.responses',
  'openai.embeddings',
  'anthropic.messages',
  'gemini.generate_content',
  'gemini.embed_content',
];

export const NO_CAPTURE: CodecOptions = { captureContent: false, maxContentLength: 1000 };
export const CAPTURE: CodecOptions = { captureContent: true, maxContentLength: 1000 };

const DEFAULT_ROUTES: Record<WireFormatName, RouteMatch> = {
  'openai.chat_completions': { format: 'openai.chat_completions', operation: 'chat' },
  'openai.completions': { format: 'openai.completions', operation: 'text_completion' },
  'openai.responses': { format: 'openai.responses', operation: 'chat' },
  'openai.embeddings': { format: 'openai.embeddings', operation: 'embeddings' },
  'anthropic.messages': { format: 'anthropic.messages', operation: 'chat' },
  'gemini.generate_content': {
    format: 'gemini.generate_content',
    operation: 'generate_content',
    urlModel: 'gemini-2.5-flash',
  },
  'gemini.embed_content': { format: 'gemini.embed_content', operation: 'embeddings', urlModel: 'gemini-embedding-001' },
};

export function routeFor(format: WireFormatName): RouteMatch {
  return DEFAULT_ROUTES[format];
}

export function parseRequest(
  format: WireFormatName,
  body: unknown,
  options: CodecOptions = NO_CAPTURE,
  route?: RouteMatch,
): RequestInfo {
  return codecFor(format).parseRequest(body, route ?? routeFor(format), options);
}

export function fromJson(format: WireFormatName, body: unknown, options: CodecOptions = NO_CAPTURE): ResponseInfo {
  const codec = codecFor(format);
  const accumulator = codec.createResponseAccumulator(
    codec.parseRequest(undefined, routeFor(format), options),
    options,
  );
  accumulator.onJson(body);
  return accumulator.finish();
}

export interface StreamResult {
  info: ResponseInfo;
  /** onEvent's answer per event (true = output chunk). */
  outputFlags: boolean[];
}

export function fromEvents(
  format: WireFormatName,
  events: readonly (readonly [string | undefined, unknown])[],
  options: CodecOptions = NO_CAPTURE,
): StreamResult {
  const codec = codecFor(format);
  const accumulator = codec.createResponseAccumulator(
    codec.parseRequest({ stream: true }, routeFor(format), options),
    options,
  );
  const outputFlags = events.map(([name, data]) => accumulator.onEvent(name, data));
  return { info: accumulator.finish(), outputFlags };
}

/** Data-only events (OpenAI-style streams have no `event:` lines). */
export function dataEvents(...data: unknown[]): [undefined, unknown][] {
  return data.map(item => [undefined, item]);
}
