// The undici package's request(): it does not decode content-encoding, so the caller gets compressed bytes.
import { gunzipSync } from 'node:zlib';
import { request } from 'undici';
import { CUT, defineReplaySuite, GZIP_WHOLE } from '../support/fixture-replay-suite';
import type { ReplayClient } from '../support/fixture-replay-suite';

const undiciClient: ReplayClient = async (url, init) => {
  const response = await request(url, { method: 'POST', ...init });
  const raw = Buffer.from(await response.body.arrayBuffer());
  return response.headers['content-encoding'] === 'gzip' && raw.length > 0 ? gunzipSync(raw) : raw;
};

defineReplaySuite('undici.request', undiciClient, [GZIP_WHOLE, CUT]);
