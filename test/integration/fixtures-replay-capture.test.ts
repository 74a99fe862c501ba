// Every recorded exchange with content capture on: the captured messages, system instructions and
// tool definitions validate against the GenAI conventions' JSON schemas (test/support/genai-schema.ts).
import { CUT, defineReplaySuite, fetchClient, WHOLE } from '../support/fixture-replay-suite';

defineReplaySuite('global fetch, content capture on', fetchClient, [WHOLE, CUT], { captureMessageContent: true });
