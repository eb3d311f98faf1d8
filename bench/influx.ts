// Points/s into a real InfluxDB through the durable outbox (Store: validate -> outbox on disk ->
// writer), against raw `influx` writePoints of the same points in the same run (same batch size,
// one request at a time, precision 'u'); then the outage drain: points buffered while influxd is
// down, drained after it restarts, compared with the real time they represent.
// Needs Debian's influxd (the bench starts its own on a free port). Prints a table, then one JSON line.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createClient } from '../edge/store/client.js';
import { validatePoint, type StorePoint, type WirePoint } from '../edge/store/point.js';
import { Store } from '../edge/store/store.js';
import { Influxd } from '../test/support/influxd.js';

const N = Number(process.env.BENCH_POINTS ?? 200_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const BATCH = 5000;
const CHUNK = 1000; // points per accept() call, like a node handing over a message
// the outage drain: a depot gateway producing RATE signal points/s (e.g. 5 vehicles x 100 signals at 1 Hz)
const RATE = Number(process.env.BENCH_RATE ?? 500);
const OUTAGE_POINTS = Number(process.env.BENCH_OUTAGE_POINTS ?? 100_000);

function points(n: number, t0: number, vehicles = 10): StorePoint[] {
  const out: StorePoint[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const v = i % vehicles;
    out[i] = { measurement: 'signal', tags: { vehicle: `van-${v}`, signal: `Vehicle.S${(i >> 4) % 40}` }, fields: { mean: i * 0.5, min: i * 0.25, max: i, last: i * 0.5, n: 10 }, time: t0 + Math.floor(i / vehicles) };
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function rawRun(influxd: Influxd, db: string, wire: WirePoint[]): Promise<number> {
  await influxd.query(`CREATE DATABASE "${db}"`, undefined, 'POST');
  await influxd.query(`CREATE RETENTION POLICY "raw" ON "${db}" DURATION 30d REPLICATION 1`, undefined, 'POST');
  const c = createClient({ url: influxd.url, database: db });
  const t0 = performance.now();
  for (let i = 0; i < wire.length; i += BATCH) await c.writePoints(wire.slice(i, i + BATCH), { precision: 'u', retentionPolicy: 'raw' });
  return wire.length / ((performance.now() - t0) / 1000);
}

async function outboxRun(influxd: Influxd, db: string, pts: StorePoint[], dir: string): Promise<number> {
  const s = new Store({ dir, influx: { url: influxd.url, database: db }, writer: { batchSize: BATCH, maxAgeMs: 50 } });
  while (s.stats().state !== 'connected') await new Promise((r) => setTimeout(r, 10));
  const t0 = performance.now();
  // one message per chunk, delivered like Node-RED delivers messages (each on its own turn of the
  // event loop, so the writer's HTTP responses are handled in between)
  for (let i = 0; i < pts.length; i += CHUNK) {
    await s.accept(pts.slice(i, i + CHUNK));
    await new Promise((r) => setImmediate(r));
  }
  await s.writer!.drained(5, 120000);
  const secs = (performance.now() - t0) / 1000;
  if (s.writer!.written !== pts.length) throw new Error(`outbox wrote ${s.writer!.written} of ${pts.length}`);
  await s.close();
  return pts.length / secs;
}

async function main(): Promise<void> {
  const influxd = await Influxd.start();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ubi-bench-influx-'));
  try {
    const t0 = Math.floor((Date.now() - 6 * 3600 * 1000) / 1000) * 1000;
    const pts = points(N, t0);
    const wire = pts.map((p) => {
      const v = validatePoint(p);
      if (!v.ok) throw new Error(v.reason);
      return v.point;
    });
    console.log(`influxd ${influxd.url} · ${N} signal points · batches of ${BATCH} · ${RUNS} runs each, alternating`);
    // warm-up (JIT, influxd's first shard)
    await rawRun(influxd, 'warm_raw', wire.slice(0, 20000));
    await outboxRun(influxd, 'warm_ob', pts.slice(0, 20000), path.join(tmp, 'warm'));
    const raw: number[] = [];
    const ob: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      raw.push(await rawRun(influxd, `raw_${r}`, wire));
      ob.push(await outboxRun(influxd, `ob_${r}`, pts, path.join(tmp, `ob${r}`)));
      console.log(`  run ${r + 1}: raw writePoints ${fmt(raw.at(-1)!)} pt/s · through the outbox ${fmt(ob.at(-1)!)} pt/s`);
    }
    const value = Math.round(median(ob));
    const base = Math.round(median(raw));

    // outage drain
    const s = new Store({ dir: path.join(tmp, 'outage'), influx: { url: influxd.url, database: 'outage', timeoutMs: 2000 }, writer: { batchSize: BATCH, maxAgeMs: 50 } });
    while (s.stats().state !== 'connected') await new Promise((r) => setTimeout(r, 10));
    await influxd.stop();
    const opts = points(OUTAGE_POINTS, t0 + 3600 * 1000);
    for (let i = 0; i < opts.length; i += CHUNK) await s.accept(opts.slice(i, i + CHUNK));
    while (s.stats().state !== 'buffering') await new Promise((r) => setTimeout(r, 10));
    await influxd.start();
    const d0 = performance.now();
    await s.writer!.drained(5, 300000);
    const drainSecs = (performance.now() - d0) / 1000;
    await s.close();
    const realSecs = OUTAGE_POINTS / RATE;
    const drainX = realSecs / drainSecs;
    console.log(`outage: ${OUTAGE_POINTS} points buffered (${fmt(realSecs)} s of a ${RATE} pt/s gateway) drained in ${drainSecs.toFixed(2)} s after restart = ${drainX.toFixed(0)}x real time`);
    console.log(`result: ${fmt(value)} pt/s through the outbox vs ${fmt(base)} pt/s raw writePoints = ${((100 * value) / base).toFixed(0)}%`);
    console.log(
      JSON.stringify({
        bench: 'influx',
        unit: 'points/s',
        value,
        baseline: 'raw influx writePoints',
        baseline_value: base,
        ratio: Number((value / base).toFixed(3)),
        goal: 0.8,
        goal_met: value / base >= 0.8,
        drain_x_realtime: Number(drainX.toFixed(1)),
        drain_goal: 5,
        drain_goal_met: drainX >= 5,
        drain_points_per_s: Math.round(OUTAGE_POINTS / drainSecs),
        drain_seconds: Number(drainSecs.toFixed(2)),
        outage_points: OUTAGE_POINTS,
        gateway_rate: RATE,
        points: N,
        batch: BATCH,
        runs: RUNS,
        fsync: 'interval',
        influxd: '1.6.7 (Debian)',
        node: process.version,
      }),
    );
  } finally {
    await influxd.destroy();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
