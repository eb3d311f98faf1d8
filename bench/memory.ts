// RSS over time with 8 saturated 500 kbit/s buses' worth of frames through the pipeline, paced in
// real time: 8 vehicles, each a ubi-can-bus replaying the real car drive (css-electronics 3BA199E2-*,
// ~122 frames/s) looped with rising timestamps at the speed that gives ~4,500 frames/s (a saturated
// 500 kbit/s bus of 8-byte frames), so ~36,000 frames/s in all, through the default flow's nodes in
// the real Node-RED runtime (node-red-node-test-helper, its recording spies removed): ubi-can-in
// (batches of 1000 / 100 ms as in the default flow) -> ubi-decode (can0: obd, can1: gnss.dbc,
// car-obd-gnss, 1 s down-sampling) -> ubi-score + ubi-incident (merge 10 s, above a 100 ms batch's
// ~3.7 s of log time) -> one ubi-influx-out into a real influxd.
//
// Usage: npm run bench -- memory [duration]   duration: 600 (s), 10m, 90s; default 10m (BENCH_DURATION)
// Prints an RSS sample every BENCH_SAMPLE_S (default 5) seconds with the frame rate achieved, then
// min/max/slope (MB/min, least squares after the warm-up: the first 20 % or 60 s, whichever is less),
// where the RSS is at the end (code pages of the node binary, V8's heap, ArrayBuffers, the rest: malloc)
// and one JSON line. RSS is this process's (Node-RED + nodes + outbox), not influxd's.
//
// Runs with the appliance's Node settings (bin/node-flags.js: the V8 heap flags and malloc variables
// bin/ubi-edge.js starts `ubi-edge start` with): the bench re-runs itself with them and says so.
// BENCH_NODE_DEFAULTS=1 runs with Node's defaults instead, for comparison (not the appliance's figure).
// The drive logs are written by a child process, so their writing leaves nothing in this one's RSS.
// BENCH_BUSES=0: the same harness with an empty flow (Node-RED, the test helper's server, the store).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { helper, load, startServer, stopServer } from './support/red.js';
import canBusNode from '../nodes/ubi-can-bus/ubi-can-bus.js';
import canInNode from '../nodes/ubi-can-in/ubi-can-in.js';
import decodeNode from '../nodes/ubi-decode/ubi-decode.js';
import scoreNode from '../nodes/ubi-score/ubi-score.js';
import incidentNode from '../nodes/ubi-incident/ubi-incident.js';
import influxConfigNode from '../nodes/ubi-influx-config/ubi-influx-config.js';
import influxOutNode from '../nodes/ubi-influx-out/ubi-influx-out.js';
import type { InfluxConfigNode } from '../nodes/ubi-influx-config/ubi-influx-config.js';
import { Influxd } from '../test/support/influxd.js';
import { driveFiles, fmt, gnssDbc, sleep, writeDriveLog, type WrittenLog } from './support/drive.js';
import { nodeDefaults, rerunWithApplianceSettings, settingsLine } from './support/node-settings.js';



const BUSES = Number(process.env.BENCH_BUSES ?? 8);
const PER_BUS = Number(process.env.BENCH_BUS_FPS ?? 4500);
const SAMPLE_S = Number(process.env.BENCH_SAMPLE_S ?? 5);
const GOAL_MB = 150;
/** diagnosis: 'decode' (no score/incident, no down-sampled signals to InfluxDB), 'score' or 'incident' (only that one after decode) */
const ONLY = process.env.BENCH_ONLY ?? '';
const GAP_S = Number(process.env.BENCH_GAP_S ?? 1800);

function parseDuration(s: string | undefined): number {
  if (!s) return 600;
  const m = /^(\d+(?:\.\d+)?)(s|m|min|h)?$/.exec(s.trim());
  if (!m) throw new Error(`duration: "${s}" is not like 600, 90s, 10m or 1h`);
  const n = Number(m[1]);
  return m[2] === 'h' ? n * 3600 : m[2] === 'm' || m[2] === 'min' ? n * 60 : n;
}

interface Sample {
  s: number;
  rss: number;
  heap: number;
  /** V8 heap committed (heapTotal) */
  heapTotal: number;
  /** ArrayBuffers (typed-array columns, Buffers) outside the JS heap */
  ab: number;
  fps: number;
  outbox: number;
  /** CPU time of this process in the interval, % of one core */
  cpu: number;
}

function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** --write-logs <dir>: the child that writes the drive logs; prints {one, log} as JSON. */
async function writeLogs(dir: string): Promise<void> {
  const files = driveFiles();
  // the drive twice with a 30-minute stop between (two trips), looped: without the stop a looped
  // drive is one endless trip, which no vehicle drives
  const one = await writeDriveLog(files, path.join(dir, 'drive1.log'), 1);
  const log = GAP_S > 0 ? await writeDriveLog(files, path.join(dir, 'drive.log'), 2, Infinity, GAP_S) : one;
  process.stdout.write(JSON.stringify({ one, log }) + '\n');
}

