import { describe, expect, it } from 'vitest';
import { WELL_KNOWN_LLM_HOSTS, isWellKnownLlmHost, normaliseHost, providerName } from '../../../src/wire/provider';

describe('providerName', () => {
  it.each([
    ['api.openai.com', 'openai'],
    ['myres.openai.azure.com', 'azure.ai.openai'],
    ['myres.cognitiveservices.azure.com', 'azure.ai.openai'],
    ['api.anthropic.com', 'anthropic'],
    ['generativelanguage.googleapis.com', 'gcp.gemini'],
    ['us-central1-aiplatform.googleapis.com', 'gcp.vertex_ai'],
    ['aiplatform.googleapis.com', 'gcp.vertex_ai'],
    ['api.deepseek.com', 'deepseek'],
    ['api.groq.com', 'groq'],
    ['api.mistral.ai', 'mistral_ai'],
    ['api.x.ai', 'x_ai'],
    ['api.perplexity.ai', 'perplexity'],
    ['api.cohere.com', 'cohere'],
    ['openrouter.ai', 'openrouter'],
    ['api.together.xyz', 'together_ai'],
  ])('%s → %s', (host, provider) => {
    expect(providerName(host, 'openai.chat_completions')).toBe(provider);
  });

  it('names the vendor by host whatever the dialect (Anthropic on Vertex is Vertex)', () => {
    expect(providerName('us-east5-aiplatform.googleapis.com', 'anthropic.messages')).toBe('gcp.vertex_ai');
    expect(providerName('api.deepseek.com', 'anthropic.messages')).toBe('deepseek');
  });

  it("falls back to the dialect's flavour for unknown hosts (relays)", () => {
    expect(providerName('relay.example.com', 'openai.chat_completions')).toBe('openai');
    expect(providerName('relay.example.com', 'openai.responses')).toBe('openai');
    expect(providerName('relay.example.com', 'openai.embeddings')).toBe('openai');
    expect(providerName('relay.example.com', 'anthropic.messages')).toBe('anthropic');
    expect(providerName('relay.example.com', 'gemini.generate_content')).toBe('gcp.gen_ai');
    expect(providerName('127.0.0.1:8080', 'gemini.embed_content')).toBe('gcp.gen_ai');
  });

  it('answers the same for a host asked before, past the cap of remembered hosts too', () => {
    for (let i = 0; i < 1500; i++)
      expect(providerName(`relay-${i}.example.com`, 'anthropic.messages')).toBe('anthropic');
    expect(providerName('api.deepseek.com', 'openai.chat_completions')).toBe('deepseek');
    expect(providerName('relay-7.example.com', 'gemini.generate_content')).toBe('gcp.gen_ai');
    expect(providerName('relay-1499.example.com', 'openai.chat_completions')).toBe('openai');
  });

  it('does not mistake look-alike hosts for vendors', () => {
    expect(providerName('api.openai.com.evil.example', 'anthropic.messages')).toBe('anthropic');
    expect(providerName('notopenai.azure.com', 'anthropic.messages')).toBe('anthropic');
  });

  it('accepts ports, upper case, trailing dots and IPv6 literals', () => {
    expect(normaliseHost('API.OpenAI.com:443')).toBe('api.openai.com');
    expect(normaliseHost('api.anthropic.com.')).toBe('api.anthropic.com');
    expect(normaliseHost('[::1]:8080')).toBe('::1');
    expect(normaliseHost('::1')).toBe('::1');
    expect(providerName('API.OPENAI.COM:443', 'anthropic.messages')).toBe('openai');
  });
});

describe('well-known LLM hosts', () => {
  it('lists the vendor API hosts watched by default', () => {
    for (const host of [
      'api.openai.com',
      'api.anthropic.com',
      'generativelanguage.googleapis.com',
      'api.deepseek.com',
      'openrouter.ai',
    ]) {
      expect(WELL_KNOWN_LLM_HOSTS).toContain(host);
    }
    expect(Object.isFrozen(WELL_KNOWN_LLM_HOSTS)).toBe(true);
  });

  it('recognises per-resource hosts by suffix', () => {
    expect(isWellKnownLlmHost('contoso.openai.azure.com')).toBe(true);
    expect(isWellKnownLlmHost('europe-west4-aiplatform.googleapis.com:443')).toBe(true);
    expect(isWellKnownLlmHost('relay.example.com')).toBe(false);
    expect(isWellKnownLlmHost('localhost')).toBe(false);
  });
});
