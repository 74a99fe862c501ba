import { describe, it, expect } from 'vitest';
import {
  echoesCredential,
  headerValue,
  isSecretHeader,
  mediaType,
  pickHeaders,
  redactUrl,
  credentialPartOf,
  credentialsOf,
  secretHeaderValues,
} from '../../../src/http/headers';
import { requestStartHeaders, resendCountOf } from '../../../src/http/headers';

const requestArray = [
  'Content-Type',
  'application/json',
  'Authorization',
  'Bearer sk-1',
  'accept',
  '*/*',
  'X-Trace',
  'a',
  'x-trace',
  'b',
];
const requestString =
  'Content-Type: application/json\r\nAuthorization: Bearer sk-1\r\naccept: */*\r\nX-Trace: a\r\nx-trace: b\r\n';
const responseBuffers = [
  'Content-Type',
  'text/event-stream; charset=utf-8',
  'X-RateLimit-Remaining-Requests',
  '99',
  'Set-Cookie',
  'a=1',
  'set-cookie',
  'b=2',
].map(s => Buffer.from(s, 'latin1'));
const responseObject = {
  ':status': 200,
  'content-type': 'text/event-stream; charset=utf-8',
  'x-ratelimit-remaining-requests': '99',
  'set-cookie': ['a=1', 'b=2'],
};

describe('headerValue', () => {
  it('reads request headers as a flat array and as a raw string, case-insensitively', () => {
    for (const headers of [requestArray, requestString]) {
      expect(headerValue(headers, 'content-type')).toBe('application/json');
      expect(headerValue(headers, 'AUTHORIZATION')).toBe('Bearer sk-1');
      expect(headerValue(headers, 'x-trace')).toBe('a, b');
      expect(headerValue(headers, 'missing')).toBeUndefined();
    }
  });

  it('reads HTTP/1 Buffer pairs and HTTP/2 objects alike', () => {
    for (const headers of [responseBuffers, responseObject]) {
      expect(headerValue(headers, 'Content-Type')).toBe('text/event-stream; charset=utf-8');
      expect(headerValue(headers, 'x-ratelimit-remaining-requests')).toBe('99');
      expect(headerValue(headers, 'set-cookie')).toBe('a=1, b=2');
    }
    expect(headerValue(responseObject, ':status')).toBeUndefined();
  });

  it('reads header bytes as latin1, as fetch does', () => {
    expect(headerValue([Buffer.from('x-name'), Buffer.from([0x63, 0x61, 0x66, 0xe9])], 'x-name')).toBe('caf\u00e9');
  });

  it('gives undefined for unknown shapes and ignores malformed entries', () => {
    for (const headers of [undefined, null, 42, true, new Map([['a', 'b']])]) {
      expect(headerValue(headers, 'a')).toBeUndefined();
    }
    expect(headerValue(['a', '1', 'dangling'], 'a')).toBe('1');
    expect(headerValue([1, 'x', 'a', {}, 'a', '2'], 'a')).toBe('2');
    expect(headerValue('no colon line\r\n: empty name\r\na: 1', 'a')).toBe('1');
  });
});

describe('pickHeaders', () => {
  it('collects the wanted headers in one pass, joining repeats', () => {
    const wanted = new Set(['content-type', 'x-trace', 'x-absent']);
    const expected = new Map([
      ['content-type', 'application/json'],
      ['x-trace', 'a, b'],
    ]);
    expect(pickHeaders(requestArray, wanted)).toEqual(expected);
    expect(pickHeaders(requestString, wanted)).toEqual(expected);
    expect(pickHeaders(responseBuffers, new Set(['set-cookie']))).toEqual(new Map([['set-cookie', 'a=1, b=2']]));
    expect(pickHeaders(responseObject, new Set(['set-cookie']))).toEqual(new Map([['set-cookie', 'a=1, b=2']]));
    expect(pickHeaders(undefined, wanted)).toEqual(new Map());
  });

  it('matches Buffer names byte by byte: ASCII case aside, one byte off is another name', () => {
    const wanted = new Set(['x-a{b', 'retry-after']);
    const headers = ['X-A[B', '1', 'retry-aftes', '2', 'RETRY-AFTER', '3', 'x-a{b', '4', 'retry-\u00c1fter', '5'].map(
      s => Buffer.from(s, 'latin1'),
    );
    expect(pickHeaders(headers, wanted)).toEqual(
      new Map([
        ['retry-after', '3'],
        ['x-a{b', '4'],
      ]),
    );
  });
});

