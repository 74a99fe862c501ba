// A minimal OpenAI-compatible streaming relay for the load test, run as a child process: every
// POST gets a short chat-completion stream (three output chunks, finish, usage, [DONE]) in two
// socket writes, with rate-limit headers. Prints its URL on the first line of stdout.
// The full simulator spends ~4 ms per streamed call on its per-frame pacing; this one ~0.5 ms.
import { createServer } from 'node:http';

const chunk = (choices, extra = {}) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-load', object: 'chat.completion.chunk', created: 1, model: 'gpt-4.1-2025-04-14', choices, ...extra })}\n\n`;
const FIRST =
  chunk([{ index: 0, delta: { role: 'assistant', content: 'On' }, finish_reason: null }]) +
  chunk([{ index: 0, delta: { content: ' its' }, finish_reason: null }]);
const REST =
  chunk([{ index: 0, delta: { content: ' way' }, finish_reason: null }]) +
  chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]) +
  chunk([], { usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 } }) +
  'data: [DONE]\n\n';
const HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-ratelimit-limit-requests': '5000',
  'x-ratelimit-remaining-requests': '4999',
  'x-ratelimit-limit-tokens': '4000000',
  'x-ratelimit-remaining-tokens': '3999988',
};

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, HEADERS);
    res.write(FIRST);
    setImmediate(() => res.end(REST));
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`http://127.0.0.1:${server.address().port}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
