// The openai SDK against the relay, streaming with usage; nothing OpenTelemetry-specific in it:
//   RELAY_URL=http://127.0.0.1:8787 node --import otel-llm-relay/register examples/sdk-clients/openai-streaming.mjs
import OpenAI from 'openai';

const client = new OpenAI({
  baseURL: `${process.env.RELAY_URL ?? 'http://127.0.0.1:8787'}/v1`,
  apiKey: process.env.RELAY_API_KEY ?? 'sk-demo',
});
const stream = await client.chat.completions.create({
  model: 'gpt-4.1',
  messages: [{ role: 'user', content: 'Summarise order #A1024 in one line.' }],
  stream: true,
  stream_options: { include_usage: true },
});
let text = '';
for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
console.log(text);