describe('mediaType', () => {
  it('returns the lowercase essence without parameters', () => {
    expect(mediaType('text/event-stream; charset=utf-8')).toBe('text/event-stream');
    expect(mediaType(' Application/JSON ')).toBe('application/json');
    expect(mediaType('application/x-ndjson;')).toBe('application/x-ndjson');
  });

  it('returns undefined for missing or malformed values', () => {
    for (const value of [undefined, '', 'json', '/json', 'text/', 'text/a b', 'a/b/c', ';charset=utf-8']) {
      expect(mediaType(value), String(value)).toBeUndefined();
    }
  });
});

describe('isSecretHeader', () => {
  it('flags credentials, cookies and account ids, whatever the case', () => {
    for (const name of [
      'Authorization',
      'proxy-authorization',
      'x-api-key',
      'api-key',
      'X-Goog-Api-Key',
      'cookie',
      'set-cookie',
      'openai-organization',
      'x-amz-security-token',
      'x-auth-token',
      'ocp-apim-subscription-key',
      'x-client-secret',
    ]) {
      expect(isSecretHeader(name), name).toBe(true);
    }
  });

  it('lets rate-limit and other public headers through', () => {
    for (const name of [
      'x-ratelimit-remaining-tokens',
      'x-ratelimit-limit-tokens',
      'anthropic-ratelimit-input-tokens-remaining',
      'anthropic-ratelimit-output-tokens-reset',
      'x-litellm-key-spend',
      'idempotency-key',
      'content-type',
      'x-request-id',
      'openai-processing-ms',
      ':authority',
    ]) {
      expect(isSecretHeader(name), name).toBe(false);
    }
  });
});

describe('redactUrl', () => {
  it('redacts credential-carrying query values and keeps the rest as is', () => {
    expect(
      redactUrl(
        'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent?key=AIza123&alt=sse',
      ),
    ).toBe(
      'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent?key=REDACTED&alt=sse',
    );
    expect(redactUrl('/v1/chat?api-version=2024-10-21&api_key=x&apikey=y&access_token=z&sig=s&code=c')).toBe(
      '/v1/chat?api-version=2024-10-21&api_key=REDACTED&apikey=REDACTED&access_token=REDACTED&sig=REDACTED&code=REDACTED',
    );
    expect(redactUrl('https://h/p?X-Amz-Signature=abc&X-Amz-Credential=def&My-Token=1&subscription_key=2&x=3')).toBe(
      'https://h/p?X-Amz-Signature=REDACTED&X-Amz-Credential=REDACTED&My-Token=REDACTED&subscription_key=REDACTED&x=3',
    );
  });

  it('redacts every credential-carrying name, in any case, whether & or ; separates the parameters', () => {
    const names = [
      'key',
      'auth',
      'Authorization',
      'token',
      'id_token',
      'oauth_token',
      'jwt',
      'access_token',
      'api_key',
      'apikey',
      'API-KEY',
      'sig',
      'signature',
      'X-Goog-Signature',
      'password',
      'passwd',
      'pwd',
      'pass',
      'secret',
      'client_secret',
      'credential',
      'session',
      'sessionid',
      'JSESSIONID',
      'cookie',
      'code',
    ];
    for (const name of names) {
      expect(redactUrl(`https://h/p?model=gpt-4o&${name}=s3cr3t&alt=sse`)).toBe(
        `https://h/p?model=gpt-4o&${name}=REDACTED&alt=sse`,
      );
      expect(redactUrl(`https://h/p?model=gpt-4o;${name}=s3cr3t;alt=sse`)).toBe(
        `https://h/p?model=gpt-4o;${name}=REDACTED;alt=sse`,
      );
    }
    expect(redactUrl('/v1/chat?api-version=2024-10-21;AUTH=a&Jwt=b;x=1#k')).toBe(
      '/v1/chat?api-version=2024-10-21;AUTH=REDACTED&Jwt=REDACTED;x=1#k',
    );
    expect(redactUrl('/v1/chat?key=a=b==&x=1')).toBe('/v1/chat?key=REDACTED&x=1');
  });

  it('redacts credential-carrying `;name=value` path parameters (jsessionid and the like), by the same name rules', () => {
    expect(redactUrl('https://h/v1/chat/completions;jsessionid=ABC123')).toBe(
      'https://h/v1/chat/completions;jsessionid=REDACTED',
    );
    expect(redactUrl('/app;JSESSIONID=abc;lang=en/v1/chat;token=t1;sessionid=s2?key=k3&x=1#;token=f')).toBe(
      '/app;JSESSIONID=REDACTED;lang=en/v1/chat;token=REDACTED;sessionid=REDACTED?key=REDACTED&x=1#;token=f',
    );
    expect(redactUrl('https://u:p@h/p;api%5Fkey=s;v=2/q')).toBe(
      'https://REDACTED:REDACTED@h/p;api%5Fkey=REDACTED;v=2/q',
    );
    expect(redactUrl('https://h;token=x/p')).toBe('https://h;token=x/p');
  });

  it('reads a `://` after the path starts as part of the path or query, not as a scheme', () => {
    // A relative URL whose query holds an absolute one: the path's parameters are still the path's.
    expect(redactUrl('/v1/chat;token=t1/completions?next=https://u:p@h/x;sessionid=s2&key=k3')).toBe(
      '/v1/chat;token=REDACTED/completions?next=https://u:p@h/x;sessionid=REDACTED&key=REDACTED',
    );
    expect(redactUrl('/p;jsessionid=abc/x://y')).toBe('/p;jsessionid=REDACTED/x://y');
  });

  it('keeps path parameters that carry no credential, and `;` outside the path', () => {
    for (const url of [
      'https://h/v1/models/gemini;v=2:generateContent;jsessionid',
      'https://h/p?x=1;model=a',
      'https://h/p#;token=x',
      '/deployments/gpt-4o;region=eu/chat/completions',
    ]) {
      expect(redactUrl(url)).toBe(url);
    }
  });

  it('keeps parameters that carry no credential', () => {
    const url = 'https://h/p?model=gpt-4o&alt=sse;stream=true&api-version=2024-10-21&design=a&signal=b&region=eu';
    expect(redactUrl(url)).toBe(url);
  });

  it('judges percent-encoded names decoded, and survives malformed encoding', () => {
    expect(redactUrl('https://h/p?api%5Fkey=1&%E0%A4%A=2&token')).toBe(
      'https://h/p?api%5Fkey=REDACTED&%E0%A4%A=2&token',
    );
  });

  it('redacts userinfo the OpenTelemetry way', () => {
    expect(redactUrl('https://user:pass@relay.example.com:8443/v1/models?key=1')).toBe(
      'https://REDACTED:REDACTED@relay.example.com:8443/v1/models?key=REDACTED',
    );
    expect(redactUrl('http://token@relay.example.com/')).toBe('http://REDACTED@relay.example.com/');
  });

  it('leaves URLs without secrets alone, including an @ or ? outside their place', () => {
    for (const url of [
      'https://api.openai.com/v1/chat/completions',
      'https://h/p?email=a@b.c&model=gpt-4o',
      'https://h/p#frag?key=1',
      '/v1/models',
      'not a url ? at all',
    ]) {
      expect(redactUrl(url)).toBe(url);
    }
  });
});

