/*
 * `gen_ai.tool.definitions` (opt-in, with content capture): the tools a request offers the model,
 * in the conventions' tool-definition shape. Name, type and description only: parameter schemas
 * can be large, and the conventions advise against recording them by default.
 */
import { truncateContent } from './content';
import { asArray, asRecord, asString, type JsonRecord } from './values';

export interface ToolDefinition {
  type: string;
  name: string;
  description?: string;
}

/** Most tool definitions kept per request (a request with more is not a real one). */
const MAX_TOOLS = 128;
const NAME_MAX = 256;
const TYPE_CHARS = /[^A-Za-z0-9_.-]/g;

function definition(type: unknown, name: unknown, description: unknown, max: number): ToolDefinition | undefined {
  const typeName =
    typeof type === 'string' && type.length > 0 ? truncateContent(type, 64).replace(TYPE_CHARS, '_') : 'function';
  const toolName = typeof name === 'string' && name.length > 0 ? truncateContent(name, NAME_MAX) : typeName;
  const tool: ToolDefinition = { type: typeName, name: toolName };
  if (typeof description === 'string' && description.length > 0) tool.description = truncateContent(description, max);
  return tool;
}

function bounded(tools: (ToolDefinition | undefined)[]): ToolDefinition[] | undefined {
  const kept = tools.filter((tool): tool is ToolDefinition => tool !== undefined).slice(0, MAX_TOOLS);
  return kept.length > 0 ? kept : undefined;
}

/**
 * OpenAI Chat Completions `tools: [{type: 'function', function: {name, description}}]` and the
 * legacy `functions: [{name, description}]`; Responses `tools: [{type: 'function', name,
 * description}, {type: 'web_search'}, …]` (built-in tools are named by their type).
 */
export function openAiToolDefinitions(request: JsonRecord, max: number): ToolDefinition[] | undefined {
  const tools = (asArray(request['tools']) ?? []).slice(0, MAX_TOOLS).map(value => {
    const tool = asRecord(value);
    if (tool === undefined) return undefined;
    const fn = asRecord(tool['function']) ?? tool;
    return definition(tool['type'] ?? 'function', fn['name'], fn['description'], max);
  });
  for (const value of (asArray(request['functions']) ?? []).slice(0, MAX_TOOLS)) {
    const fn = asRecord(value);
    if (fn !== undefined) tools.push(definition('function', fn['name'], fn['description'], max));
  }
  return bounded(tools);
}

/**
 * Anthropic `tools`: client tools (`{name, description, input_schema}`, type absent or `custom`)
 * are functions; server tools keep their versioned type (`web_search_20250305`) and name.
 */
export function anthropicToolDefinitions(request: JsonRecord, max: number): ToolDefinition[] | undefined {
  return bounded(
    (asArray(request['tools']) ?? []).slice(0, MAX_TOOLS).map(value => {
      const tool = asRecord(value);
      if (tool === undefined) return undefined;
      const type = asString(tool['type']);
      return definition(
        type === undefined || type === 'custom' ? 'function' : type,
        tool['name'],
        tool['description'],
        max,
      );
    }),
  );
}

/**
 * Gemini `tools: [{functionDeclarations: [{name, description}]}, {googleSearch: {}}, {codeExecution: {}}]`
 * (snake_case too): declarations are functions; any other tool is named by its key.
 */
export function geminiToolDefinitions(request: JsonRecord, max: number): ToolDefinition[] | undefined {
  const tools: (ToolDefinition | undefined)[] = [];
  for (const value of (asArray(request['tools']) ?? []).slice(0, MAX_TOOLS)) {
    const tool = asRecord(value);
    if (tool === undefined) continue;
    for (const [key, member] of Object.entries(tool)) {
      if (key === 'functionDeclarations' || key === 'function_declarations') {
        for (const declaration of (asArray(member) ?? []).slice(0, MAX_TOOLS)) {
          const fn = asRecord(declaration);
          if (fn !== undefined) tools.push(definition('function', fn['name'], fn['description'], max));
        }
      } else {
        const type = key.replace(/[A-Z]/g, letter => `_${letter.toLowerCase()}`);
        tools.push(definition(type, type, undefined, max));
      }
      if (tools.length >= MAX_TOOLS) break;
    }
  }
  return bounded(tools);
}
