import { describe, expect, it } from 'vitest';
import {
  CappedText,
  OutputCollector,
  blobPart,
  capValue,
  contentAttributeJson,
  genericPart,
  mediaPart,
  outputFinishReason,
  serverToolCallPart,
  serverToolCallResponsePart,
  toolArguments,
  toolCallPart,
  toolCallResponsePart,
  truncateContent,
} from '../../../src/wire/content';

describe('content capture helpers', () => {
  it('truncates strings to the cap', () => {
    expect(truncateContent('abcdef', 3)).toBe('abc');
    expect(truncateContent('ab', 3)).toBe('ab');
    expect(truncateContent('ab', -1)).toBe('');
  });

  it('CappedText stops growing at its cap and says so', () => {
    const text = new CappedText(5);
    text.append('abc');
    text.append('defg');
    text.append('h');
    expect(text.text).toBe('abcde');
    expect(text.truncated).toBe(true);
  });

  it('tool arguments: complete JSON is parsed, cut or invalid JSON stays text', () => {
    expect(toolArguments('{"a":1}', 100)).toEqual({ a: 1 });
    expect(toolArguments('{"a":', 100)).toBe('{"a":');
    expect(toolArguments('{"a":"long"}', 5)).toBe('{"a":');
    expect(toolArguments({ a: 1 }, 100)).toEqual({ a: 1 });
  });

  it('structured values larger than the cap become truncated JSON text', () => {
    expect(capValue({ long: 'x'.repeat(50) }, 10)).toBe('{"long":"x');
    expect(capValue({ short: 1 }, 100)).toEqual({ short: 1 });
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(capValue(cyclic, 100)).toBeUndefined();
  });

  it('media: data URLs become blobs, other URLs uri parts', () => {
    expect(mediaPart('data:audio/wav;base64,UklGRg==', 'audio', 4)).toEqual({
      type: 'blob',
      modality: 'audio',
      mime_type: 'audio/wav',
      content: 'UklG',
    });
    expect(mediaPart('gs://bucket/a.png', 'image', 100, 'image/png')).toEqual({
      type: 'uri',
      modality: 'image',
      mime_type: 'image/png',
      uri: 'gs://bucket/a.png',
    });
  });

  it('OutputCollector orders messages by choice index and defaults the finish reason', () => {
    const collector = new OutputCollector(10);
    collector.appendText(1, 'second');
    collector.appendText(0, 'first');
    collector.setRole(0, 'model');
    expect(collector.messages(index => (index === 0 ? 'stop' : undefined))).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'first' }], finish_reason: 'stop' },
      { role: 'assistant', parts: [{ type: 'text', content: 'second' }], finish_reason: 'error' },
    ]);
  });
});

describe('contentAttributeJson: one content attribute, bounded in total', () => {
  type Part = Record<string, unknown>;
  type Message = { role: string; parts: Part[]; finish_reason?: string };
  const toolCall = (i: number, j: number): Part => ({
    type: 'tool_call',
    id: `call_${i}_${j}`,
    name: 'lookup',
    arguments: { q: 'x'.repeat(4000) },
  });
  /** 64 choices of 16 tool calls with 4 KiB arguments each: 4 MiB of JSON. */
  const huge: Message[] = Array.from({ length: 64 }, (_, i) => ({
    role: 'assistant',
    parts: Array.from({ length: 16 }, (_, j) => toolCall(i, j)),
    finish_reason: 'tool_calls',
  }));
  const MAX = 128 * 1024;

  it('is the plain JSON when it fits', () => {
    const small = [{ role: 'user', parts: [{ type: 'text', content: 'Hi' }] }];
    expect(contentAttributeJson(small, MAX)).toBe(JSON.stringify(small));
  });

  it('over the bound: whole leading messages and parts, then a part saying what was left out; always valid JSON', () => {
    const json = contentAttributeJson(huge, MAX)!;
    expect(json.length).toBeLessThanOrEqual(MAX);
    const kept = JSON.parse(json) as Message[];
    expect(kept[0]).toEqual(huge[0]); // whole messages first
    const last = kept[kept.length - 1]!;
    const marker = last.parts[last.parts.length - 1]!;
    expect(marker).toMatchObject({ type: 'truncated', max_length: MAX });
    const keptParts = kept.reduce((n, m) => n + m.parts.length, 0) - 1;
    expect(keptParts).toBeGreaterThan(16);
    expect(keptParts + (marker['omitted_parts'] as number)).toBe(64 * 16);
    expect(kept.length + (marker['omitted_messages'] as number)).toBe(64);
    // The message cut in its middle keeps its other fields and a prefix of its parts.
    expect(last.role).toBe('assistant');
    expect(last.finish_reason).toBe('tool_calls');
    expect(last.parts.slice(0, -1)).toEqual(huge[kept.length - 1]!.parts.slice(0, last.parts.length - 1));
  });

  it('a list of parts (system instructions) ends with the marker itself', () => {
    const parts = Array.from({ length: 100 }, (_, i) => ({ type: 'text', content: `${i}:${'y'.repeat(1000)}` }));
    const kept = JSON.parse(contentAttributeJson(parts, 10_000)!) as Part[];
    expect(JSON.stringify(kept).length).toBeLessThanOrEqual(10_000);
    expect(kept.slice(0, -1)).toEqual(parts.slice(0, kept.length - 1));
    expect(kept[kept.length - 1]).toEqual({
      type: 'truncated',
      omitted_parts: 100 - (kept.length - 1),
      max_length: 10_000,
    });
  });

  it('a first part larger than the bound leaves the first message with the marker only', () => {
    const big = [
      { role: 'user', parts: [{ type: 'text', content: 'z'.repeat(5000) }] },
      { role: 'user', parts: [{ type: 'text', content: 'next' }] },
    ];
    expect(JSON.parse(contentAttributeJson(big, 1024)!)).toEqual([
      { role: 'user', parts: [{ type: 'truncated', omitted_messages: 1, omitted_parts: 2, max_length: 1024 }] },
    ]);
  });

  it('a part JSON cannot write (cyclic) is left out and counted; the rest is kept', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    const messages = [
      { role: 'user', parts: [{ type: 'text', content: 'Where is order 42?' }] },
      {
        role: 'assistant',
        parts: [
          { type: 'text', content: 'Looking.' },
          { type: 'tool_call', id: 'c1', name: 'lookup', arguments: cyclic },
        ],
      },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: 'c1', response: 'in transit' }] },
    ];
    expect(JSON.parse(contentAttributeJson(messages, MAX))).toEqual([
      messages[0],
      { role: 'assistant', parts: [{ type: 'text', content: 'Looking.' }] },
      {
        role: 'tool',
        parts: [
          { type: 'tool_call_response', id: 'c1', response: 'in transit' },
          { type: 'truncated', omitted_parts: 1, max_length: MAX },
        ],
      },
    ]);
  });

  it('a part nested deeper than JSON.stringify can go on this Node (22, 24: 20,000 levels) is left out the same way', () => {
    let deep: unknown = [];
    for (let i = 0; i < 20_000; i++) deep = [deep];
    const messages = [
      { role: 'user', parts: [{ type: 'text', content: 'Where is order 42?' }] },
      { role: 'assistant', parts: [{ type: 'tool_call', id: 'c1', name: 'lookup', arguments: deep }] },
    ];
    let writable = true;
    try {
      JSON.stringify(deep);
    } catch {
      writable = false;
    }
    const json = contentAttributeJson(messages, MAX);
    if (writable) {
      expect(json.length).toBe(JSON.stringify(messages).length); // Node 26 writes it whole
    } else {
      expect(JSON.parse(json)).toEqual([
        messages[0],
        { role: 'assistant', parts: [{ type: 'truncated', omitted_parts: 1, max_length: MAX }] },
      ]);
    }
  });

  it('an empty list, and an item JSON cannot write at all', () => {
    expect(contentAttributeJson([], MAX)).toBe('[]');
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(JSON.parse(contentAttributeJson([cyclic], MAX)!)).toEqual([
      { type: 'truncated', omitted_parts: 1, max_length: MAX },
    ]);
  });
});

