// Node's global fetch, with the undici package never loaded in this process (see fixture-replay-suite.ts).
import { CUT, defineReplaySuite, fetchClient, GZIP_CUT, GZIP_WHOLE, WHOLE } from '../support/fixture-replay-suite';

defineReplaySuite('global fetch', fetchClient, [WHOLE, GZIP_WHOLE, CUT, GZIP_CUT]);
