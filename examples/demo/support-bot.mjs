// A stand-in for an e-commerce customer-service backend: it answers customer questions through a
// relay with four models, the way the teams behind this project do: the OpenAI-compatible route for
// three of them, the relay's Anthropic Messages route (with Anthropic's SDK) for Claude. It knows
// nothing about OpenTelemetry. Run it under the register hook to observe it:
//   RELAY_URL=http://127.0.0.1:8787 node --import otel-llm-relay/register examples/demo/support-bot.mjs
// It keeps serving traffic until it gets SIGTERM/SIGINT (or BOT_DURATION_MS passes).
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';

const relayUrl = process.env.RELAY_URL ?? 'http://127.0.0.1:8787';
const apiKey = process.env.RELAY_API_KEY ?? 'sk-demo-key';
const client = new OpenAI({ baseURL: `${relayUrl}/v1`, apiKey, maxRetries: 1, timeout: 30_000 });
const claude = new Anthropic({ baseURL: relayUrl, apiKey, maxRetries: 1, timeout: 30_000 });

// Routine questions go to DeepSeek, peak overflow to Gemini Flash, hard cases to GPT-4.1, night shift to Claude.
const ROUTES = [
  { model: 'deepseek-v3.2', share: 0.5, stream: true },
  { model: 'gemini-2.5-flash', share: 0.25, stream: true },
  { model: 'gpt-4.1', share: 0.15, stream: false },
  { model: 'claude-sonnet-4.5', share: 0.1, stream: true, anthropic: true },
];
const SYSTEM = 'You are a helpful customer-service agent for an online shop.';
const QUESTIONS = [
  'Where is my order #A1024?',
  'Can I return shoes bought during the sale?',
  'The coupon SALE50 does not apply at checkout, why?',
  'My parcel shows delivered but I have nothing.',
  'Do you ship to Hangzhou before the weekend?',
];

let stopping = false;
let served = 0;
let failed = 0;

function pickRoute() {
  let r = Math.random();
  for (const route of ROUTES) {
    if ((r -= route.share) <= 0) return route;
  }
  return ROUTES[0];
}

async function answer() {
  const route = pickRoute();
  const question = QUESTIONS[Math.floor(Math.random() * QUESTIONS.length)];
  const messages = [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: question },
  ];
  try {
    if (route.anthropic) {
      const stream = await claude.messages.create({
        model: route.model,
        system: SYSTEM,
        messages: [{ role: 'user', content: question }],
        max_tokens: 120,
        stream: true,
      });
      for await (const _event of stream) {
        // a real bot would forward each text delta to the customer's chat window
      }
    } else if (route.stream) {
      const stream = await client.chat.completions.create({
        model: route.model,
        messages,
        max_tokens: 120,
        stream: true,
        stream_options: { include_usage: true },
      });
      for await (const _chunk of stream) {
        // a real bot would forward each delta to the customer's chat window
      }
    } else {
      await client.chat.completions.create({ model: route.model, messages, max_tokens: 200 });
    }
    served++;
  } catch {
    failed++;
  }
}

async function worker() {
  while (!stopping) {
    await answer();
    await new Promise(resolve => setTimeout(resolve, 20 + Math.random() * 60));
  }
}

for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => (stopping = true));
const duration = Number(process.env.BOT_DURATION_MS ?? 0);
if (duration > 0) setTimeout(() => (stopping = true), duration);

const workers = Number(process.env.BOT_CONCURRENCY ?? 4);
await Promise.all(Array.from({ length: workers }, worker));
console.log(`support-bot: answered ${served} questions, ${failed} failed`);
