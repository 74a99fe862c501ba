/*
 * The recorded exchanges in test/fixtures/llm-wire (LLM_WIRE_FIXTURES overrides) and their `expected` oracle mapped to the
 * GenAI conventions (Anthropic input tokens include cache tokens; Gemini output tokens include thoughts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { WireFormatName } from '../../src/wire/types';

export const FIXTURES_DIR = process.env['LLM_WIRE_FIXTURES'] ?? path.resolve(__dirname, '../fixtures/llm-wire');

export interface Expected {
  model: string | null;
  response_model: string | null;
  response_id: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  finish_reasons: string[];
  streaming: boolean;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
  reasoning_tokens?: number;
  error_type?: string;
  error_code?: string | number;
  stream_error_type?: string;
  stream_error_code?: string | number;
}

export interface Fixture {
  request: { method: string; url: string; headers?: Record<string, string>; body: unknown };
  response: { status: number; headers?: Record<string, string>; body: unknown };
  expected: Expected;
}

export interface LoadedFixture {
  /** Path relative to the fixture folder, e.g. `openai/chat-completions-basic.json`. */
  name: string;
  file: string;
  fixture: Fixture;
  format: WireFormatName;
}

/** Expected values in OpenTelemetry terms (undefined where the oracle says null/absent). */
export interface SemconvExpectation {
  requestModel?: string;
  responseModel?: string;
  responseId?: string;
  finishReasons: string[];
  inputTokens?: number;
  outputTokens?: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
  reasoningOutputTokens?: number;
  /** HTTP status >= 400, or an error inside a 200 stream. */
  isError: boolean;
  /** The vendor error class (HTTP error body or in-band stream error), when the oracle names one. */
  vendorErrorType?: string;
  vendorErrorCode?: string;
  inBandError: boolean;
}

function fixtureFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap(entry =>
      entry.isDirectory()
        ? fixtureFiles(path.join(dir, entry.name))
        : entry.name.endsWith('.json')
          ? [path.join(dir, entry.name)]
          : [],
    )
    .sort();
}

/** The wire format a file exercises, from its name (`chat-completions-…`, `messages-…`). */
export function formatFromFileName(file: string): WireFormatName {
  const name = path.basename(file);
  if (name.startsWith('chat-completions')) return 'openai.chat_completions';
  if (name.startsWith('responses')) return 'openai.responses';
  if (name.startsWith('embeddings')) return 'openai.embeddings';
  if (name.startsWith('messages')) return 'anthropic.messages';
  if (name.startsWith('generate-content') || name.startsWith('stream-generate-content'))
    return 'gemini.generate_content';
  throw new Error(`no format known for ${name}`);
}

export function loadFixtures(dir: string = FIXTURES_DIR): LoadedFixture[] {
  return fixtureFiles(dir).map(file => ({
    name: path.relative(dir, file),
    file,
    fixture: JSON.parse(readFileSync(file, 'utf8')) as Fixture,
    format: formatFromFileName(file),
  }));
}

/** What undici gives as `request.path`: path and query. */
export function requestTarget(url: string): string {
  const parsed = new URL(url);
  return parsed.pathname + parsed.search;
}

export function semconvExpectation(loaded: LoadedFixture): SemconvExpectation {
  const { fixture, format } = loaded;
  const e = fixture.expected;
  const isAnthropic = format === 'anthropic.messages';
  const isGemini = format === 'gemini.generate_content';
  const cacheRead = e.cache_read_input_tokens;
  const cacheWrite = e.cache_creation_input_tokens;
  const errorType = e.error_type ?? e.stream_error_type;
  const errorCode = e.error_code ?? e.stream_error_code;
  const inBandError =
    fixture.response.status < 400 && (e.stream_error_type !== undefined || e.stream_error_code !== undefined);
  return {
    requestModel: e.model ?? undefined,
    responseModel: e.response_model ?? undefined,
    responseId: e.response_id ?? undefined,
    finishReasons: e.finish_reasons,
    inputTokens:
      e.input_tokens === null ? undefined : e.input_tokens + (isAnthropic ? (cacheRead ?? 0) + (cacheWrite ?? 0) : 0),
    outputTokens: e.output_tokens === null ? undefined : e.output_tokens + (isGemini ? (e.reasoning_tokens ?? 0) : 0),
    cacheReadInputTokens: cacheRead,
    cacheWriteInputTokens: cacheWrite,
    reasoningOutputTokens: e.reasoning_tokens,
    isError: fixture.response.status >= 400 || errorType !== undefined || errorCode !== undefined,
    vendorErrorType: errorType,
    vendorErrorCode: errorCode === undefined ? undefined : String(errorCode),
    inBandError,
  };
}
