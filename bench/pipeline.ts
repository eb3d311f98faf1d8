// Frames/s from replay through the default flow's nodes into a real InfluxDB, against the
// do-it-yourself flow in the same run.
//
// ubi-edge: the real Node-RED runtime in-process (node-red-node-test-helper) with the default flow's
// nodes and wiring: ubi-can-in replaying the car drive at speed 'max' (batches of 5000 frames) ->
// ubi-decode (can0: obd, can1: gnss.dbc, map car-obd-gnss, 1 s down-sampling) -> ubi-score and
// ubi-incident (merge windows 600 s, above a batch's time span) -> ubi-influx-out (down-sampled signals,
// gateway health, events, trips, scores, incidents) through the durable outbox into Debian's influxd.
// Wall time from the first batch at ubi-decode to the last point acknowledged by InfluxDB (the
// outbox drained, counts queried back). Input: the drive (5 files, ~300k frames) repeated
// BENCH_REPEAT times (default 1) with rising timestamps, as one plain candump log.
//
// DIY (bench/support/diy.ts): one Node-RED message per frame from a function node, decoding in a
// function node (regex + parseInt per frame, the gnss.dbc table pasted into On Start, the OBD PIDs),
// Node-RED's join node (BENCH_DIY_JOIN msgs, default 100) and one `influx` writePoints per joined
// message as node-red-contrib-influxdb's "influxdb batch" node does; one point per decoded frame.
// It runs on a prefix of the same log (BENCH_DIY_FRAMES, default 100,000: at a few thousand frames/s the whole drive takes over a minute per run).
//
// Runs alternate BENCH_RUNS times (default 3); medians. Runs with the appliance's Node settings
// (bin/node-flags.js, as `ubi-edge start` runs), re-running itself with them when they are not in
// place; BENCH_NODE_DEFAULTS=1 runs with Node's defaults instead. Prints a table, then one JSON line.
import fs from 'node:fs';
import inspector from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import canBusNode from '../nodes/ubi-can-bus/ubi-can-bus.js';
import canInNode from '../nodes/ubi-can-in/ubi-can-in.js';
import decodeNode from '../nodes/ubi-decode/ubi-decode.js';
import scoreNode from '../nodes/ubi-score/ubi-score.js';
import incidentNode from '../nodes/ubi-incident/ubi-incident.js';
import influxConfigNode from '../nodes/ubi-influx-config/ubi-influx-config.js';
import influxOutNode from '../nodes/ubi-influx-out/ubi-influx-out.js';
import type { InfluxConfigNode } from '../nodes/ubi-influx-config/ubi-influx-config.js';
import { Influxd } from '../test/support/influxd.js';
import { helper, load, startServer, stopServer, watchStatus } from './support/red.js';
import { driveFiles, fmt, gnssDbc, median, sleep, writeDriveLog } from './support/drive.js';
import { nodeDefaults, rerunWithApplianceSettings, settingsLine } from './support/node-settings.js';
import { DECODE_FUNC, FRAMES_FUNC, decodeOnStart, diyInfluxBatchNode, diyStats, gnssTable } from './support/diy.js';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const functionNode = require('@node-red/nodes/core/function/10-function.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const joinNode = require('@node-red/nodes/core/sequence/17-split.js');


const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 1);
const MAX_FRAMES = Number(process.env.BENCH_MAX_FRAMES ?? 5000);
const DIY_JOIN = Number(process.env.BENCH_DIY_JOIN ?? 100);
const MERGE_S = String(process.env.BENCH_MERGE_S ?? 600);

interface RedNode {
  on(ev: 'input', fn: (msg: unknown) => void): void;
  receive(msg: unknown): void;
}
const node = (id: string) => helper.getNode(id) as unknown as RedNode;


async function until(cond: () => boolean, ms: number, what: string, poll = 2): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(poll);
  }
}

/** Waits until the watched nodes have had no input for quietMs. */
async function quiet(quietMs: number, last: { at: number }): Promise<void> {
  while (performance.now() - last.at < quietMs) await sleep(5);
}

interface UbiRun {
  seconds: number;
  frames: number;
  written: number;
  counts: Record<string, number>;
}

