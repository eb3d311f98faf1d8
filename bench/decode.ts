// DBC decode throughput on one core: ubi-edge's compiled decoders against canmatrix on the same frames
// of a real log with a real DBC, in the same run.
//
// Input: the car drive css-electronics 3BA199E2-*-00000001-*.log.xz, interface can1 (the GNSS/IMU
// module, ids 0x1-0x9) with ../shared/data/dbc/j1939/gnss.dbc (also in test/fixtures/dbc/j1939).
// Per frame both sides do what a live decoder does: look the message up by id, decode every signal.
// ubi-edge decodes in place from the columnar FrameBatch into a per-message Float64Array (no
// allocation per frame); the figure is the best of several passes of >= 1 s each.
// Prints a table, then one JSON line for machines.
import { sharedDataDir } from '../test/support/shared-data.js';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseCandump } from '../edge/can/candump.js';
import { readLogBytes } from '../edge/can/candump-file.js';
import { FrameFlag, type FrameBatch } from '../edge/can/frame.js';
import { loadDbcSync, type Message } from '../edge/dbc/index.js';

const ROOT = path.resolve(__dirname, '..', '..');
const SHARED = sharedDataDir();
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const PYTHON = '/usr/bin/python3';

function logFile(): string {
  if (process.env.UBI_BENCH_LOG) return process.env.UBI_BENCH_LOG;
  const dir = path.join(SHARED, 'candump', 'css-electronics');
  const f = fs.readdirSync(dir).find((x) => /^3BA199E2-.*-00000001-.*\.log\.xz$/.test(x));
  if (!f) throw new Error(`no 3BA199E2-*-00000001-*.log.xz in ${dir}`);
  return path.join(dir, f);
}

function dbcFile(): string {
  const shared = path.join(SHARED, 'dbc', 'j1939', 'gnss.dbc');
  return fs.existsSync(shared) ? shared : path.join(ROOT, 'test', 'fixtures', 'dbc', 'j1939', 'gnss.dbc');
}

/** One pass: every frame of the batch looked up and decoded. Returns a checksum of the values. */
function decodePass(b: FrameBatch, lookup: (id: number, ext: boolean) => Message | undefined, outs: Map<Message, Float64Array>): { decoded: number; sum: number } {
  let decoded = 0;
  let sum = 0;
  const { id, flags, offset, len, data } = b;
  for (let i = 0; i < b.count; i++) {
    const m = lookup(id[i]!, (flags[i]! & FrameFlag.EXT) !== 0);
    if (m === undefined) continue;
    const out = outs.get(m)!;
    m.decode(data, offset[i]!, len[i]!, out);
    sum += out[0]!;
    decoded++;
  }
  return { decoded, sum };
}

async function main(): Promise<void> {
  const log = logFile();
  const dbc = dbcFile();
  const parsed = parseCandump(await readLogBytes(log), { file: log });
  const batch = parsed.batches.find((b) => b.iface === 'can1');
  if (!batch) throw new Error(`${log} has no can1 frames`);
  const db = loadDbcSync(dbc);
  const outs = new Map<Message, Float64Array>(db.messages.map((m) => [m, new Float64Array(m.signals.length)]));
  const lookup = (id: number, ext: boolean): Message | undefined => db.messageById(id, ext);

  // warm up (compiles the decoders, lets V8 optimise), then timed passes of >= 1 s each
  let check = decodePass(batch, lookup, outs);
  for (let k = 0; k < 20; k++) decodePass(batch, lookup, outs);
  let best = 0;
  for (let r = 0; r < RUNS; r++) {
    let frames = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < 1000) {
      check = decodePass(batch, lookup, outs);
      frames += batch.count;
      t = performance.now();
    }
    best = Math.max(best, frames / ((t - t0) / 1000));
  }
  const signalsPerFrame = (() => {
    let n = 0;
    for (let i = 0; i < batch.count; i++) n += lookup(batch.id[i]!, (batch.flags[i]! & FrameFlag.EXT) !== 0)?.signals.length ?? 0;
    return n / batch.count;
  })();

  // canmatrix on the same frames
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ubi-bench-decode-'));
  const framesFile = path.join(tmp, 'frames.txt');
  const lines: string[] = [];
  for (let i = 0; i < batch.count; i++) {
    const ext = (batch.flags[i]! & FrameFlag.EXT) !== 0;
    const dbcId = ext ? (batch.id[i]! | 0x80000000) >>> 0 : batch.id[i]!;
    lines.push(`${dbcId} ${Buffer.from(batch.data.subarray(batch.offset[i]!, batch.offset[i]! + batch.len[i]!)).toString('hex')}`);
  }
  fs.writeFileSync(framesFile, lines.join('\n') + '\n');
  const script = path.join(ROOT, 'bench', 'canmatrix_decode.py');
  const py = spawnSync(PYTHON, ['-I', script, dbc, framesFile], { encoding: 'utf8', cwd: '/', maxBuffer: 1 << 20 });
  fs.rmSync(tmp, { recursive: true, force: true });
  let baseline: { frames: number; decoded: number; seconds: number; version: string } | undefined;
  if (py.status === 0) baseline = JSON.parse(py.stdout.trim().split('\n').pop()!) as typeof baseline;
  else console.error(`canmatrix baseline failed (${PYTHON}, apt-get install -y python3-canmatrix): ${py.stderr || py.error?.message}`);
  if (baseline && baseline.decoded !== check.decoded) throw new Error(`decoded frame counts differ: ubi-edge ${check.decoded}, canmatrix ${baseline.decoded}`);
  const baseRate = baseline ? baseline.frames / baseline.seconds : Number.NaN;
  const pkg = spawnSync('dpkg-query', ['-W', '-f=${Version}', 'python3-canmatrix'], { encoding: 'utf8' });
  const version = pkg.status === 0 && pkg.stdout ? pkg.stdout : baseline?.version ?? '?';

  console.log(`log        ${path.basename(log)} can1: ${batch.count} frames (${check.decoded} in the DBC), ${signalsPerFrame.toFixed(2)} signals/frame`);
  console.log(`dbc        ${path.basename(dbc)} (${db.messages.length} messages)`);
  console.log(`ubi-edge   ${Math.round(best).toLocaleString('en')} frames/s (best of ${RUNS} passes of >= 1 s, node ${process.version})`);
  console.log(`canmatrix  ${baseline ? Math.round(baseRate).toLocaleString('en') + ' frames/s (' + baseline.seconds.toFixed(2) + ' s for one pass)' : 'unavailable'}`);
  console.log(`ratio      ${baseline ? (best / baseRate).toFixed(1) + 'x' : '-'}`);
  console.log(
    JSON.stringify({
      bench: 'decode',
      unit: 'frames/s',
      value: Math.round(best),
      baseline: `canmatrix ${version} (python3-canmatrix, Frame.decode)`,
      baseline_value: baseline ? Math.round(baseRate) : null,
      ratio: baseline ? Number((best / baseRate).toFixed(1)) : null,
    }),
  );
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
