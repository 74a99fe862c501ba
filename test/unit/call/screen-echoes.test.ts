/*
 * A failed call's response loses every string that echoes the request's credentials.
 */
import { describe, expect, it } from 'vitest';
import { screenEchoes, withoutEchoes } from '../../../src/call/screen-echoes';

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

  it("reads the credentials from the request's headers", () => {
    expect(
      screenEchoes(response, ['authorization', `Bearer ${key}`], 'https://relay.example.com/v1/chat/completions').error,
    ).toEqual({
      type: '_OTHER',
      code: 'invalid_api_key',
    });
  });

  it('leaves the response as it is when the request carried no credentials', () => {
    expect(
      screenEchoes(response, ['content-type', 'application/json'], 'https://relay.example.com/v1/chat/completions'),
    ).toBe(response);
  });
});
