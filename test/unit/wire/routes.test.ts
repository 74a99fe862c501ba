import { describe, expect, it } from 'vitest';
import { matchRoute } from '../../../src/wire/routes';

describe('matchRoute', () => {
  it.each([
    ['/v1/chat/completions', 'openai.chat_completions', 'chat'],
    ['/chat/completions', 'openai.chat_completions', 'chat'],
    ['/api/v1/chat/completions', 'openai.chat_completions', 'chat'],
    ['/openai/v1/chat/completions', 'openai.chat_completions', 'chat'],
    ['/v1beta/openai/chat/completions', 'openai.chat_completions', 'chat'],
    ['/v1/completions', 'openai.completions', 'text_completion'],
    ['/v1/responses', 'openai.responses', 'chat'],
    ['/v1/embeddings', 'openai.embeddings', 'embeddings'],
    ['/v1/messages', 'anthropic.messages', 'chat'],
    ['/v1/messages?beta=true', 'anthropic.messages', 'chat'],
    ['/anthropic/v1/messages', 'anthropic.messages', 'chat'],
  ])('POST %s → %s (%s)', (path, format, operation) => {
    expect(matchRoute('POST', path)).toEqual({ format, operation });
  });

  it('ignores query strings, fragments and trailing slashes', () => {
    expect(matchRoute('POST', '/v1/chat/completions/?x=1#frag')?.format).toBe('openai.chat_completions');
    expect(matchRoute('POST', '/v1/chat/completions#stream')?.format).toBe('openai.chat_completions');
    // A query that looks like a route does not make a route.
    expect(matchRoute('POST', '/v1/other?next=/v1/chat/completions')).toBeUndefined();
  });

  it('leaves `;name=value` path parameters out of the route and the model (they may carry a session or a key)', () => {
    expect(matchRoute('POST', '/v1/chat/completions;jsessionid=SECRET1')).toEqual({
      format: 'openai.chat_completions',
      operation: 'chat',
    });
    expect(
      matchRoute('POST', '/v1beta/models/gemini-2.5-flash:streamGenerateContent;jsessionid=SECRET2?alt=sse'),
    ).toEqual({
      format: 'gemini.generate_content',
      operation: 'generate_content',
      urlModel: 'gemini-2.5-flash',
      urlStream: true,
    });
    expect(matchRoute('POST', '/openai/deployments/prod;token=SECRET3/chat/completions/;x=1')).toEqual({
      format: 'openai.chat_completions',
      operation: 'chat',
      urlModel: 'prod',
    });
    // The parameter runs to the next slash: a method after it is part of it, so no route is read.
    expect(matchRoute('POST', '/v1beta/models/gemini;jsessionid=SECRET4:generateContent')).toBeUndefined();
  });

  it('reads the model from an Azure deployment path', () => {
    expect(matchRoute('POST', '/openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-02-01')).toEqual({
      format: 'openai.chat_completions',
      operation: 'chat',
      urlModel: 'gpt-4o-prod',
    });
    expect(matchRoute('POST', '/openai/deployments/emb%20one/embeddings?api-version=2023-07-01-preview')).toEqual({
      format: 'openai.embeddings',
      operation: 'embeddings',
      urlModel: 'emb one',
    });
    expect(matchRoute('POST', '/openai/deployments/davinci/completions')?.urlModel).toBe('davinci');
  });

  it('reads model and streaming from Gemini API paths', () => {
    expect(matchRoute('POST', '/v1beta/models/gemini-2.5-flash:generateContent')).toEqual({
      format: 'gemini.generate_content',
      operation: 'generate_content',
      urlModel: 'gemini-2.5-flash',
    });
    expect(matchRoute('POST', '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse')).toEqual({
      format: 'gemini.generate_content',
      operation: 'generate_content',
      urlModel: 'gemini-2.5-flash',
      urlStream: true,
    });
    expect(matchRoute('POST', '/v1beta/tunedModels/my-tuned:generateContent')?.urlModel).toBe('my-tuned');
  });

  it('reads model from Vertex AI publisher paths', () => {
    expect(
      matchRoute(
        'POST',
        '/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-pro:generateContent',
      ),
    ).toEqual({
      format: 'gemini.generate_content',
      operation: 'generate_content',
      urlModel: 'gemini-2.5-pro',
    });
    expect(
      matchRoute(
        'POST',
        '/v1/projects/p/locations/l/publishers/anthropic/models/claude-sonnet-4@20250514:streamRawPredict',
      ),
    ).toEqual({
      format: 'anthropic.messages',
      operation: 'chat',
      urlModel: 'claude-sonnet-4@20250514',
      urlStream: true,
    });
  });

  it('routes Gemini embeddings', () => {
    expect(matchRoute('POST', '/v1beta/models/text-embedding-004:embedContent')).toEqual({
      format: 'gemini.embed_content',
      operation: 'embeddings',
      urlModel: 'text-embedding-004',
    });
    expect(matchRoute('POST', '/v1beta/models/gemini-embedding-001:batchEmbedContents')?.format).toBe(
      'gemini.embed_content',
    );
  });

  it('accepts an absolute URL as the path (proxied requests)', () => {
    expect(matchRoute('POST', 'https://relay.example.com/v1/chat/completions?x=1')?.format).toBe(
      'openai.chat_completions',
    );
    expect(matchRoute('POST', 'https://relay.example.com')).toBeUndefined();
  });

  it('only treats POST as an LLM call', () => {
    expect(matchRoute('GET', '/v1/models')).toBeUndefined();
    expect(matchRoute('GET', '/v1/chat/completions')).toBeUndefined();
    expect(matchRoute('post', '/v1/chat/completions')?.format).toBe('openai.chat_completions');
  });

  it.each([
    '/v1/models',
    '/v1/files',
    '/v1/messages/count_tokens',
    '/v1/messages/batches',
    '/v1/threads/thread_abc/messages',
    '/v1/responses/resp_1/cancel',
    '/v1beta/models/gemini-2.5-flash:countTokens',
    '/v1beta/models/gemini-2.5-flash:constructor',
    '/v1/projects/p/locations/l/publishers/google/models/gemini:rawPredict',
    '/',
    '',
  ])('does not route POST %s', path => {
    expect(matchRoute('POST', path)).toBeUndefined();
  });

  it('never throws on odd input', () => {
    for (const path of [
      '%',
      '/models/%E0%A4%A:generateContent',
      ':::',
      '?',
      '#',
      '//',
      'http://',
      '/v1/models/:generateContent',
    ]) {
      expect(() => matchRoute('POST', path)).not.toThrow();
    }
    expect(matchRoute('POST', '/v1beta/models/%E0%A4%A:generateContent')?.urlModel).toBe('%E0%A4%A');
    expect(matchRoute('POST', '/v1beta/models/:generateContent')).toEqual({
      format: 'gemini.generate_content',
      operation: 'generate_content',
    });
  });
});
