// Seeds a real InfluxDB by replaying real candump logs through the appliance's engines and store,
// as a gateway reading the replay from vcan would see it: frames in log order, shifted by whole
// weeks so the drive lies in the last week (raw retention, dashboards' "now-7d") with its time of
// day and weekday kept; decoder -> signal windows, scoring (trips, events, scores), incidents,
// per-interface bus health (IngestMonitor), and the store's own health points, all through the
// real Store/outbox/writer into influxd.
// The insurance measurements come from the real insurance code over the synthetic sample register
// (test/fixtures/insurance, its dates shifted so that today is 62 days after its first expiry):
// the renewal schedule's daily run (RenewalScheduler + RenewalService, `renewal` points as the
// ubi-renewal node makes them), the claims service filing the seeded incidents as FNOL claims with
// a local HTTPS insurer (test/support/test-insurer.ts), which acknowledges them and closes one by a
// signed callback (`claim` points through the store's claim_status converter, and the register's
// claims ledger), and computeKpis + kpiPoints over the year to today (`kpi`).
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
import { ClaimsService } from '../../edge/insurance/claims/service.js';
import type { ClaimStatus } from '../../edge/insurance/claims/types.js';
import { addDays, addYears, dayNumber, isoOfDay, localDate } from '../../edge/insurance/dates.js';
import { computeKpis, type KpiReport } from '../../edge/insurance/kpi.js';
import { kpiPoints, renewalPoint } from '../../edge/insurance/points.js';
import { DEFAULT_QUOTE_CONFIG } from '../../edge/insurance/quote.js';
import { PolicyRegister } from '../../edge/insurance/register.js';
import { RenewalScheduler, type ScheduleConfig } from '../../edge/insurance/schedule.js';
import { RenewalService } from '../../edge/insurance/service.js';
import type { Incident } from '../../edge/incidents/types.js';
import type { StorePoint } from '../../edge/store/point.js';
import { makePki, TestInsurer } from '../support/test-insurer.js';
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
  insurance: Insurance;
  close(): Promise<void>;
}

export interface Insurance {
  /** the depot's date of the renewal run and the KPIs */
  today: string;
  /** renewal points written */
  renewals: StorePoint[];
  /** claims filed (one per seeded incident), the one closed and what the insurer settled it for */
  claims: ClaimStatus[];
  closed: string;
  settledCents: number;
  report: KpiReport;
}

export const TZ = 'Europe/Copenhagen';
const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/insurance');
/** the sample register's first expiry (P-1006) */
const FIRST_EXPIRY = '2025-02-28';
/** the sample register's vehicles as the gateway names them */
export const VEHICLE_VINS = { car: 'WF0XXXTTGXKA00001', truck: 'WDB9066331S000004' } as const;
export const SETTLED_CENTS = 184_250;

/**
 * The sample register with every date moved by the same number of days, so that `today` is 62 days
 * after its first expiry (terms, successions and leap days keep their lengths), and its depots renamed:
 * leeds is the seeded depot, york another one.
 */
export function shiftedRegisterCsv(today: string): { schemes: string; policies: string; days: number } {
  const days = dayNumber(today)! - 62 - dayNumber(FIRST_EXPIRY)!;
  const policies = fs
    .readFileSync(path.join(FIXTURES, 'depot-policies.csv'), 'utf8')
    .replace(/\b(\d{4}-\d{2}-\d{2})\b/g, (d) => isoOfDay(dayNumber(d)! + days))
    .replace(/,leeds,/g, `,${DEPOT},`)
    .replace(/,york,/g, ',depot-2,');
  return { schemes: fs.readFileSync(path.join(FIXTURES, 'depot-schemes.csv'), 'utf8'), policies, days };
}

