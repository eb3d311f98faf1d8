// The fuzz suite in CI: every target for FUZZ_MS (default 8 s; the whole suite stays under a
// minute), from FUZZ_SEED (default: a fresh seed, printed). A failure prints the seed, the
// counterexample and the command that replays it (FUZZ_SEED, FUZZ_PATH, FUZZ_TARGET). Longer runs:
// `npm run bench -- fuzz 600` (bench/fuzz.ts).
import assert from 'node:assert/strict';
import { runTarget, seedFromEnv } from './harness.js';
import { TARGETS } from './targets/index.js';

const TIME_MS = Number(process.env.FUZZ_MS ?? 8000);
const ONLY = process.env.FUZZ_TARGET;

describe('fuzz: no crash, no hang, every rejection names where', function () {
  this.timeout(TIME_MS * 3 + 60_000);
  const seed = seedFromEnv();
  before(() => console.log(`      fuzz seed ${seed} (FUZZ_SEED=${seed} reproduces), ${TIME_MS} ms per target`));
  for (const t of TARGETS) {
    if (ONLY && ONLY !== t.name) continue;
    it(`${t.name}: ${t.what}`, async () => {
      const run = await runTarget(t, { timeMs: TIME_MS, seed, ...(process.env.FUZZ_PATH ? { path: process.env.FUZZ_PATH } : {}) });
      console.log(`        ${run.runs} inputs in ${(run.ms / 1000).toFixed(1)} s`);
      if (run.failure) assert.fail(run.failure);
      assert.ok(run.runs > 0, 'no input was tried');
    });
  }
});
