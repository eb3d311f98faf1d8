// candump parse + batch throughput on one core, against a naive per-line split/parseInt baseline.
//
// Input: the real car drive (css-electronics 3BA199E2-*, five files concatenated) decompressed into
// memory and repeated until it holds >= 2M lines, so the figure is about parsing, not I/O or xz.
// Falls back to the bundled log (assets/logs) when ../shared/data is not beside the repo.
// Prints a table, then one JSON line for machines.
import { sharedDataDir } from '../test/support/shared-data.js';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Batcher } from '../edge/can/batcher.js';
import { BatcherSink, CandumpEncoder, CandumpParser, LogCollector } from '../edge/can/candump.js';
import { readLogBytes } from '../edge/can/candump-file.js';

const ROOT = path.resolve(__dirname, '..', '..');
const MIN_LINES = 2_000_000;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const CHUNK = 256 * 1024; // what the file reader hands the parser

function inputFiles(): string[] {
  const env = process.env.UBI_BENCH_LOGS;
  if (env) return env.split(',');
  const shared = path.join(sharedDataDir(), 'candump', 'css-electronics');
  if (fs.existsSync(shared)) {
    const car = fs.readdirSync(shared).filter((f) => f.startsWith('3BA199E2-') && f.includes('.log'));
    if (car.length > 0) return car.sort().map((f) => path.join(shared, f));
  }
  const bundled = path.join(ROOT, 'assets', 'logs');
  return fs
    .readdirSync(bundled)
    .filter((f) => /\.log(\.gz|\.xz)?$/.test(f))
    .map((f) => path.join(bundled, f));
}

function countLines(b: Buffer): number {
  let n = 0;
  for (let p = b.indexOf(10); p >= 0; p = b.indexOf(10, p + 1)) n++;
  return n;
}

/** The measured path: bytes -> CandumpParser -> Batcher (1000-frame batches, per interface). */
function parseAndBatch(buf: Buffer): { frames: number; batches: number; malformed: number } {
  let batches = 0;
  let framesOut = 0;
  const batcher = new Batcher('bench', { maxFrames: 1000, maxAgeMs: 0 }, (b) => {
    batches++;
    framesOut += b.count;
  });
  const parser = new CandumpParser(new BatcherSink(batcher), { file: 'bench' });
  for (let off = 0; off < buf.length; off += CHUNK) parser.push(buf.subarray(off, Math.min(buf.length, off + CHUNK)));
  parser.end();
  batcher.flush();
  if (framesOut !== parser.frames) throw new Error(`lost frames: parsed ${parser.frames}, batched ${framesOut}`);
  return { frames: framesOut, batches, malformed: parser.malformed };
}

interface NaiveFrame {
  t: number;
  iface: string;
  id: number;
  ext: boolean;
  data: number[];
}

/** What one writes first: split into lines, split each line, parseInt everything, one object per frame. */
function naive(buf: Buffer): number {
  const out: NaiveFrame[] = [];
  const lines = buf.toString('latin1').split('\n');
  for (const line of lines) {
    if (line.length === 0) continue;
    const [ts, iface, frame] = line.split(' ');
    if (ts === undefined || iface === undefined || frame === undefined) continue;
    const [idHex, dataHex = ''] = frame.split('#');
    if (idHex === undefined) continue;
    const data: number[] = [];
    for (let i = 0; i + 1 < dataHex.length; i += 2) data.push(parseInt(dataHex.slice(i, i + 2), 16));
    out.push({ t: parseFloat(ts.slice(1, -1)), iface, id: parseInt(idHex, 16), ext: idHex.length === 8, data });
  }
  return out.length;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function time<T>(f: () => T): { ms: number; r: T } {
  const t0 = performance.now();
  const r = f();
  return { ms: performance.now() - t0, r };
}

async function main(): Promise<void> {
  const files = inputFiles();
  const parts: Buffer[] = [];
  for (const f of files) {
    const b = await readLogBytes(f);
    parts.push(b.length > 0 && b[b.length - 1] !== 10 ? Buffer.concat([b, Buffer.from('\n')]) : b);
  }
  const once = Buffer.concat(parts);
  const onceLines = countLines(once);
  const reps = Math.max(1, Math.ceil(MIN_LINES / onceLines));
  const input = Buffer.concat(new Array<Buffer>(reps).fill(once));
  const lines = onceLines * reps;
  console.log(`input: ${files.length} file(s) ${files.map((f) => path.basename(f)).join(', ')}`);
  console.log(`       ${onceLines} lines x ${reps} = ${lines} lines, ${(input.length / 1e6).toFixed(1)} MB in memory`);

  // warm up both paths so the JIT has settled before measuring
  parseAndBatch(once);
  naive(once);

  const fast: number[] = [];
  const slow: number[] = [];
  let frames = 0;
  let batches = 0;
  let malformed = 0;
  for (let i = 0; i < RUNS; i++) {
    const a = time(() => parseAndBatch(input));
    fast.push(lines / (a.ms / 1000));
    ({ frames, batches, malformed } = a.r);
    const b = time(() => naive(input));
    slow.push(lines / (b.ms / 1000));
    if (b.r !== frames) console.log(`  note: naive parsed ${b.r} frames, candump parser ${frames}`);
  }

  // writer throughput and a round-trip check on the single copy
  const col = new LogCollector('bench');
  const p = new CandumpParser(col, { file: 'bench' });
  p.push(once);
  p.end();
  const log = col.take();
  const enc = new CandumpEncoder();
  const w = time(() => {
    enc.log(log);
    return enc.take();
  });
  const roundTrip = w.r.equals(once);

  const value = Math.round(median(fast));
  const base = Math.round(median(slow));
  const mb = (input.length / 1e6) * (value / lines);
  console.log(`runs: ${RUNS}, one core, Node ${process.version}`);
  console.log(`candump parse + batch : ${fmt(value)} lines/s (median; min ${fmt(Math.min(...fast))}, max ${fmt(Math.max(...fast))}), ${mb.toFixed(0)} MB/s`);
  console.log(`naive split/parseInt  : ${fmt(base)} lines/s (median)`);
  console.log(`ratio                 : ${(value / base).toFixed(2)}x   goal >= 2,000,000 lines/s: ${value >= 2e6 ? 'met' : 'NOT met'}`);
  console.log(`writer                : ${fmt(onceLines / (w.ms / 1000))} lines/s, round trip byte-exact: ${roundTrip}`);
  console.log(
    JSON.stringify({
      bench: 'ingest',
      unit: 'lines/s',
      value,
      baseline: 'naive split/parseInt per line',
      baseline_value: base,
      ratio: Number((value / base).toFixed(2)),
      goal: 2_000_000,
      goal_met: value >= 2e6,
      runs: RUNS,
      lines,
      frames,
      batches,
      malformed,
      mb_per_s: Number(mb.toFixed(1)),
      writer_lines_per_s: Math.round(onceLines / (w.ms / 1000)),
      round_trip_exact: roundTrip,
      node: process.version,
      input: files.map((f) => path.basename(f)),
    }),
  );
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
