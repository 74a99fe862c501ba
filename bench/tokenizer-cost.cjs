// What counting one answer's tokens exactly would cost (docs/integrity.md, "Exact token counts").
// Not part of `npm run bench`: the tokenizers are not dependencies of this package.
//
//   mkdir /tmp/tok && cd /tmp/tok && npm install js-tiktoken@1.0.21 gpt-tokenizer@4.0.0
//   NODE_PATH=/tmp/tok/node_modules node --expose-gc bench/tokenizer-cost.cjs gpt-tokenizer 2000
//   # instructions: the difference between 0 and 200 encodes, over 200
//   NODE_PATH=… valgrind --tool=callgrind --smc-check=all-non-file --callgrind-out-file=/dev/null \
//     node bench/tokenizer-cost.cjs gpt-tokenizer 0      (then … 200)
//
// Prints the answer's size, its token count, the tokenizer's load time and heap, and the time per
// answer once warm.
const which = process.argv[2] ?? 'none';
const n = Number(process.argv[3] ?? 2000);
// A typical customer-service chat answer: about 1,200 characters, 240 tokens.
const answer = [
  'Your order 12345 left our warehouse on Monday and is with the carrier now. ',
  'Tracking pages often lag a day or two behind the parcel itself, so no update since Monday is normal. ',
  'If nothing changes by Thursday, reply here with your postcode and we will open an investigation with the carrier; ',
  'you will get a replacement or a refund, whichever you prefer. Is there anything else I can help with?\n',
]
  .join('')
  .repeat(3);

const memory = () => process.memoryUsage().heapUsed + process.memoryUsage().external;
const before = memory();
let started = process.hrtime.bigint();
let count;
if (which === 'js-tiktoken') {
  const { Tiktoken } = require('js-tiktoken/lite');
  const o200k = require('js-tiktoken/ranks/o200k_base');
  const encoding = new Tiktoken(o200k.default ?? o200k);
  count = text => encoding.encode(text).length;
} else if (which === 'gpt-tokenizer') {
  count = require('gpt-tokenizer/cjs/encoding/o200k_base').countTokens;
} else {
  count = text => text.length;
}
count('warm up');
const loadMs = Number(process.hrtime.bigint() - started) / 1e6;
globalThis.gc?.();
const heapMiB = (memory() - before) / 2 ** 20;
let sink = 0;
for (let i = 0; i < 200; i++) sink += count(answer + i);
started = process.hrtime.bigint();
for (let i = 0; i < n; i++) sink += count(answer + i);
const usPerAnswer = n > 0 ? Number(process.hrtime.bigint() - started) / n / 1e3 : 0;
console.log(
  JSON.stringify({
    which,
    characters: answer.length,
    tokens: count(answer),
    loadMs: +loadMs.toFixed(1),
    heapMiB: +heapMiB.toFixed(1),
    usPerAnswer: +usPerAnswer.toFixed(1),
    sink,
  }),
);
