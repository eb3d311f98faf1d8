// Long fuzz runs: every target of test/fuzz for a duration each (default 60 s; `npm run bench --
// fuzz 600` or FUZZ_MS), from FUZZ_SEED (default fresh, printed). Prints inputs and inputs/s per
// target, any failure with the line that replays it, then one JSON line. Exit 1 when a target failed.
import { runTarget, seedFromEnv } from '../test/fuzz/harness.js';
import { TARGETS } from '../test/fuzz/targets/index.js';

async function main(): Promise<void> {
  const arg = process.argv[2];
  const seconds = arg !== undefined ? Number(arg) : process.env.FUZZ_MS ? Number(process.env.FUZZ_MS) / 1000 : 60;
  if (!(seconds > 0)) throw new Error(`duration: "${arg}" is not a number of seconds per target`);
  const seed = seedFromEnv();
  const only = process.env.FUZZ_TARGET;
  console.log(`fuzz: ${seconds} s per target, seed ${seed} (FUZZ_SEED=${seed} reproduces)`);
  console.log('target    inputs      inputs/s  result');
  const rows: Array<{ target: string; inputs: number; per_s: number; ok: boolean }> = [];
  for (const t of TARGETS) {
    if (only && only !== t.name) continue;
    const r = await runTarget(t, { timeMs: seconds * 1000, seed });
    const perS = r.runs / (r.ms / 1000);
    rows.push({ target: t.name, inputs: r.runs, per_s: Math.round(perS), ok: !r.failure });
    console.log(`${t.name.padEnd(8)} ${String(r.runs).padStart(8)} ${perS.toFixed(0).padStart(12)}  ${r.failure ? 'FAILED' : 'ok'}`);
    if (r.failure) console.log(r.failure);
  }
  const total = rows.reduce((a, r) => a + r.inputs, 0);
  const failed = rows.filter((r) => !r.ok).map((r) => r.target);
  console.log(JSON.stringify({ bench: 'fuzz', unit: 'inputs', value: total, baseline: 'none (no crash, no hang, every rejection names where)', baseline_value: null, ratio: null, seed, seconds_per_target: seconds, failed, targets: rows }));
  if (failed.length > 0) process.exitCode = 1;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
