// Seeds a real InfluxDB by replaying real candump logs through the appliance's engines and store,
// as a gateway reading the replay from vcan would see it: frames in log order, shifted by whole
// weeks so the drive lies in the last week (raw retention, dashboards' "now-7d") with its time of
// day and weekday kept; decoder -> signal windows, scoring (trips, events, scores), incidents,
// per-interface bus health (IngestMonitor), and the store's own health points, all through the
// real Store/outbox/writer into influxd.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readCandumpFile } from '../../edge/can/candump-file.js';
import { FrameBatchBuilder, type FrameBatch } from '../../edge/can/frame.js';
import { IngestMonitor } from '../../edge/can/ingest-monitor.js';
import { IncidentEngine, resolveIncidentConfig } from '../../edge/incidents/index.js';
import { resolveConfig, ScoringEngine } from '../../edge/scoring/index.js';
import { fromSamples, type SignalBatch } from '../../edge/signals/signal-batch.js';
import type { DecodeEngine } from '../../edge/signals/decoder.js';
import { Store } from '../../edge/store/store.js';
import { Influxd } from '../support/influxd.js';
import { CAR_LOG, carDecoder, TRUCK_LOG, truckDecoder } from '../scoring/real-log.js';

export const DB = 'ubi';
export const DEPOT = 'depot-1';
export const DRIVER = 'driver-7';
const WEEK_S = 7 * 86400;

export interface Seeded {
  influxd: Influxd;
  /** data range, ms */
  from: number;
  to: number;
  counts: Record<string, number>;
  close(): Promise<void>;
}

/** Frames of a log in order, per-interface runs of at most `run`, timestamps + offsetS. */
async function* shiftedFrames(file: string, vehicle: string, offsetS: number, run = 64): AsyncGenerator<FrameBatch> {
  for await (const c of readCandumpFile(file, { vehicle })) {
    const pos = c.batches.map(() => 0);
    let cur = -1;
    let b: FrameBatchBuilder | null = null;
    for (let k = 0; k < c.order.length; k++) {
      const bi = c.order[k]!;
      if (bi !== cur || (b && b.count >= run)) {
        if (b && b.count) yield b.take();
        cur = bi;
        b = new FrameBatchBuilder(vehicle, c.batches[bi]!.iface, run);
      }
      const src = c.batches[bi]!;
      const i = pos[bi]!++;
      b!.push(src.t[i]! + offsetS, src.id[i]!, src.flags[i]!, src.data, src.offset[i]!, src.len[i]!, src.dlc[i]!);
    }
    if (b && b.count) yield b.take();
  }
}

async function firstLastT(file: string): Promise<[number, number]> {
  let lo = Infinity;
  let hi = -Infinity;
  for await (const c of readCandumpFile(file, { vehicle: 'x' }))
    for (const b of c.batches)
      for (let i = 0; i < b.count; i++) {
        const t = b.t[i]!;
        if (t < lo) lo = t;
        if (t > hi) hi = t;
      }
  return [lo, hi];
}

interface Log {
  file: string;
  vehicle: string;
  decoder: () => DecodeEngine;
  driver?: string;
  bitrate: number;
}

export const LOGS: readonly Log[] = [
  { file: CAR_LOG, vehicle: 'car', decoder: carDecoder, driver: DRIVER, bitrate: 500_000 },
  { file: TRUCK_LOG, vehicle: 'truck', decoder: truckDecoder, bitrate: 250_000 },
];

/**
 * The seed's scoring settings: an urban depot (no zone source, so a 40 km/h default limit) and the
 * lower harsh thresholds a car's gentle town drive crosses (the van defaults find nothing in it), and
 * scores from 5 km (the bundled log is a 5.9 km excerpt of the drive; defaults: 10 km trip, 100 km rolling).
 */
export const SCORING = resolveConfig('van', { harsh: { braking: { thresholdG: 0.2 }, acceleration: { thresholdG: 0.2 }, cornering: { thresholdG: 0.25 } }, speeding: { limitKmh: 40 }, score: { minTripDistanceKm: 5, minRollingDistanceKm: 5 } });
export const INCIDENTS = resolveIncidentConfig({ accelThresholdG: 0.5 });

export async function seed(): Promise<Seeded> {
  const influxd = await Influxd.start();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ubi-dash-seed-'));
  const store = new Store({
    dir,
    depot: DEPOT,
    influx: { url: influxd.url, database: DB, timeoutMs: 10000 },
    writer: { batchSize: 5000, maxAgeMs: 50 },
    signals: { windowMs: 1000, latenessMs: 2000 },
    healthIntervalMs: 250,
    host: 'gw-test',
  });
  const counts: Record<string, number> = {};
  const put = async (x: unknown[]): Promise<void> => {
    if (x.length === 0) return;
    for (const o of x) {
      const k = (o as { kind?: string; measurement?: string }).kind ?? (o as { measurement?: string }).measurement ?? 'signals';
      counts[k] = (counts[k] ?? 0) + 1;
    }
    await store.accept(x);
  };
  let from = Infinity;
  let to = -Infinity;
  const nowS = Date.now() / 1000;
  for (const log of LOGS) {
    const [lo, hi] = await firstLastT(log.file);
    const offset = Math.floor((nowS - 3600 - hi) / WEEK_S) * WEEK_S;
    from = Math.min(from, (lo + offset) * 1000);
    to = Math.max(to, (hi + offset) * 1000);
    const decoder = log.decoder();
    const scoring = new ScoringEngine({ config: SCORING });
    const incidents = new IncidentEngine({ config: INCIDENTS });
    const monitor = new IngestMonitor(log.vehicle, log.bitrate, (lo + offset) * 1000);
    let nextSample = (lo + offset) * 1000 + 10_000;
    const feed = async (sb: SignalBatch): Promise<void> => {
      await put([sb]);
      await put(scoring.push(sb));
      await put(incidents.push(sb));
    };
    if (log.driver) {
      // the driver's tachograph card, read as the drive starts (the car log has no card reader)
      const card = fromSamples(log.vehicle, []);
      card.texts.push({ t: lo + offset, name: SCORING.signals.driverId, value: log.driver });
      scoring.push(card);
    }
    for await (const fb of shiftedFrames(log.file, log.vehicle, offset)) {
      monitor.observe(fb);
      const tMs = fb.t[fb.count - 1]! * 1000;
      if (tMs >= nextSample) {
        const rates = monitor.sample(tMs);
        await put(rates.map((r) => ({ measurement: 'gateway', tags: { vehicle: log.vehicle, iface: r.iface }, fields: { frames_per_s: r.framesPerSecond, bus_load_pct: r.busLoadPercent, frames_total: r.frames }, time: tMs })));
        nextSample += 10_000;
      }
      const o = decoder.decode(fb);
      if (o.full) await feed(o.full);
    }
    for (const o of decoder.flush()) if (o.full) await feed(o.full);
    await put(scoring.finish());
    await put(incidents.finish());
  }
  await store.flushSignals();
  // the store's own health points carry host time (now): widen the range to include them
  await new Promise((r) => setTimeout(r, 600));
  const t0 = Date.now();
  while (store.stats().pending > 0) {
    if (Date.now() - t0 > 30000) throw new Error(`seed: ${store.stats().pending} points still pending: ${JSON.stringify(store.stats())}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  await store.close(5000);
  to = Math.max(to, Date.now());
  return {
    influxd,
    from,
    to,
    counts,
    close: async () => {
      await influxd.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
