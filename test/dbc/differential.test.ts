// Differential test: ubi-edge's compiled decoders against an independent decoder, Debian's
// python3-canmatrix (run with /usr/bin/python3, never the pyenv python on PATH), on the same frames of
// every message of every shared DBC. Frames come from a seeded PRNG and exercise both byte orders,
// sign bits (every signal's MSB alone, and all but the MSB), every multiplexer branch (including
// cascaded switches) and the full CAN FD lengths. Integers must agree exactly (raw values, as BigInt);
// physical values to 1e-9 relative (canmatrix computes raw * factor + offset in exact decimal
// arithmetic, ubi-edge in float64 — see closeEnough for the one allowance made near zero).
//
// canmatrix's startup (import ~0.3-0.6 s) times 92 files would dominate the run, so a small pool of
// long-lived canmatrix processes takes one DBC per request, all of that DBC's frames in one JSON batch.
//
// Seed: UBI_EDGE_DIFF_SEED (default below); every failure message carries it.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { loadDbcSync, rawBigInt, type Database, type Message, type Signal } from '../../edge/dbc/index.js';
import { FIXTURES } from './helpers.js';
import { rng } from '../support/rng.js';

const SEED = Number(process.env.UBI_EDGE_DIFF_SEED ?? 0x5eed2024) >>> 0;
const PYTHON = '/usr/bin/python3';
const SCRIPT = path.resolve(__dirname, '../../../test/dbc/canmatrix_decode.py');
const WORKERS = 2;
const RANDOM_FRAMES = 12;

/** Where canmatrix 0.9.5 itself is wrong, per file, message and signal: signals that ubi-edge decodes
 * (as cantools does) and canmatrix never reaches. Values of every signal both decode are still compared. */
const CANMATRIX_BLIND: Array<{ file: string; message: string; signals: string[]; why: string }> = [
  ...[
    ['cantools/multiplex.dbc', 'Message1'],
    ['cantools/multiplex_choices.dbc', 'Message1'],
    ['cantools/multiplex_choices.dbc', 'Message2'],
  ].map(([file, message]) => ({
    file: file!,
    message: message!,
    signals: ['BIT_A', 'BIT_B', 'BIT_D', 'BIT_E', 'BIT_F', 'BIT_H', 'BIT_K'],
    why:
      'the message has SG_MUL_VAL_ lines, so canmatrix takes its "complex multiplexing" path, which only selects ' +
      'signals named in SG_MUL_VAL_; these are multiplexed by their m24 indicator alone and are never decoded ' +
      '(cantools decodes them with Multiplexor = 24, see its test_multiplex)',
  })),
  {
    file: 'cantools/issue_184_extended_mux_multiple_values.dbc',
    message: 'ext_MUX_multiple_values',
    signals: ['muxed_1', 'muxed_2'],
    why: 'same as multiplex.dbc: m1/m2 indicators without SG_MUL_VAL_ lines in a message that has one',
  },
  ...['cantools/issue_184_extended_mux_independent_multiplexors.dbc', 'cantools/issue_184_extended_mux_independent_multiplexors_dumped.dbc'].map((file) => ({
    file,
    message: 'ext_MUX_indep_multiplexors',
    signals: ['MUX_A', 'muxed_A_0', 'muxed_A_1'],
    why: 'two independent top-level switches (MUX_A, MUX_B); canmatrix follows one chain of switches from the first one it finds (MUX_B) and drops the other switch and its signals',
  })),
  ...['cantools/multiplex_2.dbc', 'cantools/multiplex_2_dumped.dbc'].map((file) => ({
    file,
    message: 'Extended',
    signals: ['S0', 'S1', 'S2', 'S3', 'S4', 'S5'],
    why: 'two top-level switches (S0 and S6); canmatrix follows only the S6 chain, so S0 and the S1 chain below it are never decoded',
  })),
];

