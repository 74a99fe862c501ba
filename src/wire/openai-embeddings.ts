/*
 * OpenAI-style embeddings (`POST …/embeddings`): only input tokens exist. Output tokens stay
 * undefined even when a vendor sends `completion_tokens: 0` (Mistral), and there is no finish reason.
 */
import { ResponseAccumulatorBase } from './accumulate';
import { errorFromBody } from './errors';
import type { CodecOptions, RequestInfo, RouteMatch, WireCodec } from './types';
import { asCount, asRecord, asScalarString, asString, compact, firstDefined, getPath } from './values';

function parseEmbeddingsRequest(body: unknown, route: RouteMatch, _options: CodecOptions): RequestInfo {
  const request = asRecord(body) ?? {};
  const encoding = asString(request['encoding_format']);
  return compact({
    model: asScalarString(request['model']) ?? route.urlModel,
    stream: false,
    params: compact({
      encodingFormats: encoding !== undefined && encoding.length > 0 ? [encoding.slice(0, 32)] : undefined,
      embeddingDimensions: asCount(request['dimensions']),
    }),
  });
}

class EmbeddingsAccumulator extends ResponseAccumulatorBase {
  onJson(body: unknown): void {
    this.error ??= errorFromBody(body);
    const response = asRecord(body);
    if (response === undefined) return;
    this.id.offer(response['id']);
    this.model.offer(response['model']);
    const input = firstDefined(
      asCount(getPath(response, 'usage', 'prompt_tokens')),
      asCount(getPath(response, 'usage', 'total_tokens')),
    );
    if (input !== undefined) this.usage.replace({ inputTokens: input });
  }

  onEvent(_eventName: string | undefined, data: unknown): boolean {
    // Embeddings do not stream; a relay that frames the body as one SSE event is still read.
    this.onJson(data);
    return false;
  }
}

/** Codec for `openai.embeddings`. */
export const openAiEmbeddingsCodec: WireCodec = {
  format: 'openai.embeddings',
  parseRequest: parseEmbeddingsRequest,
  createResponseAccumulator: () => new EmbeddingsAccumulator(),
  // The vectors (`data[].embedding`, floats or base64): most of the body, never read.
  responseSkipKeys: new Set(['embedding']),
};