/** Where the RSS is (Linux): file-backed pages (the node binary's code and data) and anonymous memory. */
function smaps(): { file: number; anon: number } | undefined {
  try {
    const t = fs.readFileSync('/proc/self/smaps_rollup', 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(t)?.[1] ?? 0) / 1024;
    return { file: kb('Rss') - kb('Anonymous'), anon: kb('Anonymous') };
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const duration = parseDuration(process.argv[2] ?? process.env.BENCH_DURATION);
  const files = driveFiles();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ubi-bench-memory-'));
  const influxd = await Influxd.start();
  try {
    const w = spawnSync(process.execPath, [__filename, '--write-logs', tmp], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 });
    if (w.status !== 0) throw new Error(`writing the drive logs failed (exit ${w.status})`);
    const { one, log } = JSON.parse(w.stdout.trim().split('\n').pop()!) as { one: WrittenLog; log: WrittenLog };
    const driveFps = (one.frames - 1) / one.span;
    const speed = PER_BUS / driveFps;
    const flow: unknown[] = [
      { id: 'cfg', type: 'ubi-influx-config', url: influxd.url, database: 'ubi_mem', depot: 'bench', capMB: 256, fsync: 'interval', fsyncMs: 500, batchSize: 5000, rawDuration: 'INF', longDuration: 'INF', dir: path.join(tmp, 'outbox') },
      { id: 'out', type: 'ubi-influx-out', influx: 'cfg' },
    ];
    for (let v = 1; v <= BUSES; v++) {
      flow.push(
        { id: `bus${v}`, type: 'ubi-can-bus', vehicle: `car-${v}`, source: 'replay', interfaces: '', bitrate: '500000', fd: false, filters: '', replayFile: log.file, speed: speed.toFixed(3), loop: true },
        { id: `in${v}`, type: 'ubi-can-in', bus: `bus${v}`, maxFrames: '1000', maxAgeMs: '100', statsInterval: '10', wires: [[`dec${v}`], ['out']] },
        { id: `dec${v}`, type: 'ubi-decode', interfaces: `can0: obd\ncan1: ${gnssDbc()}`, map: 'car-obd-gnss', emit: 'mapped', signals: '', period: 1, mode: 'last', statsInterval: 2, wires: [ONLY === 'decode' ? [] : ONLY === 'score' ? [`sc${v}`] : ONLY === 'incident' ? [`inc${v}`] : [`sc${v}`, `inc${v}`], ONLY === 'decode' || ONLY === 'score' || ONLY === 'incident' ? [] : ['out']] },
        { id: `sc${v}`, type: 'ubi-score', vehicleClass: 'van', timeZone: 'Europe/Copenhagen', roster: '', overrides: '', mergeS: '10', statsInterval: 1, wires: [['out'], ['out'], ['out'], []] },
        { id: `inc${v}`, type: 'ubi-incident', accelThresholdG: 2.5, preS: 20, postS: 10, crashSignals: '', overrides: '', mergeS: '10', wires: [['out'], ['out'], []] },
      );
    }
    console.log(`input: the car drive (${files.length} file(s), ${log.frames} frames, ${driveFps.toFixed(1)} frames/s), looped with rising timestamps`);
    console.log(`${BUSES} buses x ${PER_BUS} frames/s (replay speed ${speed.toFixed(2)}x each) = ${fmt(BUSES * PER_BUS)} frames/s for ${duration} s, paced in real time`);
    console.log(`influxd ${influxd.url} · Node ${process.version} · ${os.cpus()[0]?.model ?? '?'} x ${os.cpus().length}`);
    console.log(settingsLine());
    await startServer();
    await load([canBusNode, canInNode, decodeNode, scoreNode, incidentNode, influxConfigNode, influxOutNode], flow);
    const cfg = helper.getNode('cfg') as unknown as InfluxConfigNode;
    let frames = 0;
    for (let v = 1; v <= BUSES; v++) {
      (helper.getNode(`dec${v}`) as unknown as { on(ev: 'input', fn: (m: { payload?: { count?: number } }) => void): void }).on('input', (m) => {
        frames += m.payload?.count ?? 0;
      });
    }
    const samples: Sample[] = [];
    const t0 = performance.now();
    let lastFrames = 0;
    let lastT = t0;
    let lastCpu = process.cpuUsage();
    console.log('rss: resident set; heap: V8 heap used / committed; buf: ArrayBuffers (typed-array columns, Buffers) outside the heap');
    console.log(`${'t s'.padStart(6)} ${'rss MB'.padStart(8)} ${'heap MB'.padStart(8)} ${'/ MB'.padStart(6)} ${'buf MB'.padStart(7)} ${'frames/s'.padStart(9)} ${'cpu %'.padStart(6)} ${'outbox'.padStart(7)}`);
    for (let k = 1; k * SAMPLE_S <= duration; k++) {
      await sleep(Math.max(0, t0 + k * SAMPLE_S * 1000 - performance.now()));
      // BENCH_GC=1 with node --expose-gc: a full collection before each sample tells retained memory from garbage
      const gc = (globalThis as { gc?: () => void }).gc;
      if (process.env.BENCH_GC && gc) gc();
      const now = performance.now();
      const m = process.memoryUsage();
      const st = cfg.store?.stats();
      const cpu = process.cpuUsage(lastCpu);
      lastCpu = process.cpuUsage();
      const s: Sample = { s: (now - t0) / 1000, rss: m.rss / 1048576, heap: m.heapUsed / 1048576, heapTotal: m.heapTotal / 1048576, ab: m.arrayBuffers / 1048576, fps: (frames - lastFrames) / ((now - lastT) / 1000), outbox: st?.pending ?? 0, cpu: ((cpu.user + cpu.system) / 1000 / (now - lastT)) * 100 };
      lastFrames = frames;
      lastT = now;
      samples.push(s);
      console.log(`${s.s.toFixed(0).padStart(6)} ${s.rss.toFixed(1).padStart(8)} ${s.heap.toFixed(1).padStart(8)} ${s.heapTotal.toFixed(1).padStart(6)} ${s.ab.toFixed(1).padStart(7)} ${fmt(s.fps).padStart(9)} ${s.cpu.toFixed(0).padStart(6)} ${String(s.outbox).padStart(7)}`);
    }
    const warm = Math.min(60, duration * 0.2);
    const after = samples.filter((x) => x.s >= warm);
    const rss = samples.map((x) => x.rss);
    const maxRss = Math.max(...rss);
    const minRss = Math.min(...rss);
    const sl = slope(after.map((x) => x.s / 60), after.map((x) => x.rss));
    const heapSl = slope(after.map((x) => x.s / 60), after.map((x) => x.heap));
    const meanFps = after.reduce((a, x) => a + x.fps, 0) / Math.max(1, after.length);
    const meanCpu = after.reduce((a, x) => a + x.cpu, 0) / Math.max(1, after.length);
    const st = cfg.store!.stats();
    const lastS = samples[samples.length - 1];
    const sm = smaps();
    if (lastS && sm) {
      const mb = (x: number) => `${x.toFixed(1)} MB`;
      console.log(
        `at the end: rss ${mb(sm.file + sm.anon)} = file-backed ${mb(sm.file)} (node binary code/data, shared libraries) + anonymous ${mb(sm.anon)}: V8 heap committed ${mb(lastS.heapTotal)}, ArrayBuffers ${mb(lastS.ab)}, the rest ${mb(Math.max(0, sm.anon - lastS.heapTotal - lastS.ab))} (malloc: Node, V8 code and zones, thread stacks)`,
      );
    }
    console.log(`rss: min ${minRss.toFixed(1)} MB, max ${maxRss.toFixed(1)} MB; after ${warm.toFixed(0)} s warm-up: slope ${sl.toFixed(2)} MB/min (heap ${heapSl.toFixed(2)} MB/min)`);
    console.log(`frames: ${fmt(frames)} in ${duration} s, ${fmt(meanFps)} frames/s after warm-up (target ${fmt(BUSES * PER_BUS)}), CPU ${meanCpu.toFixed(0)} % of one core (${((meanCpu / 100) * 1e6 / Math.max(1, meanFps)).toFixed(1)} µs/frame); InfluxDB: ${fmt(st.written)} points written, outbox ${st.pending} pending, ${st.dropped} dropped`);
    console.log(`goal <= ${GOAL_MB} MB, flat: ${maxRss <= GOAL_MB ? 'met' : 'NOT met'} (max), slope ${Math.abs(sl) < 1 ? 'flat (< 1 MB/min)' : 'NOT flat'}`);
    console.log(
      JSON.stringify({
        bench: 'memory',
        unit: 'MB',
        value: Number(maxRss.toFixed(1)),
        baseline: 'goal 150 MB',
        baseline_value: GOAL_MB,
        ratio: Number((maxRss / GOAL_MB).toFixed(3)),
        slope_mb_per_min: Number(sl.toFixed(3)),
        min_mb: Number(minRss.toFixed(1)),
        heap_slope_mb_per_min: Number(heapSl.toFixed(3)),
        duration_s: duration,
        buses: BUSES,
        target_frames_per_s: BUSES * PER_BUS,
        frames_per_s: Math.round(meanFps),
        cpu_pct_one_core: Number(meanCpu.toFixed(1)),
        cpu_us_per_frame: Number((((meanCpu / 100) * 1e6) / Math.max(1, meanFps)).toFixed(2)),
        frames,
        points_written: st.written,
        node: process.version,
        node_settings: nodeDefaults ? 'node defaults' : 'appliance (bin/node-flags.js)',
        end_file_backed_mb: sm ? Number(sm.file.toFixed(1)) : undefined,
        end_heap_committed_mb: lastS ? Number(lastS.heapTotal.toFixed(1)) : undefined,
      }),
    );
  } finally {
    await helper.unload().catch(() => undefined);
    await stopServer();
    await influxd.destroy();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

const rerun = process.argv[2] === '--write-logs' ? undefined : rerunWithApplianceSettings();
(rerun !== undefined ? Promise.resolve(process.exit(rerun)) : process.argv[2] === '--write-logs' ? writeLogs(process.argv[3]!) : main()).then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e instanceof Error ? e.stack : String(e));
    process.exit(1);
  },
);