describe('credentialsOf and echoesCredential', () => {
  /** The credentials of a request as the span gathers them: its secret headers' values, then its URL. */
  const requestCredentials = (headers: unknown, url: string) => credentialsOf(secretHeaderValues(headers), url);

  const key = 'sk-proj-Q7vX2mN9pL4tR8wZ1cK6bH3jYf5';

  it('collects the values of secret headers (without their auth scheme) and of secret query parameters', () => {
    const headers = [
      'content-type',
      'application/json',
      'Authorization',
      `Bearer ${key}`,
      'x-goog-api-key',
      'AIzaSECRET12',
      'X-Trace',
      'visible-value',
    ];
    expect(requestCredentials(headers, 'https://relay.example.com/v1/chat?key=query%2Fsecret1&alt=sse')).toEqual([
      key,
      'AIzaSECRET12',
      'query%2Fsecret1',
      'query/secret1',
      'query_secret1', // the form a label would take
    ]);
    const raw = `Authorization: Bearer ${key}\r\napi-key: azure-secret-9\r\nx-trace: visible-value\r\n`;
    expect(requestCredentials(raw, '/v1/chat?alt=sse;token=semi-colon-1')).toEqual([
      key,
      'azure-secret-9',
      'semi-colon-1',
    ]);
  });

  it('collects the values of secret path parameters too, in a path or a whole URL', () => {
    expect(requestCredentials([], '/v1/chat/completions;jsessionid=SESSION0042;v=2')).toEqual(['SESSION0042']);
    expect(
      requestCredentials([], 'https://relay.example.com/openai/deployments/prod;token=tok%2Fsecret7/chat/completions'),
    ).toEqual(['tok%2Fsecret7', 'tok/secret7', 'tok_secret7']);
    // `;` in the query is a query separator, not a path parameter; a path with `://` in its query is still a path.
    expect(requestCredentials([], '/v1/chat?u=https://x.example/a;auth=query-side-9')).toEqual(['query-side-9']);
  });

  it('says what part of a URL may hold credentials: from its first path parameter or its query on', () => {
    expect(credentialPartOf('/v1/chat/completions')).toBe('');
    expect(credentialPartOf('/v1/chat/completions?key=k1')).toBe('?key=k1');
    expect(credentialPartOf('/v1/chat/completions;jsessionid=s1?alt=sse')).toBe(';jsessionid=s1?alt=sse');
    expect(credentialPartOf('/v1/chat?alt=sse;token=t')).toBe('?alt=sse;token=t');
  });

  it('ignores credentials too short to screen and unknown header shapes', () => {
    expect(requestCredentials(['api-key', 'test'], '/v1/chat?key=x')).toEqual([]);
    expect(requestCredentials(42, '')).toEqual([]);
  });

  it('a text echoes a credential when it holds it whole or any 8-character piece of it', () => {
    expect(echoesCredential(key, [key])).toBe(true);
    expect(echoesCredential(`revoked_${key.slice(9, 17)}`, [key])).toBe(true);
    expect(echoesCredential(key.slice(9, 16), [key])).toBe(false); // 7 characters
    expect(echoesCredential('invalid_request_error', [key])).toBe(false);
    expect(echoesCredential('x_secret9_y', ['secret9'])).toBe(true); // a short credential counts whole
    expect(echoesCredential('anything', [])).toBe(false);
  });
});