async function ubiRun(influxd: Influxd, log: string, frames: number, db: string, dir: string): Promise<UbiRun> {
  const flow = [
    { id: 'bus', type: 'ubi-can-bus', vehicle: 'car-1', source: 'replay', interfaces: '', bitrate: '500000', fd: false, filters: '', replayFile: log, speed: 'max', loop: false },
    { id: 'cfg', type: 'ubi-influx-config', url: influxd.url, database: db, depot: 'bench', capMB: 1024, fsync: 'interval', fsyncMs: 500, batchSize: 5000, rawDuration: 'INF', longDuration: 'INF', dir },
    { id: 'in', type: 'ubi-can-in', bus: 'bus', maxFrames: String(MAX_FRAMES), maxAgeMs: '100', statsInterval: '10', wires: [['dec'], ['out']] },
    { id: 'dec', type: 'ubi-decode', interfaces: `can0: obd\ncan1: ${gnssDbc()}`, map: 'car-obd-gnss', emit: 'mapped', signals: '', period: 1, mode: 'last', statsInterval: 2, wires: [['sc', 'inc'], ['out']] },
    { id: 'sc', type: 'ubi-score', vehicleClass: 'van', timeZone: 'Europe/Copenhagen', roster: '', overrides: '', mergeS: MERGE_S, statsInterval: 1, wires: [['out'], ['out'], ['out'], []] },
    { id: 'inc', type: 'ubi-incident', accelThresholdG: 2.5, preS: 20, postS: 10, crashSignals: '', overrides: '', mergeS: MERGE_S, wires: [['out'], ['out'], []] },
    { id: 'out', type: 'ubi-influx-out', influx: 'cfg' },
  ];
  await startServer();
  let t0 = 0;
  const last = { at: performance.now() };
  let lastWritten = 0;
  let lastAck = 0;
  let poll: NodeJS.Timeout | undefined;
  try {
    await load([canBusNode, canInNode, decodeNode, scoreNode, incidentNode, influxConfigNode, influxOutNode], flow);
    const inStatus = watchStatus('in');
    const cfg = helper.getNode('cfg') as unknown as InfluxConfigNode;
    node('dec').on('input', () => {
      last.at = performance.now();
      if (t0 === 0) t0 = last.at;
    });
    for (const id of ['sc', 'inc', 'out']) node(id).on('input', () => (last.at = performance.now()));
    poll = setInterval(() => {
      const w = cfg.store?.stats().written ?? 0;
      if (w !== lastWritten) {
        lastWritten = w;
        lastAck = performance.now();
      }
    }, 1);
    const mark = (what: string) => {
      if (process.env.BENCH_DEBUG) console.log(`    ${what} at ${((performance.now() - t0) / 1000).toFixed(2)} s, written ${cfg.store?.stats().written}`);
    };
    await until(() => inStatus.some((s) => s.startsWith('ended')), 600_000, 'the replay to end', 5);
    mark('replay ended');
    await quiet(20, last);
    mark('nodes quiet');
    node('dec').receive({ flush: true }); // closes the last down-sampling windows
    await quiet(20, last);
    node('sc').receive({ payload: null, flush: true }); // closes the trip: trip and scores
    node('inc').receive({ payload: null, flush: true });
    await quiet(20, last);
    mark('flushed');
    await cfg.store!.writer!.drained(2, 120_000);
    mark('drained');
    clearInterval(poll);
    poll = undefined;
    const written = cfg.store!.stats().written;
    const seconds = (Math.max(lastAck, t0) - t0) / 1000;
    const counts: Record<string, number> = {};
    for (const m of ['signal', 'gateway', 'event', 'trip', 'score', 'incident']) {
      const rp = m === 'signal' || m === 'gateway' ? 'raw' : 'long';
      const rows = await influxd.rows(`SELECT count(*) FROM "${rp}"."${m}"`, db);
      const r = rows[0] ?? {};
      counts[m] = Math.max(0, ...Object.entries(r).filter(([k]) => k.startsWith('count_')).map(([, v]) => Number(v)));
    }
    return { seconds, frames, written, counts };
  } finally {
    if (poll) clearInterval(poll);
    await helper.unload();
    await stopServer();
  }
}

interface DiyRun {
  seconds: number;
  frames: number;
  points: number;
  requests: number;
  stored: number;
}

