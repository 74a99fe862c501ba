/*
 * Which LLM API a request calls, from its method and path alone. This runs for every request
 * to a relay host, so it is a handful of string searches: no URL parsing, no regular expressions.
 */
import type { RouteMatch } from './types';

const SLASH = 47; // '/'

interface ModelMethodRoute {
  format: RouteMatch['format'];
  operation: RouteMatch['operation'];
  stream?: boolean;
}

/** Gemini / Vertex `…/models/<model>:<method>` methods that are LLM calls. */
const GOOGLE_METHODS: ReadonlyMap<string, ModelMethodRoute> = new Map<string, ModelMethodRoute>([
  ['generateContent', { format: 'gemini.generate_content', operation: 'generate_content' }],
  ['streamGenerateContent', { format: 'gemini.generate_content', operation: 'generate_content', stream: true }],
  ['embedContent', { format: 'gemini.embed_content', operation: 'embeddings' }],
  ['batchEmbedContents', { format: 'gemini.embed_content', operation: 'embeddings' }],
]);

/** Claude on Vertex AI: `…/publishers/anthropic/models/<model>:rawPredict` speaks Anthropic Messages. */
const ANTHROPIC_VERTEX_METHODS: ReadonlyMap<string, ModelMethodRoute> = new Map<string, ModelMethodRoute>([
  ['rawPredict', { format: 'anthropic.messages', operation: 'chat' }],
  ['streamRawPredict', { format: 'anthropic.messages', operation: 'chat', stream: true }],
]);

function decodeSegment(segment: string): string | undefined {
  if (segment.length === 0) return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The path without scheme/host (proxied requests carry an absolute URL), query and fragment. */
function bareRoute(path: string): string | undefined {
  let end = path.length;
  const query = path.indexOf('?');
  if (query >= 0) end = query;
  const fragment = path.indexOf('#');
  if (fragment >= 0 && fragment < end) end = fragment;
  let start = 0;
  if (path.charCodeAt(0) !== SLASH) {
    const scheme = path.indexOf('://');
    if (scheme >= 0 && scheme < end) {
      const slash = path.indexOf('/', scheme + 3);
      if (slash < 0 || slash >= end) return undefined;
      start = slash;
    }
  }
  let route = path.slice(start, end);
  if (route.includes(';')) route = withoutPathParameters(route);
  end = route.length;
  while (end > 1 && route.charCodeAt(end - 1) === SLASH) end -= 1;
  if (end < route.length) route = route.slice(0, end);
  return route.charCodeAt(0) === SLASH ? route : `/${route}`;
}

/**
 * The route without `;name=value` path parameters (`…/chat/completions;jsessionid=…`,
 * `…/deployments/prod;token=…/…`): they are no part of an API's route or a model's name, and one
 * may carry a session or a key, which would otherwise reach the model attribute and metric labels.
 */
function withoutPathParameters(route: string): string {
  let kept = '';
  let from = 0;
  for (;;) {
    const semicolon = route.indexOf(';', from);
    if (semicolon < 0) return kept + route.slice(from);
    kept += route.slice(from, semicolon);
    from = route.indexOf('/', semicolon);
    if (from < 0) return kept;
  }
}

/** `…/models/<model>:<method>` (Gemini API, Vertex AI publishers, tuned models). */
function matchModelMethod(route: string, colon: number): RouteMatch | undefined {
  const method = route.slice(colon + 1);
  const methods = route.includes('/publishers/anthropic/') ? ANTHROPIC_VERTEX_METHODS : GOOGLE_METHODS;
  const known = methods.get(method);
  if (known === undefined) return undefined;
  const slash = route.lastIndexOf('/', colon);
  const collection = route.slice(route.lastIndexOf('/', slash - 1) + 1, slash);
  const urlModel =
    collection === 'models' || collection === 'tunedModels' ? decodeSegment(route.slice(slash + 1, colon)) : undefined;
  const match: RouteMatch = { format: known.format, operation: known.operation };
  if (urlModel !== undefined) match.urlModel = urlModel;
  if (known.stream === true) match.urlStream = true;
  return match;
}

/** Azure OpenAI `/openai/deployments/<deployment>/…`: the deployment names the model. */
function azureDeployment(route: string): string | undefined {
  const marker = route.indexOf('/deployments/');
  if (marker < 0) return undefined;
  const start = marker + '/deployments/'.length;
  const end = route.indexOf('/', start);
  return end < 0 ? undefined : decodeSegment(route.slice(start, end));
}

function openAiRoute(format: RouteMatch['format'], operation: RouteMatch['operation'], route: string): RouteMatch {
  const deployment = route.includes('/deployments/') ? azureDeployment(route) : undefined;
  return deployment === undefined ? { format, operation } : { format, operation, urlModel: deployment };
}

/**
 * The LLM API route a request calls, or undefined when it is not an LLM call (any method but
 * POST, model listings, batch/file endpoints, unknown paths). `path` is the request target as
 * undici gives it: it may carry a query string, a fragment, any prefix (`/v1`, `/api/v1`,
 * `/openai/deployments/<dep>`) or, through a proxy, a whole URL.
 */
export function matchRoute(method: string, path: string): RouteMatch | undefined {
  if (method !== 'POST' && method.toUpperCase() !== 'POST') return undefined;
  if (typeof path !== 'string' || path.length === 0) return undefined;
  const route = bareRoute(path);
  if (route === undefined) return undefined;
  const colon = route.lastIndexOf(':');
  if (colon > route.lastIndexOf('/')) return matchModelMethod(route, colon);
  if (route.endsWith('/chat/completions')) return openAiRoute('openai.chat_completions', 'chat', route);
  if (route.endsWith('/completions')) return openAiRoute('openai.completions', 'text_completion', route);
  if (route.endsWith('/responses')) return openAiRoute('openai.responses', 'chat', route);
  if (route.endsWith('/embeddings')) return openAiRoute('openai.embeddings', 'embeddings', route);
  // OpenAI Assistants also has POST `/threads/<id>/messages`: that is not an Anthropic call.
  if (route.endsWith('/messages') && !route.includes('/threads/'))
    return { format: 'anthropic.messages', operation: 'chat' };
  return undefined;
}
