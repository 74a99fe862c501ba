// An ordinary ESM app that calls an OpenAI-compatible relay with Node's global fetch.
// It knows nothing about OpenTelemetry; run it under the register hook to get spans and metrics:
//   RELAY_URL=http://127.0.0.1:8787 node --import otel-llm-relay/register examples/zero-code/chat-app.mjs
const relay = process.env.RELAY_URL ?? 'http://127.0.0.1:8787';
const headers = {
  'content-type': 'application/json',
  authorization: `Bearer ${process.env.RELAY_API_KEY ?? 'sk-demo'}`,
};

const reply = await fetch(`${relay}/v1/chat/completions`, {
  method: 'POST',
  headers,
  body: JSON.stringify({
    model: 'gpt-4.1',
    messages: [{ role: 'user', content: 'Where is my order?' }],
    max_tokens: 64,
  }),
});
const completion = await reply.json();
console.log('chat:', completion.choices?.[0]?.message?.content);

const stream = await fetch(`${relay}/v1/chat/completions`, {
  method: 'POST',
  headers,
  body: JSON.stringify({
    model: 'deepseek-v3.2',
    stream: true,
    stream_options: { include_usage: true },
    messages: [{ role: 'user', content: 'Write a haiku about parcels.' }],
  }),
});
let streamed = 0;
for await (const chunk of stream.body) streamed += chunk.length;
console.log('stream bytes:', streamed);