/** The insurance flows over the sample register; every point and status goes to `put` (the store). */
async function seedInsurance(dir: string, incidents: Incident[], put: (x: unknown[]) => Promise<void>): Promise<Insurance> {
  const now = Date.now();
  const today = localDate(now, TZ);
  const reg = new PolicyRegister(path.join(dir, 'register.db'));
  const pki = makePki(fs.mkdtempSync(path.join(dir, 'pki-')));
  const insurer = new TestInsurer(pki, 'dashboards-seed-secret');
  let claims: ClaimsService | undefined;
  try {
    const csv = shiftedRegisterCsv(today);
    for (const [table, text] of [['schemes', csv.schemes], ['policies', csv.policies]] as const) {
      const r = reg.importCsv(table, text);
      if (r.errors.length > 0 || r.imported === 0) throw new Error(`seed: import ${table}: ${JSON.stringify(r)}`);
    }

    // the daily renewal run, as ubi-renewal does it (nodes/ubi-renewal/ubi-renewal.ts runAt)
    const schedule: ScheduleConfig = { timeZone: TZ, runAt: '00:00', stages: [60, 30, 15], followUpAttempts: 3, followUpEveryDays: 3 };
    const service = new RenewalService(reg, schedule, DEFAULT_QUOTE_CONFIG);
    const renewals: StorePoint[] = [];
    const scheduler = new RenewalScheduler(
      reg,
      schedule,
      (at) => {
        const day = localDate(at, TZ);
        const res = service.run(at, { reminder: () => undefined, quote: () => undefined, referral: () => undefined });
        const decided = new Map([...res.quotes, ...res.referrals].map((d) => [d.policyNumber, d]));
        for (const r of res.reminders) {
          const p = reg.getPolicy(r.policyNumber)!;
          renewals.push(renewalPoint({ policyNumber: p.policyNumber, endDate: p.endDate, depot: p.depot || DEPOT }, day, at, r.stage, decided.get(p.policyNumber) ?? null));
        }
      },
      { now: () => now, setTimer: () => 0, clearTimer: () => undefined },
    );
    scheduler.start(); // today's run time (00:00) has passed and no run happened today: runs at once
    scheduler.stop();
    if (renewals.length === 0) throw new Error('seed: the renewal run sent no reminders');
    await put(renewals);

    // the seeded incidents filed as claims, delivered to the insurer; the first one closed by its callback
    await insurer.start();
    const endpoint = { url: insurer.url, secret: insurer.secret, ca: pki.caCert, timeoutMs: 5000 };
    claims = new ClaimsService({ dir: path.join(dir, 'claims'), register: reg, vehicles: { ...VEHICLE_VINS }, endpoint, retry: { baseMs: 20, maxMs: 200 }, fsync: 'interval' });
    const statuses: ClaimStatus[] = [];
    const warnings: string[] = [];
    claims.on('status', (st) => statuses.push(st));
    claims.on('warning', (w) => warnings.push(w));
    await claims.start();
    const filed: ClaimStatus[] = [];
    for (const i of incidents) filed.push(await claims.submitIncident(i));
    if (filed.length === 0) throw new Error('seed: no incidents to file as claims');
    const t0 = Date.now();
    while (filed.some((f) => claims!.get(f.fnolId)?.state !== 'acknowledged')) {
      if (Date.now() - t0 > 15000) throw new Error(`seed: claims not acknowledged: ${JSON.stringify(filed.map((f) => claims!.get(f.fnolId)?.state))} ${warnings.join('; ')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const closed = filed[0]!.fnolId;
    const cb = insurer.callback({ fnolId: closed, status: 'closed', settledAmountCents: SETTLED_CENTS, closedDate: today });
    const answer = claims.callback(Buffer.from(cb.body), cb.signature);
    if (answer.status !== 200) throw new Error(`seed: callback: ${JSON.stringify(answer)}`);
    await put(statuses); // ClaimStatus -> `claim` points: the store's converter, as ubi-influx-out does

    // the KPIs of the year to today, as known at the end of today
    const to = addDays(today, 1);
    const report = computeKpis(reg, { from: addYears(to, -1), to, asOf: to, timeZone: TZ });
    await put(kpiPoints(report, TZ, DEPOT));
    return { today, renewals, claims: filed.map((f) => claims!.statusOf(claims!.get(f.fnolId)!)), closed, settledCents: SETTLED_CENTS, report };
  } finally {
    await claims?.close();
    await insurer.close();
    reg.close();
  }
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
  const incidentsSeen: Incident[] = [];
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
      const inc = incidents.push(sb);
      incidentsSeen.push(...inc.filter((x): x is Incident => x.kind === 'incident'));
      await put(inc);
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
    const last = incidents.finish();
    incidentsSeen.push(...last.filter((x): x is Incident => x.kind === 'incident'));
    await put(last);
  }
  const insurance = await seedInsurance(dir, incidentsSeen, put);
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
    insurance,
    close: async () => {
      await influxd.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
