// The Vercel AI SDK with its OpenAI provider pointed at the relay, streaming:
//   RELAY_URL=http://127.0.0.1:8787 node --import otel-llm-relay/register examples/sdk-clients/vercel-ai-streaming.mjs
import { createOpenAI } from '@ai-sdk/openai';
import { streamText } from 'ai';

const relay = createOpenAI({
  baseURL: `${process.env.RELAY_URL ?? 'http://127.0.0.1:8787'}/v1`,
  apiKey: process.env.RELAY_API_KEY ?? 'sk-demo',
});
const result = streamText({
  model: relay.chat('deepseek-v3.2'),
  prompt: 'Do you ship to Hangzhou before the weekend?',
});
for await (const text of result.textStream) process.stdout.write(text);
process.stdout.write('\n');
