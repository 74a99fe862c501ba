/*
 * A call's response (failed or not) loses every string that echoes the request's credentials.
 */
import { describe, expect, it } from 'vitest';
import { CredentialEchoes, screenedModel, screenEchoes, withoutEchoes } from '../../../src/call/screen-echoes';
import { echoesCredential } from '../../../src/http/headers';

describe('withoutEchoes', () => {
  const key = 'sk-proj-Q7vX2mN9pL4tR8wZ1cK6bH3jYf5';
  const echoes = (text: string) => text.includes(key.slice(9, 17));

  it('drops every body-given string that echoes a credential; the error keeps a class', () => {
    const response = {
      responseModel: `model-${key.slice(9, 17)}`,
      responseId: key,
      finishReasons: ['stop', key],
      usage: { inputTokens: 3 },
      error: { type: key.slice(8, 20), code: key.slice(9, 20) },
    };
    expect(withoutEchoes(response, echoes)).toEqual({
      finishReasons: ['stop'],
      usage: { inputTokens: 3 },
      error: { type: '_OTHER' },
    });
  });

  it('leaves a response without echoes as it is', () => {
    const response = {
      responseModel: 'gpt-4.1',
      responseId: 'c1',
      finishReasons: ['stop'],
      usage: {},
      error: { type: 'invalid_request_error', code: 'invalid_api_key' },
    };
    expect(withoutEchoes(response, echoes)).toBe(response);
  });
});

describe('screenEchoes', () => {
  const key = 'sk-proj-Q7vX2mN9pL4tR8wZ1cK6bH3jYf5';
  const response = {
    responseModel: 'gpt-4.1',
    finishReasons: [],
    usage: {},
    error: { type: key, code: 'invalid_api_key' },
  };

  it("reads the credentials from the request's secret header values", () => {
    expect(screenEchoes(response, [`Bearer ${key}`], 'https://relay.example.com/v1/chat/completions').error).toEqual({
      type: '_OTHER',
      code: 'invalid_api_key',
    });
  });

  it('leaves the response as it is when the request carried no credentials', () => {
    expect(screenEchoes(response, undefined, 'https://relay.example.com/v1/chat/completions')).toBe(response);
  });
});

describe('screenEchoes of a successful answer', () => {
  const key = 'sk-proj-Q7vX2mN9pL4tR8wZ1cK6bH3jYf5';
  const secrets = [`Bearer ${key}`];
  const path = '/v1/chat/completions';

  it('drops a model, id or finish reason that holds a piece of the key', () => {
    const response = {
      responseModel: `gpt-4.1-${key.slice(12, 20)}`,
      responseId: `chatcmpl-${key.slice(3, 11)}`,
      finishReasons: ['stop', key],
      usage: { outputTokens: 4 },
    };
    expect(screenEchoes(response, secrets, path, 'gpt-4.1')).toEqual({
      finishReasons: ['stop'],
      usage: { outputTokens: 4 },
    });
  });

  it('leaves an honest answer as it is', () => {
    const response = {
      responseModel: 'gpt-4.1-2025-04-14',
      responseId: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
      finishReasons: ['stop'],
      usage: {},
    };
    expect(screenEchoes(response, secrets, path, 'gpt-4.1')).toBe(response);
  });

  it('never screens the model the request named (it is recorded anyway)', () => {
    const response = { responseModel: `ft:${key}`, finishReasons: [], usage: {} };
    expect(screenEchoes(response, secrets, path, `ft:${key}`)).toBe(response);
    expect(screenEchoes(response, secrets, path, 'gpt-4.1')).toEqual({ finishReasons: [], usage: {} });
  });

  it('reads a key from the query of the path', () => {
    const queryKey = 'purple_monkey_dishwasher_tango';
    const response = { responseModel: queryKey, finishReasons: [], usage: {} };
    expect(screenEchoes(response, [], `${path}?key=${queryKey}`, 'gemini-2.5-flash').responseModel).toBeUndefined();
    expect(screenEchoes(response, [], path, 'gemini-2.5-flash')).toBe(response);
  });

  it('tells each of a few keys apart, call after call', () => {
    const keys = [
      'first-key-aaaaaaaaaaaa',
      'second-key-bbbbbbbbbbb',
      'third-key-cccccccccccc',
      'fourth-key-dddddddddd',
      'fifth-key-eeeeeeeeeeee',
    ];
    for (let round = 0; round < 3; round++) {
      for (const [i, k] of keys.entries()) {
        const other = keys[(i + 1) % keys.length]!;
        expect(screenedModel(k, [k], path, 'gpt-4.1')).toBeUndefined();
        expect(screenedModel(other, [k], path, 'gpt-4.1')).toBe(other);
      }
    }
  });
});

describe('screenedModel (a model label mid-stream)', () => {
  const key = 'correct-horse-battery-staple-orbit';
  it('is undefined when the model echoes the request key, the model otherwise', () => {
    expect(screenedModel(`m-${key.slice(5, 14)}`, [key], '/v1/chat/completions', 'gpt-4.1')).toBeUndefined();
    expect(screenedModel('gpt-4.1-mini', [key], '/v1/chat/completions', 'gpt-4.1')).toBe('gpt-4.1-mini');
    expect(screenedModel(undefined, [key], '/v1/chat/completions', 'gpt-4.1')).toBeUndefined();
  });
});

describe('CredentialEchoes', () => {
  it('says what echoesCredential says, on random strings sharing pieces with the keys or not', () => {
    let seed = 7;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.é€';
    const word = (length: number) =>
      Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
    let echoes = 0;
    for (let round = 0; round < 300; round++) {
      const credentials = [word(6 + Math.floor(random() * 60)), word(6 + Math.floor(random() * 4))];
      const check = new CredentialEchoes(credentials);
      for (let i = 0; i < 20; i++) {
        const source = credentials[Math.floor(random() * 2)]!;
        const at = Math.floor(random() * source.length);
        const piece = random() < 0.5 ? source.slice(at, at + 6 + Math.floor(random() * 6)) : '';
        const text = word(Math.floor(random() * 12)) + piece + word(Math.floor(random() * 12));
        const expected = echoesCredential(text, credentials);
        if (expected) echoes++;
        expect({ text, credentials, echoes: check.echoes(text) }).toEqual({ text, credentials, echoes: expected });
      }
    }
    // Both answers occur often enough for the comparison to mean something.
    expect(echoes).toBeGreaterThan(500);
    expect(echoes).toBeLessThan(5000);
  });
});
