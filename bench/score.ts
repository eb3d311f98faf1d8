// Decode + behaviour scoring + incident detection throughput on one core, against decode alone, in
// the same run on the same frames.
//
// Input: the ~40-minute car drive, css-electronics 3BA199E2-*-0000000[1-5]-*.log.xz from
// ../shared/data (OBD-II on can0, GNSS/IMU on can1 with gnss.dbc, map car-obd-gnss), replayed as one
// drive; without the shared data, the bundled first file repeated 5 times with its time shifted.
// Frames are cut into per-interface batches of at most 256 in log order (as `ubi-edge score` and a
// live gateway do) before timing. Each pass builds fresh engines and runs the whole drive through
// them, finish() included, so the scoring figure holds every sample the engines see.
// Prints a table, then one JSON line for machines.
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { FrameBatchBuilder, type FrameBatch } from '../edge/can/frame.js';
import { readCandumpFile } from '../edge/can/candump-file.js';
import { buildDecodeEngine } from '../edge/signals/config.js';
import { buildScoringEngine } from '../edge/scoring/settings.js';
import { buildIncidentEngine } from '../edge/incidents/settings.js';

const ROOT = path.resolve(__dirname, '..', '..');
const SHARED = path.join(ROOT, '..', 'shared', 'data');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

function inputs(): { files: string[]; repeat: number } {
  const dir = path.join(SHARED, 'candump', 'css-electronics');
  const files = fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((x) => /^3BA199E2-.*\.log\.xz$/.test(x))
        .sort()
        .map((x) => path.join(dir, x))
    : [];
  if (files.length >= 2) return { files, repeat: 1 };
  return { files: [path.join(ROOT, 'assets/logs/3BA199E2-00000164-00000001-60FE3F04.log.gz')], repeat: 5 };
}

function dbcFile(): string {
  const shared = path.join(SHARED, 'dbc', 'j1939', 'gnss.dbc');
  return fs.existsSync(shared) ? shared : path.join(ROOT, 'test', 'fixtures', 'dbc', 'j1939', 'gnss.dbc');
}

async function loadBatches(files: string[], repeat: number): Promise<{ batches: FrameBatch[]; frames: number; span: number }> {
  const batches: FrameBatch[] = [];
  let frames = 0;
  let shift = 0;
  let first = Infinity;
  let last = -Infinity;
  for (let r = 0; r < repeat; r++) {
    let passMax = -Infinity;
    for (const f of files) {
      for await (const c of readCandumpFile(f, { vehicle: 'car' })) {
        const pos = c.batches.map(() => 0);
        let cur = -1;
        let b: FrameBatchBuilder | null = null;
        for (let k = 0; k < c.order.length; k++) {
          const bi = c.order[k]!;
          if (bi !== cur || b!.count >= 256) {
            if (b && b.count) batches.push(b.take());
            b = new FrameBatchBuilder('car', c.batches[bi]!.iface, 256);
            cur = bi;
          }
          const src = c.batches[bi]!;
          const i = pos[bi]!++;
          const t = src.t[i]! + shift;
          if (t < first) first = t;
          if (t > passMax) passMax = t;
          b!.push(t, src.id[i]!, src.flags[i]!, src.data, src.offset[i]!, src.len[i]!, src.dlc[i]!);
          frames++;
        }
        if (b && b.count) batches.push(b.take());
      }
    }
    last = passMax;
    // the next repetition starts 10 min after this one ended (a new trip, time keeps increasing)
    shift = passMax + 600 - first;
  }
  return { batches, frames, span: last - first };
}

interface Pass {
  seconds: number;
  outputs: number;
  samples: number;
}

function pass(batches: FrameBatch[], interfaces: string, withScoring: boolean): Pass {
  const dec = buildDecodeEngine({ interfaces, map: 'car-obd-gnss', emit: 'mapped', period: 0 }).engine;
  const scoring = withScoring ? buildScoringEngine({}).engine : undefined;
  const incidents = withScoring ? buildIncidentEngine({}).engine : undefined;
  let outputs = 0;
  let samples = 0;
  const t0 = performance.now();
  for (const fb of batches) {
    const o = dec.decode(fb);
    if (!o.full) continue;
    samples += o.full.count;
    if (scoring) {
      outputs += scoring.push(o.full).length;
      outputs += incidents!.push(o.full).length;
    }
  }
  for (const o of dec.flush()) {
    if (!o.full) continue;
    samples += o.full.count;
    if (scoring) {
      outputs += scoring.push(o.full).length;
      outputs += incidents!.push(o.full).length;
    }
  }
  if (scoring) outputs += scoring.finish().length + incidents!.finish().length;
  return { seconds: (performance.now() - t0) / 1000, outputs, samples };
}

async function main(): Promise<void> {
  const { files, repeat } = inputs();
  const interfaces = `can0: obd\ncan1: ${dbcFile()}`;
  const { batches, frames, span } = await loadBatches(files, repeat);
  // warm up both paths (V8 optimises), then alternate timed passes so drift hits both alike
  pass(batches, interfaces, false);
  const warm = pass(batches, interfaces, true);
  let bestDecode = Infinity;
  let bestBoth = Infinity;
  for (let r = 0; r < RUNS; r++) {
    bestDecode = Math.min(bestDecode, pass(batches, interfaces, false).seconds);
    bestBoth = Math.min(bestBoth, pass(batches, interfaces, true).seconds);
  }
  const decodeFps = frames / bestDecode;
  const bothFps = frames / bestBoth;
  const overhead = ((bestBoth - bestDecode) / bestDecode) * 100;
  const mem = process.memoryUsage();
  const rows: Array<[string, string]> = [
    ['input', `${files.length} file(s)${repeat > 1 ? ` x ${repeat}` : ''}: ${files.map((f) => path.basename(f)).join(', ')}`],
    ['frames / samples', `${frames} frames (${(span / 60).toFixed(1)} min of driving), ${warm.samples} decoded samples, ${warm.outputs} scoring/incident outputs`],
    ['decode only', `${(bestDecode * 1000).toFixed(1)} ms, ${Math.round(decodeFps).toLocaleString('en')} frames/s`],
    ['decode + score + incident', `${(bestBoth * 1000).toFixed(1)} ms, ${Math.round(bothFps).toLocaleString('en')} frames/s`],
    ['scoring + incident overhead', `${overhead.toFixed(1)} % of decode time (goal <= 30 %)`],
    ['goal >= 2,000,000 frames/s', bothFps >= 2e6 ? 'met' : 'missed'],
    ['node', `${process.version}, best of ${RUNS} passes each, rss ${Math.round(mem.rss / 1048576)} MB`],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
  console.log(
    JSON.stringify({
      bench: 'score',
      unit: 'frames/s',
      value: Math.round(bothFps),
      baseline: 'decode only',
      baseline_value: Math.round(decodeFps),
      ratio: Number((bothFps / decodeFps).toFixed(3)),
      overhead_pct: Number(overhead.toFixed(1)),
    }),
  );
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : String(e));
  process.exit(1);
});
