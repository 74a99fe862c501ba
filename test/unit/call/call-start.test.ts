import { describe, expect, it } from 'vitest';
import { callStart } from '../../../src/call/call';
import type { RouteMatch } from '../../../src/wire/types';

describe('callStart', () => {
  const route: RouteMatch = { format: 'openai.chat_completions', operation: 'chat' };

  it('redacts the URL and names the provider from the host and the wire format', () => {
    expect(
      callStart(
        'https://api.openai.com/v1/chat/completions?api-key=sk-secret',
        { address: 'api.openai.com', port: 443 },
        route,
        undefined,
      ),
    ).toEqual({
      method: 'POST',
      url: 'https://api.openai.com/v1/chat/completions?api-key=REDACTED',
      route,
      provider: 'openai',
      serverAddress: 'api.openai.com',
      serverPort: 443,
      probe: undefined,
    });
  });

  it('keeps the probe kind only when it is a string', () => {
    const server = { address: 'relay.example.com', port: 8443 };
    expect(callStart('https://relay.example.com:8443/v1/chat/completions', server, route, 'chat').probe).toBe('chat');
    expect(callStart('https://relay.example.com:8443/v1/chat/completions', server, route, 42).probe).toBeUndefined();
  });
});
