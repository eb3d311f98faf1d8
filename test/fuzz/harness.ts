// The fuzz harness shared by the mocha suite (test/fuzz, a few seconds per target) and the long
// runs of bench/fuzz: every target is a fast-check property run for a time budget from one seed.
//
//   FUZZ_MS=20000 FUZZ_SEED=12345 mocha --no-config 'dist/test/fuzz/**/*.test.js'
//
// On failure the message carries the seed and the counterexample path, and the line to rerun it:
//   FUZZ_SEED=<seed> FUZZ_PATH=<path> FUZZ_TARGET=<name> ...
// Hangs: a synchronous input cannot be interrupted, so every call is timed and an input that takes
// longer than HANG_MS fails the property (a loop that never ends shows up as the run never ending,
// and the mocha timeout names the target). Async properties also get fast-check's per-run timeout.
import fc from 'fast-check';

/** longest a single input may take (ms) before it counts as a hang */
export const HANG_MS = Number(process.env.FUZZ_HANG_MS ?? 2000);

export interface FuzzTarget<C = unknown> {
  name: string;
  /** what the target feeds and to what, one line */
  what: string;
  setup?(): Promise<C> | C;
  teardown?(ctx: C): Promise<void> | void;
  property(ctx: C): fc.IRawProperty<unknown, boolean>;
}

export interface FuzzRun {
  name: string;
  seed: number;
  runs: number;
  skipped: number;
  ms: number;
  interrupted: boolean;
  /** the report of fast-check with the counterexample, seed and path; undefined when it held */
  failure?: string;
}

/** Defines a target with the type of its context checked (the registry keeps them untyped). */
export function target<C>(t: FuzzTarget<C>): FuzzTarget<unknown> {
  return t as unknown as FuzzTarget<unknown>;
}

export function seedFromEnv(): number {
  const s = process.env.FUZZ_SEED;
  if (s !== undefined && s !== '') {
    const n = Number(s);
    if (!Number.isInteger(n)) throw new Error(`FUZZ_SEED: "${s}" is not an integer`);
    return n | 0;
  }
  return (Date.now() ^ (process.pid << 16)) | 0;
}

/** Runs fn and fails when one input took longer than HANG_MS. */
export function timed<T>(what: string, fn: () => T): T {
  const t0 = performance.now();
  const out = fn();
  const ms = performance.now() - t0;
  if (ms > HANG_MS) throw new Error(`hang: ${what} took ${ms.toFixed(0)} ms (limit ${HANG_MS} ms)`);
  return out;
}

export async function timedAsync<T>(what: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const out = await fn();
  const ms = performance.now() - t0;
  if (ms > HANG_MS) throw new Error(`hang: ${what} took ${ms.toFixed(0)} ms (limit ${HANG_MS} ms)`);
  return out;
}

/** Runs one target for timeMs from seed (and replays a counterexample path when given). */
export async function runTarget(t: FuzzTarget<unknown>, opts: { timeMs: number; seed: number; path?: string; maxRuns?: number }): Promise<FuzzRun> {
  const ctx = t.setup ? await t.setup() : undefined;
  const t0 = performance.now();
  try {
    const details = await fc.check(t.property(ctx), {
      seed: opts.seed,
      ...(opts.path ? { path: opts.path } : {}),
      numRuns: opts.maxRuns ?? 2_000_000_000,
      interruptAfterTimeLimit: opts.timeMs,
      markInterruptAsFailure: false,
      timeout: HANG_MS,
    });
    const ms = performance.now() - t0;
    const run: FuzzRun = { name: t.name, seed: opts.seed, runs: details.numRuns, skipped: details.numSkips, ms, interrupted: details.interrupted };
    if (details.failed) {
      // long counterexamples (a 5 kB garbage line) are cut so the report stays readable
      const report = (fc.defaultReportMessage(details) ?? 'failed').split('\n').map((l) => (l.length > 1500 ? `${l.slice(0, 1500)}... (${l.length} chars)` : l)).join('\n');
      const err = details.errorInstance instanceof Error ? (details.errorInstance.stack ?? details.errorInstance.message) : String(details.errorInstance);
      run.failure = `${t.name}: ${report}\nerror: ${err}\nreproduce: FUZZ_SEED=${details.seed} FUZZ_PATH=${details.counterexamplePath ?? ''} FUZZ_TARGET=${t.name} mocha --no-config --timeout 120000 'dist/test/fuzz/**/*.test.js'`;
    }
    return run;
  } finally {
    if (t.teardown) await t.teardown(ctx as never);
  }
}

// --- generators shared by the targets -----------------------------------------------------------

/** Text mutations of a seed string: delete, duplicate, insert a token or a byte, swap two lines. */
export interface Mutation {
  op: 'delete' | 'dup' | 'insert' | 'byte' | 'swap' | 'truncate';
  at: number;
  len: number;
  token: string;
}

export function mutationArb(tokens: readonly string[]): fc.Arbitrary<Mutation> {
  return fc.record({
    op: fc.constantFrom<Mutation['op']>('delete', 'dup', 'insert', 'insert', 'byte', 'swap', 'truncate'),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    len: fc.integer({ min: 1, max: 40 }),
    token: fc.oneof(fc.constantFrom(...tokens), fc.string({ maxLength: 6 }), fc.string({ unit: 'binary', maxLength: 3 })),
  });
}

export function mutate(text: string, muts: readonly Mutation[]): string {
  let s = text;
  for (const m of muts) {
    const at = Math.min(s.length, Math.floor(m.at * (s.length + 1)));
    switch (m.op) {
      case 'delete':
        s = s.slice(0, at) + s.slice(at + m.len);
        break;
      case 'dup':
        s = s.slice(0, at + m.len) + s.slice(at, at + m.len) + s.slice(at + m.len);
        break;
      case 'insert':
        s = s.slice(0, at) + m.token + s.slice(at);
        break;
      case 'byte':
        s = s.slice(0, at) + String.fromCharCode((m.len * 37 + m.token.length * 11) & 0xff) + s.slice(at + 1);
        break;
      case 'swap': {
        const lines = s.split('\n');
        const i = Math.min(lines.length - 1, Math.floor(m.at * lines.length));
        const j = (i + m.len) % lines.length;
        const a = lines[i]!;
        lines[i] = lines[j]!;
        lines[j] = a;
        s = lines.join('\n');
        break;
      }
      case 'truncate':
        s = s.slice(0, at);
        break;
    }
  }
  return s;
}

/** A JSON-ish value of any shape, leaning to the types config and bodies actually carry. */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('', ' ', 'max', 'yes', 'no', 'true', '0', '-1', '1e400', 'NaN', '0x7DF', '2024-02-30', '2025-01-01', '__proto__', 'constructor', '${VAR}')) },
  { weight: 3, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -0, 1, -1, 1e308, Number.MAX_SAFE_INTEGER)) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);