/**
 * Two rules, each tied to a precise condition rather than a file list:
 * - A message whose id cannot be a CAN id (a standard id over 11 bits, an extended one over 29: what
 *   cantools' strict load rejects; issue_199*.dbc and 10 messages of opendbc/toyota_2017_ref_pt.dbc) is not
 *   compared: canmatrix refuses it on load (ArbitrationIdOutOfRange, "error with line no") and then
 *   attaches its SG_ lines to the message before it; so for that previous message, signals that canmatrix
 *   reports and that belong to the refused message(s) are accepted as "canmatrix only", and where those
 *   stray signals lie beyond the previous message's length (toyota_2017_ref_pt.dbc FWM1S01) canmatrix's
 *   decode raises and that message cannot be compared.
 * - A message with a signal outside its length (bad_message_length.dbc) is not compared: canmatrix's
 *   decode raises on the empty bit string; ubi-edge decodes the signals that fit and gives NaN for the rest.
 */
function notComparable(m: Message): string | undefined {
  if (!m.idValid) return 'id wider than its frame format allows';
  if (m.signals.some((s) => s.bytesNeeded > m.length)) return 'a signal lies outside the message';
  return undefined;
}

type CmSignal = [string, string];
type CmFrame = Record<string, CmSignal> | { error: string };
interface CmMessage {
  frames?: CmFrame[];
  error?: string;
}
interface CmReply {
  messages?: CmMessage[];
  error?: string;
}