describe('schema-valid parts (issue 15)', () => {
  it('leaves unknown ids, MIME types and arguments out instead of writing null', () => {
    expect(toolCallPart(undefined, 'f', undefined)).toEqual({ type: 'tool_call', name: 'f' });
    expect(toolCallPart('', undefined, null)).toEqual({ type: 'tool_call', name: '' });
    expect(toolCallResponsePart(undefined, 'ok')).toEqual({ type: 'tool_call_response', response: 'ok' });
    expect(blobPart('image', undefined, 'AAAA')).toEqual({ type: 'blob', modality: 'image', content: 'AAAA' });
    expect(mediaPart('data:;base64,AAAA', 'image', 100)).toEqual({ type: 'blob', modality: 'image', content: 'AAAA' });
    const collector = new OutputCollector(100);
    collector.toolCall(0, 0, { name: 'f' });
    expect(collector.messages(() => 'tool_calls')[0]!.parts).toEqual([{ type: 'tool_call', name: 'f' }]);
  });

  it('a generic part never takes the name of a schema part it cannot fill', () => {
    expect(genericPart('text')).toEqual({ type: 'text_unreadable' });
    expect(genericPart('tool_call')).toEqual({ type: 'tool_call_unreadable' });
    expect(genericPart('container_upload')).toEqual({ type: 'container_upload' });
  });

  it('finish reasons inside output messages are the schema values; none at all is error', () => {
    const cases: [string | undefined, string][] = [
      ['stop', 'stop'],
      ['length', 'length'],
      ['tool_calls', 'tool_call'],
      ['function_call', 'tool_call'],
      ['content_filter', 'content_filter'],
      ['eos', 'stop'],
      ['end_turn', 'stop'],
      ['stop_sequence', 'stop'],
      ['max_tokens', 'length'],
      ['tool_use', 'tool_call'],
      ['refusal', 'content_filter'],
      ['STOP', 'stop'],
      ['MAX_TOKENS', 'length'],
      ['SAFETY', 'content_filter'],
      ['RECITATION', 'content_filter'],
      ['MALFORMED_FUNCTION_CALL', 'error'],
      ['completed', 'stop'],
      ['incomplete', 'length'],
      ['failed', 'error'],
      [undefined, 'error'],
      ['', 'error'],
    ];
    for (const [raw, want] of cases) expect([raw, outputFinishReason(raw)]).toEqual([raw, want]);
    expect(outputFinishReason('STOP', true)).toBe('tool_call');
    expect(outputFinishReason('some_new_reason')).toBe('some_new_reason');
  });

  it('server tool calls and their results are server_tool_call / server_tool_call_response parts', () => {
    expect(serverToolCallPart('srvtoolu_1', 'web_search', { query: 'x' })).toEqual({
      type: 'server_tool_call',
      id: 'srvtoolu_1',
      name: 'web_search',
      server_tool_call: { type: 'web_search', input: { query: 'x' } },
    });
    expect(serverToolCallResponsePart('srvtoolu_1', 'web_search_tool_result', [{ url: 'u' }])).toEqual({
      type: 'server_tool_call_response',
      id: 'srvtoolu_1',
      server_tool_call_response: { type: 'web_search_tool_result', content: [{ url: 'u' }] },
    });
  });
});
