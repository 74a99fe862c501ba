// The Anthropic SDK against the relay's Messages route, streaming:
//   RELAY_URL=http://127.0.0.1:8787 node --import otel-llm-relay/register examples/sdk-clients/anthropic-streaming.mjs
import Anthropic from '@anthropic-ai/sdk';

const client = new Anthropic({
  baseURL: process.env.RELAY_URL ?? 'http://127.0.0.1:8787',
  apiKey: process.env.RELAY_API_KEY ?? 'sk-ant-demo',
});
const stream = client.messages.stream({
  model: 'claude-sonnet-4.5',
  max_tokens: 64,
  messages: [{ role: 'user', content: 'Can I return shoes bought during the sale?' }],
});
stream.on('text', text => process.stdout.write(text));
await stream.finalMessage();
process.stdout.write('\n');
