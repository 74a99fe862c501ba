import { describe, expect, it } from 'vitest';
import { requestTarget } from '../../../src/hook/relay-matcher';

describe('requestTarget', () => {
  it("is undici's origin and path as they are", () => {
    expect(requestTarget('https://relay.example.com', '/v1/chat/completions?x=1')).toEqual({
      origin: 'https://relay.example.com',
      path: '/v1/chat/completions?x=1',
    });
  });

  it('reads the absolute target URL a request through an HTTP proxy has as its path', () => {
    expect(requestTarget('http://proxy.internal:3128', 'https://relay.example.com:8443/v1/messages?beta=true')).toEqual(
      {
        origin: 'https://relay.example.com:8443',
        path: '/v1/messages?beta=true',
      },
    );
  });

  it('gives nothing for a target URL that does not parse, and empty strings for missing parts', () => {
    expect(requestTarget('http://proxy.internal:3128', 'http://[bad')).toBeUndefined();
    expect(requestTarget(undefined, undefined)).toEqual({ origin: '', path: '' });
  });
});
