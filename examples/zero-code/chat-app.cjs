// The same app as chat-app.mjs, written as CommonJS and using the undici package instead of fetch:
//   RELAY_URL=http://127.0.0.1:8787 node --import otel-llm-relay/register examples/zero-code/chat-app.cjs
const { request } = require('undici');

const relay = process.env.RELAY_URL ?? 'http://127.0.0.1:8787';

async function main() {
  const { body } = await request(`${relay}/v1/messages`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-api-key': process.env.RELAY_API_KEY ?? 'sk-demo',
      'anthropic-version': '2023-06-01',
    },
    body: JSON.stringify({
      model: 'claude-sonnet-4.5',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'Hello' }],
    }),
  });
  const message = await body.json();
  console.log('messages:', message.content?.[0]?.text);

  const gemini = await request(`${relay}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-goog-api-key': process.env.RELAY_API_KEY ?? 'demo-key' },
    body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Track parcel 42' }] }] }),
  });
  let bytes = 0;
  for await (const chunk of gemini.body) bytes += chunk.length;
  console.log('gemini stream bytes:', bytes);
}

main().catch(err => {
  console.error(err);
  process.exitCode = 1;
});