async function diyRun(influxd: Influxd, lines: string[], db: string, table: unknown): Promise<DiyRun> {
  await influxd.query(`CREATE DATABASE "${db}"`, undefined, 'POST');
  const flow = [
    { id: 'diyframes', type: 'function', name: 'one msg per frame', func: FRAMES_FUNC, outputs: 1, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], wires: [['diydecode']] },
    { id: 'diydecode', type: 'function', name: 'decode frame', func: DECODE_FUNC, outputs: 1, timeout: 0, noerr: 0, initialize: decodeOnStart(table), finalize: '', libs: [], wires: [['diyjoin']] },
    { id: 'diyjoin', type: 'join', mode: 'custom', build: 'array', property: 'payload', propertyType: 'msg', key: 'topic', joiner: '\\n', joinerType: 'str', accumulate: false, timeout: '', count: String(DIY_JOIN), reduceRight: false, wires: [['diyinflux']] },
    { id: 'diyinflux', type: 'diy-influxdb-batch', url: influxd.url, database: db, precision: 'u' },
  ];
  await startServer();
  diyStats.requests = diyStats.points = diyStats.errors = diyStats.inFlight = 0;
  diyStats.lastAck = 0;
  try {
    await load([functionNode, joinNode, diyInfluxBatchNode], flow);
    await sleep(200); // On Start of the function node runs asynchronously
    let decoded = 0;
    let lastDecode = 0;
    node('diydecode').on('input', () => {
      decoded++;
      lastDecode = performance.now();
    });
    const t0 = performance.now();
    node('diyframes').receive({ payload: lines });
    await until(() => decoded === lines.length, 600_000, 'the DIY decode', 5);
    while (performance.now() - lastDecode < 20) await sleep(5);
    node('diyjoin').receive({ complete: true }); // the last partial group
    // done when the decode is done, the join's last group has reached the writer and every write is acknowledged
    let lastReq = performance.now();
    let reqs = diyStats.requests;
    await until(
      () => {
        if (diyStats.requests !== reqs) {
          reqs = diyStats.requests;
          lastReq = performance.now();
        }
        return diyStats.inFlight === 0 && performance.now() - Math.max(lastReq, diyStats.lastAck) > 100;
      },
      600_000,
      'the DIY writes',
      5,
    );
    const seconds = (diyStats.lastAck - t0) / 1000;
    if (diyStats.errors > 0) throw new Error(`DIY flow: ${diyStats.errors} write(s) failed`);
    const all = await influxd.query(`SELECT count(*) FROM "can" GROUP BY "message"`, db);
    let stored = 0;
    for (const s of all.results?.[0]?.series ?? []) {
      const v = s.values?.[0] ?? [];
      stored += Math.max(0, ...v.slice(1).map((x) => Number(x) || 0));
    }
    return { seconds, frames: lines.length, points: diyStats.points, requests: diyStats.requests, stored };
  } finally {
    await helper.unload();
    await stopServer();
  }
}

