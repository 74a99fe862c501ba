/*
 * Checks captured content against the GenAI conventions' JSON schemas (test/fixtures/genai-schemas,
 * copied from open-telemetry/semantic-conventions v1.41.0, see the README there).
 *
 * A small validator for the keywords those schemas use ($ref to #/$defs, anyOf, oneOf, type,
 * const, enum, required, properties, items). It is stricter than the schema in three ways that
 * the schema alone cannot express, because every part also matches the catch-all GenericPart:
 * - a part whose `type` is one the schema defines must match that definition (a `tool_call`
 *   without `name` fails instead of passing as a generic part);
 * - `finish_reason` must be one of the schema's FinishReason values;
 * - no `null` anywhere except a required member (unknown values are left out, issue 15).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

type Schema = Record<string, unknown>;
type SchemaName = 'input-messages' | 'output-messages' | 'system-instructions' | 'tool-definitions';

const SCHEMA_DIR = path.resolve(__dirname, '../fixtures/genai-schemas');
const cache = new Map<SchemaName, Schema>();

function load(name: SchemaName): Schema {
  let schema = cache.get(name);
  if (schema === undefined) {
    schema = JSON.parse(readFileSync(path.join(SCHEMA_DIR, `gen-ai-${name}.json`), 'utf8')) as Schema;
    cache.set(name, schema);
  }
  return schema;
}

const KNOWN_KEYWORDS = new Set([
  '$defs',
  '$ref',
  'additionalProperties',
  'anyOf',
  'oneOf',
  'const',
  'default',
  'description',
  'enum',
  'format',
  'items',
  'properties',
  'required',
  'title',
  'type',
]);

function typeOk(type: string, value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    default:
      throw new Error(`validator: unsupported type ${type}`);
  }
}

class Validator {
  private readonly root: Schema;

  constructor(root: Schema) {
    this.root = root;
  }

  resolve(ref: string): Schema | undefined {
    // The tool-definition schema points `parameters` at the draft-07 meta-schema: any object passes.
    if (ref.startsWith('http://json-schema.org/')) return undefined;
    const match = /^#\/\$defs\/(.+)$/.exec(ref);
    if (match === null) throw new Error(`validator: unsupported $ref ${ref}`);
    const target = (this.root['$defs'] as Record<string, Schema>)[match[1]!];
    if (target === undefined) throw new Error(`validator: missing definition ${ref}`);
    return target;
  }

  /** Errors for `value` against `schema` at `where` (empty: valid). */
  check(schema: Schema, value: unknown, where: string): string[] {
    for (const key of Object.keys(schema)) {
      if (!KNOWN_KEYWORDS.has(key)) throw new Error(`validator: unsupported keyword ${key}`);
    }
    if (typeof schema['$ref'] === 'string') {
      const target = this.resolve(schema['$ref']);
      return target === undefined ? [] : this.check(target, value, where);
    }
    if (Array.isArray(schema['anyOf']) || Array.isArray(schema['oneOf'])) {
      const options = (schema['anyOf'] ?? schema['oneOf']) as Schema[];
      const strict = this.discriminated(options, value);
      if (strict !== undefined) return this.check(strict, value, where);
      const results = options.map(option => this.check(option, value, where));
      const passing = results.filter(r => r.length === 0).length;
      if (schema['oneOf'] !== undefined ? passing === 1 : passing >= 1) return [];
      return [`${where}: matches none of ${options.length} alternatives (${results.map(r => r[0]).join(' | ')})`];
    }
    const errors: string[] = [];
    if (typeof schema['type'] === 'string' && !typeOk(schema['type'], value)) {
      return [`${where}: expected ${schema['type']}, got ${value === null ? 'null' : typeof value}`];
    }
    if ('const' in schema && value !== schema['const'])
      return [`${where}: expected ${JSON.stringify(schema['const'])}`];
    if (Array.isArray(schema['enum']) && !schema['enum'].includes(value)) {
      return [`${where}: ${JSON.stringify(value)} not in ${JSON.stringify(schema['enum'])}`];
    }
    if (Array.isArray(value) && schema['items'] !== undefined) {
      value.forEach((item, i) => errors.push(...this.check(schema['items'] as Schema, item, `${where}[${i}]`)));
    }
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const record = value as Record<string, unknown>;
      const required = (schema['required'] as string[] | undefined) ?? [];
      for (const key of required) if (!(key in record)) errors.push(`${where}: missing required ${key}`);
      const properties = (schema['properties'] as Record<string, Schema> | undefined) ?? {};
      for (const [key, member] of Object.entries(record)) {
        if (member === null && !required.includes(key))
          errors.push(`${where}.${key}: null where the value should be left out`);
        const property = properties[key];
        if (property !== undefined && member !== null) errors.push(...this.check(property, member, `${where}.${key}`));
        else if (property !== undefined && member === null && required.includes(key)) {
          errors.push(...this.check(property, member, `${where}.${key}`));
        }
      }
      if (schema['additionalProperties'] === false) {
        for (const key of Object.keys(record)) if (!(key in properties)) errors.push(`${where}: unexpected ${key}`);
      }
      if (schema['title'] === 'OutputMessage' && 'finish_reason' in record) {
        const reasons = (this.resolve('#/$defs/FinishReason') as Schema)['enum'] as string[];
        if (!reasons.includes(record['finish_reason'] as string)) {
          errors.push(
            `${where}.finish_reason: ${JSON.stringify(record['finish_reason'])} is not a schema FinishReason`,
          );
        }
      }
    }
    return errors;
  }

  /** The alternative whose `type` const the value names, when there is exactly one. */
  private discriminated(options: Schema[], value: unknown): Schema | undefined {
    if (typeof value !== 'object' || value === null) return undefined;
    const type = (value as { type?: unknown }).type;
    if (typeof type !== 'string') return undefined;
    const matches = options.filter(option => {
      const target = typeof option['$ref'] === 'string' ? this.resolve(option['$ref']) : option;
      const typeSchema = (target?.['properties'] as Record<string, Schema> | undefined)?.['type'];
      return typeSchema !== undefined && typeSchema['const'] === type;
    });
    return matches.length === 1 ? matches[0] : undefined;
  }
}

/** Errors of one content value (already parsed from its attribute's JSON) against a schema; empty when valid. */
export function schemaErrors(name: SchemaName, value: unknown): string[] {
  const root = load(name);
  return new Validator(root).check(root, value, name);
}

/** Attribute name → schema name, for the content attributes we emit. */
export const CONTENT_ATTRIBUTE_SCHEMAS: Readonly<Record<string, SchemaName>> = {
  'gen_ai.input.messages': 'input-messages',
  'gen_ai.output.messages': 'output-messages',
  'gen_ai.system_instructions': 'system-instructions',
  'gen_ai.tool.definitions': 'tool-definitions',
};

/** Schema errors of every content attribute among `attributes` (JSON strings on spans, structured on events). */
export function contentAttributeErrors(attributes: Record<string, unknown>): string[] {
  const errors: string[] = [];
  for (const [key, schema] of Object.entries(CONTENT_ATTRIBUTE_SCHEMAS)) {
    const raw = attributes[key];
    if (raw === undefined) continue;
    let value: unknown = raw;
    if (typeof raw === 'string') {
      try {
        value = JSON.parse(raw);
      } catch {
        errors.push(`${key}: not JSON`);
        continue;
      }
    }
    errors.push(...schemaErrors(schema, value));
  }
  return errors;
}
