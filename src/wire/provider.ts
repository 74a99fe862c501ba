/*
 * `gen_ai.provider.name` from the host a request went to. Semconv asks for the instrumentation's
 * best knowledge: a vendor's own API host names the vendor; behind an unknown host (a relay)
 * the value names the telemetry flavour of the dialect it speaks (semconv: "acts as a
 * discriminator that identifies the GenAI telemetry format flavor"), and `server.address`
 * identifies the relay.
 */
import type { WireFormatName } from './types';

/** Vendor API hosts matched exactly, with their provider name. */
const EXACT_HOSTS: ReadonlyMap<string, string> = new Map([
  ['api.openai.com', 'openai'],
  ['api.anthropic.com', 'anthropic'],
  ['generativelanguage.googleapis.com', 'gcp.gemini'],
  ['aiplatform.googleapis.com', 'gcp.vertex_ai'],
  ['api.deepseek.com', 'deepseek'],
  ['api.groq.com', 'groq'],
  ['api.mistral.ai', 'mistral_ai'],
  ['api.x.ai', 'x_ai'],
  ['api.perplexity.ai', 'perplexity'],
  ['api.cohere.com', 'cohere'],
  ['api.cohere.ai', 'cohere'],
  // Not semconv well-known values; named the way semconv spells vendors.
  ['openrouter.ai', 'openrouter'],
  ['api.together.xyz', 'together_ai'],
  ['api.together.ai', 'together_ai'],
]);

/** Host suffixes (per-resource or per-region hosts), checked in order. */
const HOST_SUFFIXES: readonly (readonly [suffix: string, provider: string])[] = [
  ['.openai.azure.com', 'azure.ai.openai'],
  ['.cognitiveservices.azure.com', 'azure.ai.openai'],
  ['.services.ai.azure.com', 'azure.ai.inference'],
  ['.models.ai.azure.com', 'azure.ai.inference'],
  // `us-central1-aiplatform.googleapis.com`, `aiplatform.googleapis.com`
  ['aiplatform.googleapis.com', 'gcp.vertex_ai'],
];

/**
 * Well-known LLM API hosts, watched by default when no relay hosts are configured
 * (per-resource hosts such as `<name>.openai.azure.com` are matched by {@link isWellKnownLlmHost}).
 */
export const WELL_KNOWN_LLM_HOSTS: readonly string[] = Object.freeze([...EXACT_HOSTS.keys()]);

/** `Host`-style input (`name`, `name:port`, `[v6]:port`, trailing dot, any case) → bare lower-case name. */
export function normaliseHost(host: string): string {
  let name = host.trim().toLowerCase();
  if (name.startsWith('[')) {
    const close = name.indexOf(']');
    name = close > 0 ? name.slice(1, close) : name;
  } else {
    const colon = name.indexOf(':');
    // One colon is a port; more are a bare IPv6 address.
    if (colon >= 0 && colon === name.lastIndexOf(':')) name = name.slice(0, colon);
  }
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

/** The provider a vendor host belongs to, or undefined for any other host (a relay, a gateway, localhost). */
export function knownProviderForHost(host: string): string | undefined {
  const name = normaliseHost(host);
  const exact = EXACT_HOSTS.get(name);
  if (exact !== undefined) return exact;
  for (const [suffix, provider] of HOST_SUFFIXES) if (name.endsWith(suffix)) return provider;
  return undefined;
}

/** True for a vendor's own LLM API host (exact well-known hosts and Azure/Vertex per-resource hosts). */
export function isWellKnownLlmHost(host: string): boolean {
  return knownProviderForHost(host) !== undefined;
}

/** The provider flavour a dialect stands for when the host says nothing. */
export function providerForFormat(format: WireFormatName): string {
  if (format === 'anthropic.messages') return 'anthropic';
  // `gcp.gemini` names Google's own endpoint only; the registry's value for any other Google backend is `gcp.gen_ai`.
  if (format === 'gemini.generate_content' || format === 'gemini.embed_content') return 'gcp.gen_ai';
  return 'openai';
}

/** knownProviderForHost by host, as providerName asked it (null: no vendor): it runs on every call. */
const vendorByHost = new Map<string, string | null>();

/**
 * `gen_ai.provider.name` for a call to `host` in wire format `format`: the vendor when the host
 * is its API (`api.deepseek.com` → `deepseek`, `x.openai.azure.com` → `azure.ai.openai`),
 * otherwise the dialect's flavour (`openai`, `anthropic`, `gcp.gen_ai`).
 */
export function providerName(host: string, format: WireFormatName): string {
  let vendor = vendorByHost.get(host);
  if (vendor === undefined) {
    vendor = knownProviderForHost(host) ?? null;
    // Hosts are few in practice; the cap only guards against an app that makes up hosts.
    if (vendorByHost.size >= 1024) vendorByHost.clear();
    vendorByHost.set(host, vendor);
  }
  return vendor ?? providerForFormat(format);
}
