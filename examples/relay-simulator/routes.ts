/*
 * Route matching by path suffix, so any prefix works (`/v1`, `/api/v1`, `/openai/deployments/x`,
 * `/v1beta`, a Vertex `/projects/…/publishers/google`).
 */
import type { Dialect } from './types.ts';

export type RouteName =
  | 'chat.completions'
  | 'completions'
  | 'responses'
  | 'embeddings'
  | 'messages'
  | 'messages.count_tokens'
  | 'models.list'
  | 'models.get'
  | 'generateContent'
  | 'streamGenerateContent'
  | 'embedContent'
  | 'batchEmbedContents'
  | 'countTokens'
  | 'billing.subscription'
  | 'billing.usage';

export interface Route {
  name: RouteName;
  dialect: Dialect;
  /** Model named by the URL: Gemini `models/<model>:<method>`, Azure deployment, `GET models/<id>`. */
  urlModel?: string;
}

const GEMINI_METHODS = new Set<RouteName>([
  'generateContent',
  'streamGenerateContent',
  'embedContent',
  'batchEmbedContents',
  'countTokens',
]);

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The route a request addresses, or undefined (answered with a 404). `clientDialect` is what the
 * request's headers say about its SDK; it picks the shape of `GET …/models`, which every dialect shares.
 */
export function matchRoute(method: string, pathname: string, clientDialect?: Dialect): Route | undefined {
  const path = pathname.replace(/\/+$/, '');
  if (method === 'POST') {
    const gemini = /\/models\/([^/:]+):([A-Za-z]+)$/.exec(path);
    if (gemini) {
      const name = gemini[2] as RouteName;
      return GEMINI_METHODS.has(name) ? { name, dialect: 'gemini', urlModel: safeDecode(gemini[1]!) } : undefined;
    }
    const deployment = /\/deployments\/([^/]+)\//.exec(path)?.[1];
    const urlModel = deployment === undefined ? {} : { urlModel: safeDecode(deployment) };
    if (path.endsWith('/chat/completions')) return { name: 'chat.completions', dialect: 'openai', ...urlModel };
    if (path.endsWith('/completions')) return { name: 'completions', dialect: 'openai', ...urlModel };
    if (path.endsWith('/responses')) return { name: 'responses', dialect: 'openai', ...urlModel };
    if (path.endsWith('/embeddings')) return { name: 'embeddings', dialect: 'openai', ...urlModel };
    if (path.endsWith('/messages/count_tokens')) return { name: 'messages.count_tokens', dialect: 'anthropic' };
    if (path.endsWith('/messages')) return { name: 'messages', dialect: 'anthropic' };
    return undefined;
  }
  if (method === 'GET') {
    const dialect: Dialect = clientDialect ?? (/\/v1(beta|alpha)\d*\//.test(`${path}/`) ? 'gemini' : 'openai');
    if (path.endsWith('/models')) return { name: 'models.list', dialect };
    // The legacy OpenAI billing routes, as one-api / new-api serve them (at the root and under /v1).
    if (path.endsWith('/dashboard/billing/subscription')) return { name: 'billing.subscription', dialect: 'openai' };
    if (path.endsWith('/dashboard/billing/usage')) return { name: 'billing.usage', dialect: 'openai' };
    const get = /\/models\/(.+)$/.exec(path);
    if (get) return { name: 'models.get', dialect, urlModel: safeDecode(get[1]!) };
  }
  return undefined;
}

/** The dialect a request's own headers reveal: `anthropic-version`, or a Google API key / client header. */
export function clientDialectOf(
  headers: Record<string, string | string[] | undefined>,
  query: URLSearchParams,
): Dialect | undefined {
  if (headers['anthropic-version'] !== undefined) return 'anthropic';
  if (headers['x-goog-api-key'] !== undefined || headers['x-goog-api-client'] !== undefined || query.has('key'))
    return 'gemini';
  return undefined;
}