async function main(): Promise<void> {
  const files = driveFiles();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ubi-bench-pipeline-'));
  const influxd = await Influxd.start();
  try {
    const log = await writeDriveLog(files, path.join(tmp, 'drive.log'), REPEAT);
    const onePass = await writeDriveLog(files, path.join(tmp, 'drive1.log'), 1);
    const diyFrames = Math.min(Number(process.env.BENCH_DIY_FRAMES ?? 100_000), log.frames);
    const lines = fs.readFileSync(log.file, 'latin1').split('\n', diyFrames);
    const table = gnssTable(gnssDbc());
    console.log(`input: ${files.length} file(s) ${files.map((f) => path.basename(f)).join(', ')}`);
    console.log(`       ${onePass.frames} frames per pass x ${REPEAT} = ${log.frames} frames (${(log.span / 3600).toFixed(2)} h of driving), plain candump in ${tmp}`);
    console.log(`influxd ${influxd.url} · ${RUNS} runs each, alternating · Node ${process.version} · ${os.cpus()[0]?.model ?? '?'} x ${os.cpus().length}`);
    console.log(settingsLine());
    // warm-up: one pass of each (JIT, influxd's first shards)
    if (!process.env.BENCH_NO_WARM) {
    await ubiRun(influxd, onePass.file, onePass.frames, 'warm_ubi', path.join(tmp, 'warm-ob'));
    await diyRun(influxd, lines.slice(0, Math.min(20000, lines.length)), 'warm_diy', table);
    }
    const ubi: UbiRun[] = [];
    const diy: DiyRun[] = [];
    const ONLY = process.env.BENCH_ONLY;
    if (ONLY === 'ubi') {
      // diagnosis: BENCH_PROFILE=<file.cpuprofile> profiles this run only (not the log writing or warm-up)
      const prof = process.env.BENCH_PROFILE;
      // BENCH_ALLOC=<file.heapprofile>: where this run allocates, garbage included (sampled every 64 KB)
      const alloc = process.env.BENCH_ALLOC;
      const session = prof || alloc ? new inspector.Session() : undefined;
      if (session) session.connect();
      if (session && prof) {
        await session.post('Profiler.enable');
        await session.post('Profiler.start');
      }
      if (session && alloc) {
        await session.post('HeapProfiler.enable');
        await session.post('HeapProfiler.startSampling', { samplingInterval: 65536, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
      }
      const u = await ubiRun(influxd, log.file, log.frames, 'ubi_only', path.join(tmp, 'ob-only'));
      if (session && prof) {
        const { profile } = await session.post('Profiler.stop');
        fs.writeFileSync(prof, JSON.stringify(profile));
      }
      if (session && alloc) {
        const { profile } = await session.post('HeapProfiler.stopSampling');
        fs.writeFileSync(alloc, JSON.stringify(profile));
      }
      session?.disconnect();
      console.log(`ubi-edge ${fmt(u.frames / u.seconds)} frames/s (${u.seconds.toFixed(2)} s, ${fmt(u.written)} points)`);
      return;
    }
    for (let r = 0; r < RUNS; r++) {
      const u = await ubiRun(influxd, log.file, log.frames, `ubi_${r}`, path.join(tmp, `ob-${r}`));
      ubi.push(u);
      console.log(`  run ${r + 1}: ubi-edge ${fmt(u.frames / u.seconds)} frames/s (${u.seconds.toFixed(2)} s, ${fmt(u.written)} points acknowledged; in InfluxDB: ${Object.entries(u.counts).map(([k, v]) => `${k} ${v}`).join(', ')})`);
      const d = await diyRun(influxd, lines, `diy_${r}`, table);
      diy.push(d);
      console.log(`  run ${r + 1}: DIY      ${fmt(d.frames / d.seconds)} frames/s (${d.seconds.toFixed(2)} s, ${fmt(d.points)} points in ${fmt(d.requests)} writes; ${fmt(d.stored)} in InfluxDB)`);
    }
    const value = Math.round(median(ubi.map((u) => u.frames / u.seconds)));
    const base = Math.round(median(diy.map((d) => d.frames / d.seconds)));
    const ratio = value / base;
    const rows: Array<[string, string]> = [
      ['ubi-edge (default flow nodes)', `${fmt(value)} frames/s median (min ${fmt(Math.min(...ubi.map((u) => u.frames / u.seconds)))}, max ${fmt(Math.max(...ubi.map((u) => u.frames / u.seconds)))}), ${fmt(log.frames)} frames, batches of ${MAX_FRAMES}`],
      ['DIY (msg per frame, function decode, join + batch writes)', `${fmt(base)} frames/s median on the first ${fmt(diyFrames)} frames, join of ${DIY_JOIN}`],
      ['ratio', `${ratio.toFixed(1)}x`],
      ['goal >= 250,000 frames/s', value >= 250_000 ? 'met' : 'NOT met'],
      ['goal >= 5x DIY', ratio >= 5 ? 'met' : 'NOT met'],
    ];
    const w = Math.max(...rows.map((r) => r[0].length));
    for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
    console.log(
      JSON.stringify({
        bench: 'pipeline',
        unit: 'frames/s',
        value,
        baseline: `DIY flow: msg per frame, function-node decode, join ${DIY_JOIN} + one writePoints per msg (first ${diyFrames} frames)`,
        baseline_value: base,
        ratio: Number(ratio.toFixed(2)),
        goal: 250_000,
        goal_met: value >= 250_000 && ratio >= 5,
        runs: RUNS,
        frames: log.frames,
        diy_frames: diyFrames,
        points_written: ubi.map((u) => u.written),
        seconds: ubi.map((u) => Number(u.seconds.toFixed(3))),
        diy_seconds: diy.map((d) => Number(d.seconds.toFixed(3))),
        node: process.version,
        node_settings: nodeDefaults ? 'node defaults' : 'appliance (bin/node-flags.js)',
      }),
    );
  } finally {
    await influxd.destroy();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

const rerun = rerunWithApplianceSettings();
(rerun !== undefined ? Promise.resolve(process.exit(rerun)) : main()).then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e instanceof Error ? e.stack : String(e));
    process.exit(1);
  },
);
