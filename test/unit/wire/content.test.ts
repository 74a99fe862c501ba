import { describe, expect, it } from 'vitest';
import { CappedText, OutputCollector, capValue, mediaPart, toolArguments, truncateContent } from '../../../src/wire/content';

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
    expect(mediaPart('data:audio/wav;base64,UklGRg==', 'audio', 4)).toEqual({ type: 'blob', modality: 'audio', mime_type: 'audio/wav', content: 'UklG' });
    expect(mediaPart('gs://bucket/a.png', 'image', 100, 'image/png')).toEqual({ type: 'uri', modality: 'image', mime_type: 'image/png', uri: 'gs://bucket/a.png' });
  });

  it('OutputCollector orders messages by choice index and defaults the finish reason', () => {
    const collector = new OutputCollector(10);
    collector.appendText(1, 'second');
    collector.appendText(0, 'first');
    collector.setRole(0, 'model');
    expect(collector.messages((index) => (index === 0 ? 'stop' : undefined))).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'first' }], finish_reason: 'stop' },
      { role: 'assistant', parts: [{ type: 'text', content: 'second' }], finish_reason: 'unknown' },
    ]);
  });
});