function seedFor(file: string): number {
  let h = SEED;
  for (let i = 0; i < file.length; i++) h = Math.imul(h ^ file.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Writes a raw value into the signal's bits (test-local; independent of the encoder). */
function putRaw(s: Signal, bytes: Uint8Array, raw: bigint): void {
  const u = BigInt.asUintN(s.length, raw);
  for (const g of s.segments) {
    if (g.byte >= bytes.length) continue;
    const mask = ((1 << g.width) - 1) << g.shift;
    const bits = Number((u >> BigInt(g.pos)) & BigInt((1 << g.width) - 1));
    bytes[g.byte] = (bytes[g.byte]! & ~mask) | (bits << g.shift);
  }
}

/** Frames for one message: patterns, random payloads, and one per multiplexer branch. */
function framesFor(m: Message, rnd: () => number): Uint8Array[] {
  const n = m.length;
  const random = (): Uint8Array => Uint8Array.from({ length: n }, () => Math.floor(rnd() * 256));
  const frames: Uint8Array[] = [new Uint8Array(n), new Uint8Array(n).fill(0xff)];
  const ints = m.signals.filter((s) => s.valueType === 'integer' && s.length > 0 && s.bytesNeeded <= n);
  const msbOnly = new Uint8Array(n);
  const allButMsb = new Uint8Array(n);
  for (const s of ints) putRaw(s, msbOnly, 1n << BigInt(s.length - 1));
  for (const s of ints) putRaw(s, allButMsb, (1n << BigInt(s.length - 1)) - 1n);
  frames.push(msbOnly, allButMsb);
  for (let k = 0; k < RANDOM_FRAMES; k++) frames.push(random());
  // every multiplexer branch: force the switch (and the switches above it) to a selecting value
  const byName = new Map(m.signals.map((s) => [s.name, s]));
  const select = (s: Signal, bytes: Uint8Array, depth: number): void => {
    if (depth > 8 || s.multiplexer === undefined || s.multiplexerRanges === undefined) return;
    const sw = byName.get(s.multiplexer);
    if (sw === undefined) return;
    const [a, b] = s.multiplexerRanges[Math.floor(rnd() * s.multiplexerRanges.length)]!;
    putRaw(sw, bytes, BigInt(a + Math.floor(rnd() * Math.min(b - a + 1, 1e6))));
    select(sw, bytes, depth + 1);
  };
  for (const s of m.signals) {
    if (s.multiplexer === undefined) continue;
    const f = random();
    select(s, f, 0);
    frames.push(f);
  }
  for (const sw of m.signals.filter((s) => s.isMultiplexer)) {
    // a switch value that selects nothing, if there is one
    const used = m.signals.filter((s) => s.multiplexer === sw.name).flatMap((s) => s.multiplexerRanges ?? []);
    for (let v = 0; v < Math.min(2 ** sw.length, 512); v++) {
      if (!used.some(([a, b]) => v >= a && v <= b)) {
        const f = random();
        putRaw(sw, f, BigInt(v));
        select(sw, f, 0);
        frames.push(f);
        break;
      }
    }
  }
  return frames;
}

// --- canmatrix worker pool ------------------------------------------------------------------------
class CanmatrixPool {
  private readonly procs: Array<{ p: ChildProcessWithoutNullStreams; waiting: Array<(line: string) => void>; stderr: string }> = [];
  private next = 0;
  constructor(n: number) {
    for (let i = 0; i < n; i++) {
      const p = spawn(PYTHON, ['-I', SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'], cwd: '/' });
      const w = { p, waiting: [] as Array<(line: string) => void>, stderr: '' };
      createInterface({ input: p.stdout }).on('line', (line) => w.waiting.shift()?.(line));
      p.stderr.on('data', (d: Buffer) => (w.stderr += d.toString()));
      p.on('exit', (code) => {
        for (const f of w.waiting.splice(0)) f(JSON.stringify({ error: `canmatrix worker exited (${code}): ${w.stderr.slice(-2000)}` }));
      });
      this.procs.push(w);
    }
  }
  request(req: unknown): Promise<CmReply> {
    const w = this.procs[this.next++ % this.procs.length]!;
    return new Promise((resolve) => {
      w.waiting.push((line) => resolve(JSON.parse(line) as CmReply));
      w.p.stdin.write(JSON.stringify(req) + '\n');
    });
  }
  close(): void {
    for (const w of this.procs) w.p.stdin.end();
  }
}

// --- comparison -----------------------------------------------------------------------------------
/** 1e-9 relative to the larger magnitude. Near zero, where raw * factor + offset cancels (offset -40,
 * factor 0.1, raw 400), float64 leaves ~1e-15 absolute that no relative test can accept, so the
 * magnitude is floored at the signal's resolution |factor| (and 1). */
function closeEnough(a: number, b: number, s: Signal): boolean {
  if (Object.is(a, b) || a === b) return true;
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  const scale = Math.max(Math.abs(a), Math.abs(b), Math.abs(s.factor), s.valueType === 'integer' ? 0 : 1);
  return Math.abs(a - b) <= 1e-9 * scale;
}

interface FileResult {
  frames: number;
  signals: number;
  disagreements: string[];
  error?: string;
}

function dbcFiles(): string[] {
  return ['cantools', 'j1939', 'opendbc'].flatMap((d) =>
    readdirSync(path.join(FIXTURES, d))
      .filter((f) => /\.dbc$/i.test(f))
      .map((f) => `${d}/${f}`),
  );
}

async function runFile(pool: CanmatrixPool, rel: string): Promise<FileResult> {
  const db: Database = loadDbcSync(path.join(FIXTURES, rel), { strict: false });
  const rnd = rng(seedFor(rel));
  const seen = new Map<string, number>();
  const plan = db.messages
    .map((m) => {
      const nth = seen.get(m.name) ?? 0;
      seen.set(m.name, nth + 1);
      return { m, nth, frames: m.length > 0 && m.signals.length > 0 ? framesFor(m, rnd) : [] };
    })
    .filter((x) => x.frames.length > 0);
  const result: FileResult = { frames: 0, signals: 0, disagreements: [] };
  if (plan.length === 0) return result;
  const reply = await pool.request({
    file: path.join(FIXTURES, rel),
    messages: plan.map((x) => ({ name: x.m.name, nth: x.nth, frames: x.frames.map(hexOf) })),
  });
  if (reply.error !== undefined) return { ...result, error: reply.error };
  const where = (m: Message, frame: Uint8Array): string => `seed=${SEED} file=${rel} message=${m.name} (id 0x${m.id.toString(16)}${m.extended ? ' ext' : ''}) frame=${hexOf(frame)}`;
  // signals canmatrix wrongly attaches to the message before a message it refuses (see notComparable)
  const strays = new Map<Message, Set<string>>();
  db.messages.forEach((m, i) => {
    if (m.idValid || i === 0) return;
    let j = i - 1;
    while (j > 0 && !db.messages[j]!.idValid) j--;
    const set = strays.get(db.messages[j]!) ?? new Set<string>();
    for (const s of m.signals) set.add(s.name);
    strays.set(db.messages[j]!, set);
  });
  plan.forEach(({ m, frames }, i) => {
    if (notComparable(m) !== undefined) return;
    const blind = new Set(CANMATRIX_BLIND.find((e) => e.file === rel && e.message === m.name)?.signals ?? []);
    const stray = strays.get(m) ?? new Set<string>();
    const cm = reply.messages![i]!;
    if (cm.error !== undefined) {
      result.disagreements.push(`${where(m, new Uint8Array())}: canmatrix: ${cm.error}`);
      return;
    }
    const out = new Float64Array(m.signals.length);
    frames.forEach((frame, k) => {
      result.frames++;
      const theirs = cm.frames![k]!;
      if ('error' in theirs && typeof theirs.error === 'string') {
        if (stray.size > 0 && [...stray].some((n) => !m.signal(n))) return; // see notComparable
        result.disagreements.push(`${where(m, frame)}: canmatrix failed: ${theirs.error}`);
        return;
      }
      const their = theirs as Record<string, CmSignal>;
      m.decode(frame, 0, frame.length, out);
      const mine = new Set(Object.keys(m.decodeObject(frame)));
      for (const name of new Set([...mine, ...Object.keys(their)])) {
        const s = m.signal(name);
        const t = their[name];
        if (s === undefined || !mine.has(name) || t === undefined) {
          if (mine.has(name) && t === undefined && blind.has(name)) continue;
          if (!mine.has(name) && t !== undefined && stray.has(name) && m.signal(name) === undefined) continue;
          result.disagreements.push(`${where(m, frame)} signal=${name}: decoded by ${mine.has(name) ? 'ubi-edge only' : 'canmatrix only'}`);
          continue;
        }
        result.signals++;
        const [rawText, physText] = t;
        const value = out[s.index]!;
        if (s.valueType === 'integer') {
          const raw = rawBigInt(s, frame, 0);
          if (String(raw) !== rawText) result.disagreements.push(`${where(m, frame)} signal=${name}: raw ubi-edge=${raw} canmatrix=${rawText}`);
          const exact = s.length <= 53 && s.factor === 1 && s.offset === 0;
          if (exact ? value !== Number(physText) : !closeEnough(value, Number(physText), s)) {
            result.disagreements.push(`${where(m, frame)} signal=${name}: value ubi-edge=${value} canmatrix=${physText}`);
          }
        } else if (!closeEnough(value, Number(physText), s)) {
          result.disagreements.push(`${where(m, frame)} signal=${name}: ${s.valueType} ubi-edge=${value} canmatrix=${physText} (raw ${rawText})`);
        }
      }
    });
  });
  return result;
}

describe('dbc: differential test against canmatrix (python3-canmatrix)', function () {
  this.timeout(120_000);
  const files = dbcFiles();
  const results = new Map<string, FileResult>();

  before(async function () {
    if (process.env.UBI_EDGE_SKIP_DIFFERENTIAL === '1') this.skip();
    assert.ok(existsSync(PYTHON), `${PYTHON} is missing: apt-get install -y python3-canmatrix`);
    const pool = new CanmatrixPool(WORKERS);
    try {
      const t0 = performance.now();
      await Promise.all(files.map(async (f) => results.set(f, await runFile(pool, f))));
      const total = [...results.values()].reduce((a, r) => [a[0]! + r.frames, a[1]! + r.signals], [0, 0]);
      console.log(`      canmatrix differential: seed=${SEED}, ${files.length} files, ${total[0]} frames, ${total[1]} signal values compared in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    } finally {
      pool.close();
    }
  });

  for (const f of files) {
    it(`${f}: every signal of every frame agrees`, () => {
      const r = results.get(f)!;
      assert.equal(r.error, undefined, `seed=${SEED} file=${f}: ${r.error}`);
      assert.equal(r.disagreements.length, 0, `${r.disagreements.length} disagreements, first ones:\n${r.disagreements.slice(0, 8).join('\n')}`);
    });
  }
});