describe('requestStartHeaders and resendCountOf', () => {
  it('reads the traceparent and the SDK retry count in one walk, in any case and any header shape', () => {
    const flat = [
      'content-type',
      'application/json',
      'X-Stainless-Retry-Count',
      '2',
      'traceparent',
      '00-aa-bb-01',
      'traceparent',
      '00-cc-dd-01',
    ];
    expect(requestStartHeaders(flat)).toEqual({ retryCount: '2', traceparent: '00-aa-bb-01, 00-cc-dd-01' });
    expect(requestStartHeaders('X-Stainless-Retry-Count: 1\r\nhost: x\r\n')).toEqual({ retryCount: '1' });
    expect(requestStartHeaders(undefined)).toEqual({});
    expect(resendCountOf(requestStartHeaders(flat).retryCount)).toBe(2);
  });

  it("collects the secret headers' values in the same walk, as sent, in order", () => {
    const flat = [
      'Authorization',
      'Bearer sk-1',
      'accept',
      '*/*',
      'X-Api-Key',
      'k-2',
      'Cookie',
      'a=1',
      'x-ratelimit-key',
      'n',
    ];
    expect(requestStartHeaders(flat)).toEqual({ secrets: ['Bearer sk-1', 'k-2', 'a=1'] });
    // What each position held is remembered: the same names again, or others in their places.
    expect(requestStartHeaders(flat)).toEqual({ secrets: ['Bearer sk-1', 'k-2', 'a=1'] });
    expect(
      requestStartHeaders(['accept', '*/*', 'Authorization', 'Bearer sk-2', 'traceparent', '00-aa-bb-01']),
    ).toEqual({
      secrets: ['Bearer sk-2'],
      traceparent: '00-aa-bb-01',
    });
    expect(requestStartHeaders(flat)).toEqual({ secrets: ['Bearer sk-1', 'k-2', 'a=1'] });
    expect(requestStartHeaders([Buffer.from('api-key'), Buffer.from('k-4'), 'cookie', ['a=2', 'b=3']])).toEqual({
      secrets: ['k-4', 'a=2', 'b=3'],
    });
    expect(requestStartHeaders('api-key: k-3\r\ntraceparent: 00-aa-bb-01\r\n')).toEqual({
      secrets: ['k-3'],
      traceparent: '00-aa-bb-01',
    });
  });

  it('is a count above 0 only: a first attempt, junk or a repeated header give nothing', () => {
    expect(resendCountOf(undefined)).toBeUndefined();
    expect(resendCountOf('0')).toBeUndefined();
    expect(resendCountOf('-1')).toBeUndefined();
    expect(resendCountOf('1.5')).toBeUndefined();
    expect(resendCountOf('1, 2')).toBeUndefined();
    expect(resendCountOf('9999999')).toBeUndefined();
    expect(resendCountOf(' 3 ')).toBe(3);
  });
});
