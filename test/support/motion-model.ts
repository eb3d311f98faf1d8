// A small vehicle-motion model for scenario drives with known ground truth.
//
// A drive is a list of phases of constant longitudinal acceleration (speed clamps at 0) and lateral
// acceleration (cornering), with the engine on or off, or a data gap. The model samples it like a
// vehicle's buses would: wheel speed and engine speed at 10 Hz, a 100 Hz IMU mounted the way the car
// drive's module is (gravity on +X, so longitudinal and lateral land on the other axes), GNSS at 1 Hz;
// each with timestamp jitter, dropped samples, noise and the DBC's quantisation (seeded: the same
// options give the same drive). It renders to VSS samples (what the decoder will emit) or to CAN
// frames through the DBC encoder (CSS J1939 demo EEC1/CCVS1 + gnss.dbc), so the decode path can be
// exercised end to end once the decoder exists. Optionally a tachograph on can0 broadcasts the driver
// cards (J1939 DI, PGN 65131) by BAM; off by default, and it draws no random numbers, so drives
// without it are unchanged.

import { fromFrames, type CanFrame, type FrameBatch } from '../../edge/can/frame.js';
import type { Database } from '../../edge/dbc/index.js';
import { broadcastFrames, encodeDriverId, PGN } from '../../edge/dbc/j1939/index.js';
import { rng } from './rng.js';
import { SignalBatchBuilder, type Sample, type SignalBatch, type SignalInfo, type TextSample } from '../../edge/signals/signal-batch.js';

export const G0 = 9.80665;

export interface Phase {
  duration: number;
  /** longitudinal acceleration, m/s^2 (negative brakes); speed never goes below 0 */
  accel?: number;
  /** lateral acceleration, m/s^2 (positive to the left) */
  lateral?: number;
  /** engine running (default true) */
  engine?: boolean;
  /** no data at all during this phase */
  gap?: boolean;
  /** the IMU is being handled (someone turns it at ~250 deg/s and knocks it) while the vehicle does this phase */
  handled?: boolean;
  label?: string;
}

/** The cards in the tachograph from a time on. */
export interface TachographCards {
  /** seconds after t0, or the label of the phase from whose start on these cards are in */
  from: number | string;
  /** driver 1 card id ('' = no card) */
  driver: string;
  /** driver 2 (co-driver) card id; default '' (none) */
  coDriver?: string;
}

export interface TachographOptions {
  /** in time order; before the first entry's time the tachograph sends nothing */
  cards: TachographCards[];
  /** seconds between DI broadcasts (default 10; J1939-71 has DI on request, tachographs and FMS
   * gateways broadcast it every few seconds or on change: this is the model's choice); one also goes
   * out at each change */
  period?: number;
  /** source address; default 0xEE, the tachograph's preferred address in J1939 */
  sa?: number;
}

export interface DriveOptions {
  /** start time, s since the epoch */
  t0?: number;
  seed?: number;
  speedHz?: number;
  imuHz?: number;
  gnssHz?: number;
  rpmHz?: number;
  /** timestamp jitter, uniform +-, as a fraction of each stream's period */
  jitter?: number;
  /** probability that a sample is dropped */
  dropRate?: number;
  /** IMU vibration noise, m/s^2 (standard deviation) */
  imuNoise?: number;
  /** wheel-speed noise, km/h (standard deviation) */
  speedNoise?: number;
  /** emit Vehicle.Acceleration.Longitudinal/Lateral as a measured signal (100 Hz) */
  measuredAccel?: boolean;
  /** emit a yaw rate (10 Hz) */
  yaw?: boolean;
  driver?: string;
  start?: { lat: number; lon: number };
  /** accumulated fuel signal: litres per hour at idle and per km driving */
  fuel?: { idleLph: number; perKm: number };
  /** a tachograph broadcasting the driver cards (DI, PGN 65131) by BAM on can0; default none */
  tachograph?: TachographOptions;
}

export interface PhaseTruth {
  label: string;
  t0: number;
  t1: number;
  /** km/h at t0 and t1 */
  v0: number;
  v1: number;
  accel: number;
  lateral: number;
  engine: boolean;
  gap: boolean;
}

export interface Drive {
  samples: Sample[];
  texts: TextSample[];
  infos: SignalInfo[];
  phases: PhaseTruth[];
  /** total distance, km (analytic) */
  distanceKm: number;
  t0: number;
  t1: number;
  /** CAN frames of the same drive (can0: EEC1 + CCVS1; can1: gnss.dbc), for the decode path */
  frames(j1939: Database, gnss: Database): Array<{ iface: string; frame: CanFrame }>;
}

export { rng };

/**
 * Model frames cut into FrameBatches the way a live gateway hands them on: runs of one interface in
 * time order, at most `run` frames each; `shiftS` moves every timestamp (a later drive of the same shape).
 */
export function frameBatches(frames: ReadonlyArray<{ iface: string; frame: CanFrame }>, vehicle: string, run = 50, shiftS = 0): FrameBatch[] {
  const out: FrameBatch[] = [];
  for (let i = 0; i < frames.length; ) {
    const iface = frames[i]!.iface;
    let j = i;
    while (j < frames.length && frames[j]!.iface === iface && j - i < run) j++;
    out.push(fromFrames(vehicle, iface, frames.slice(i, j).map((f) => (shiftS ? { ...f.frame, t: f.frame.t + shiftS } : f.frame))));
    i = j;
  }
  return out;
}

export const NAMES = {
  speed: 'Vehicle.Speed',
  rpm: 'Vehicle.Powertrain.CombustionEngine.Speed',
  lat: 'Vehicle.CurrentLocation.Latitude',
  lon: 'Vehicle.CurrentLocation.Longitude',
  accLon: 'Vehicle.Acceleration.Longitudinal',
  accLat: 'Vehicle.Acceleration.Lateral',
  yaw: 'Vehicle.AngularVelocity.Yaw',
  imuX: 'gnss_imu.AccelerationX',
  imuY: 'gnss_imu.AccelerationY',
  imuZ: 'gnss_imu.AccelerationZ',
  rateX: 'gnss_imu.AngularRateX',
  rateY: 'gnss_imu.AngularRateY',
  rateZ: 'gnss_imu.AngularRateZ',
  driver: 'Vehicle.Driver.Identifier.Subject',
  coDriver: 'Vehicle.Driver.CoDriver.Identifier.Subject',
  fuel: 'Vehicle.Powertrain.FuelSystem.AccumulatedConsumption',
} as const;

const quant = (v: number, step: number): number => Math.round(v / step) * step;

interface State {
  /** m/s */
  v: number;
  aLon: number;
  aLat: number;
  engine: boolean;
  gap: boolean;
  handled: boolean;
  /** seconds into the phase */
  tIn: number;
  /** m travelled since the start */
  s: number;
}

export function drive(phases: readonly Phase[], o: DriveOptions = {}): Drive {
  const t0 = o.t0 ?? 1_700_000_000;
  const rand = rng(o.seed ?? 1);
  const gauss = (): number => {
    const u = Math.max(rand(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
  // phase table
  const truth: PhaseTruth[] = [];
  const starts: Array<{ t0: number; v0: number; s0: number; p: Phase }> = [];
  let t = t0;
  let v = 0;
  let s = 0;
  for (const p of phases) {
    const a = p.accel ?? 0;
    const d = p.duration;
    const tStop = a < 0 ? -v / a : Infinity;
    const v1 = Math.max(0, v + a * d);
    const ds = tStop < d ? (v * tStop) / 2 : v * d + (a * d * d) / 2;
    starts.push({ t0: t, v0: v, s0: s, p });
    truth.push({ label: p.label ?? '', t0: t, t1: t + d, v0: v * 3.6, v1: v1 * 3.6, accel: a, lateral: p.lateral ?? 0, engine: p.engine ?? true, gap: p.gap ?? false });
    t += d;
    v = v1;
    s += ds;
  }
  const tEnd = t;
  const state = (tq: number): State => {
    let i = starts.length - 1;
    while (i > 0 && starts[i]!.t0 > tq) i--;
    const st = starts[i]!;
    const a = st.p.accel ?? 0;
    const dt = Math.max(0, Math.min(tq - st.t0, st.p.duration));
    const tStop = a < 0 ? -st.v0 / a : Infinity;
    const moving = dt < tStop;
    const vv = moving ? st.v0 + a * dt : 0;
    const ds = moving ? st.v0 * dt + (a * dt * dt) / 2 : (st.v0 * tStop) / 2;
    return { v: vv, aLon: moving ? a : 0, aLat: vv > 0.5 ? (st.p.lateral ?? 0) : 0, engine: st.p.engine ?? true, gap: st.p.gap ?? false, handled: st.p.handled ?? false, tIn: dt, s: st.s0 + ds };
  };

  type Tick = { t: number; st: State };
  const stream = (hz: number): Tick[] => {
    const out: Tick[] = [];
    if (!hz) return out;
    const period = 1 / hz;
    const jit = (o.jitter ?? 0.1) * period;
    for (let k = 0; ; k++) {
      const nominal = t0 + k * period;
      if (nominal > tEnd) break;
      const tt = nominal + (rand() * 2 - 1) * jit;
      const drop = rand() < (o.dropRate ?? 0.02);
      if (drop || tt < t0 || tt > tEnd) continue;
      const st = state(tt);
      if (st.gap) continue;
      out.push({ t: tt, st });
    }
    return out;
  };
  const speedTicks = stream(o.speedHz ?? 10);
  const rpmTicks = stream(o.rpmHz ?? 10);
  const imuTicks = stream(o.imuHz ?? 100);
  const gnssTicks = stream(o.gnssHz ?? 1);
  const accTicks = o.measuredAccel ? stream(100) : [];
  const yawTicks = o.yaw ? stream(10) : [];

  const start = o.start ?? { lat: 56.15, lon: 10.2 };
  const mPerDegLat = 111_320;
  const posOf = (sm: number): [number, number] => [start.lat + sm / mPerDegLat, start.lon];
  const noise = (sd: number): number => (sd ? gauss() * sd : 0);

  // values, quantised as the DBCs carry them
  const speedVals = speedTicks.map(({ st }) => (st.engine || st.v > 0 ? Math.max(0, quant(st.v * 3.6 + noise(o.speedNoise ?? 0.1), 1 / 256)) : 0));
  const rpmVals = rpmTicks.map(({ st }) => (st.engine ? quant(650 + st.v * 40 + noise(5), 0.125) : 0));
  const imuNoise = o.imuNoise ?? 0.3;
  // mounting: sensor X = up, sensor Y = backward, sensor Z = right (right-handed)
  const clip = (x: number): number => Math.max(-64, Math.min(63.875, quant(x, 0.125)));
  const clipRate = (x: number): number => Math.max(-256, Math.min(255.75, quant(x, 0.25)));
  const imuVals = imuTicks.map(({ st }) => {
    if (st.handled) {
      // turned about its Y axis at 250 deg/s (gravity sweeps through X and Z), knocked every 0.5 s
      const th = (250 * st.tIn * Math.PI) / 180;
      const knock = st.tIn % 0.5 < 0.03 ? 25 : 0;
      return [clip(G0 * Math.cos(th) + knock), clip(noise(imuNoise) - knock), clip(G0 * Math.sin(th))] as const;
    }
    const up = G0 + noise(imuNoise);
    const fwd = st.aLon + noise(imuNoise);
    const left = st.aLat + noise(imuNoise);
    return [clip(up), clip(-fwd), clip(-left)] as const;
  });
  // angular rates (deg/s) in sensor axes: yaw is about sensor X (up)
  const rateVals = imuTicks.map(({ st }) => {
    if (st.handled) return [clipRate(noise(5)), clipRate(250 + noise(5)), clipRate(noise(5))] as const;
    const yaw = st.v > 0.5 ? ((st.aLat / st.v) * 180) / Math.PI : 0;
    return [clipRate(yaw + noise(0.3)), clipRate(noise(0.3)), clipRate(noise(0.3))] as const;
  });
  const gnssVals = gnssTicks.map(({ st }) => posOf(st.s).map((x) => quant(x, 1e-6)) as [number, number]);

  const samples: Sample[] = [];
  speedTicks.forEach((k, i) => samples.push({ t: k.t, name: NAMES.speed, value: speedVals[i]! }));
  rpmTicks.forEach((k, i) => samples.push({ t: k.t, name: NAMES.rpm, value: rpmVals[i]! }));
  imuTicks.forEach((k, i) => {
    const [x, y, z] = imuVals[i]!;
    samples.push({ t: k.t, name: NAMES.imuX, value: x }, { t: k.t, name: NAMES.imuY, value: y }, { t: k.t, name: NAMES.imuZ, value: z });
    const [rx, ry, rz] = rateVals[i]!;
    samples.push({ t: k.t, name: NAMES.rateX, value: rx }, { t: k.t, name: NAMES.rateY, value: ry }, { t: k.t, name: NAMES.rateZ, value: rz });
  });
  gnssTicks.forEach((k, i) => samples.push({ t: k.t, name: NAMES.lat, value: gnssVals[i]![0] }, { t: k.t, name: NAMES.lon, value: gnssVals[i]![1] }));
  accTicks.forEach((k) => samples.push({ t: k.t, name: NAMES.accLon, value: k.st.aLon + noise(imuNoise) }, { t: k.t, name: NAMES.accLat, value: k.st.aLat + noise(imuNoise) }));
  yawTicks.forEach((k) => samples.push({ t: k.t, name: NAMES.yaw, value: k.st.v > 0.5 ? ((k.st.aLat / k.st.v) * 180) / Math.PI : 0 }));
  if (o.fuel) {
    const f = o.fuel;
    let litres = 1000;
    let prev = t0;
    for (const k of rpmTicks) {
      litres += k.st.engine ? ((k.t - prev) * f.idleLph) / 3600 + ((k.st.v * (k.t - prev)) / 1000) * f.perKm : 0;
      prev = k.t;
      samples.push({ t: k.t, name: NAMES.fuel, value: quant(litres, 0.5) });
    }
  }
  // stable sort by time: streams keep their order at equal times
  samples.sort((a, b) => a.t - b.t);
  const texts: TextSample[] = [];
  if (o.driver) {
    for (let tt = t0; tt <= tEnd; tt += 1) if (!state(tt).gap) texts.push({ t: tt, name: NAMES.driver, value: o.driver });
  }
  // tachograph DI broadcasts: the frames go out in frames(); as VSS texts every broadcast's ids come
  // at the time its last packet completes it (where the decoder delivers it)
  const diGap = 0.05;
  const diSends: Array<{ t: number; payload: Uint8Array }> = [];
  if (o.tachograph) {
    const tc = o.tachograph;
    const period = tc.period ?? 10;
    const at = (from: number | string): number => (typeof from === 'number' ? t0 + from : phaseStart(truth, from));
    const cards = tc.cards.map((c) => ({ t: at(c.from), driver: c.driver, coDriver: c.coDriver ?? '' }));
    const times = new Set<number>(cards.map((c) => c.t));
    for (let tt = t0; tt <= tEnd; tt += period) times.add(tt);
    for (const tt of [...times].sort((a, b) => a - b)) {
      let cur: (typeof cards)[number] | undefined;
      for (const c of cards) if (c.t <= tt) cur = c;
      if (cur === undefined || tt > tEnd) continue;
      const payload = encodeDriverId(cur.driver, cur.coDriver);
      const done = tt + (payload.length > 8 ? Math.ceil(payload.length / 7) * diGap : 0);
      if (done > tEnd || state(tt).gap || state(done).gap) continue;
      diSends.push({ t: tt, payload });
      texts.push({ t: done, name: NAMES.driver, value: cur.driver }, { t: done, name: NAMES.coDriver, value: cur.coDriver });
    }
    texts.sort((a, b) => a.t - b.t);
  }
  const infos: SignalInfo[] = [
    { name: NAMES.speed, unit: 'km/h', derived: false },
    { name: NAMES.rpm, unit: 'rpm', derived: false },
    { name: NAMES.accLon, unit: 'm/s^2', derived: false },
    { name: NAMES.accLat, unit: 'm/s^2', derived: false },
  ];

  const frames = (j1939: Database, gnss: Database): Array<{ iface: string; frame: CanFrame }> => {
    const out: Array<{ iface: string; frame: CanFrame }> = [];
    const msg = (db: Database, n: string) => {
      const m = db.messageByName(n);
      if (!m) throw new Error(`no message ${n}`);
      return m;
    };
    const eec1 = msg(j1939, 'EEC1');
    const ccvs1 = msg(j1939, 'CCVS1');
    const imu = msg(gnss, 'gnss_imu');
    const pos = msg(gnss, 'gnss_pos');
    const mk = (tt: number, m: ReturnType<typeof msg>, data: Uint8Array): CanFrame => ({ t: tt, id: m.id, ext: m.extended, fd: false, data });
    speedTicks.forEach((k, i) => out.push({ iface: 'can0', frame: mk(k.t, ccvs1, ccvs1.encode({ WheelBasedVehicleSpeed: speedVals[i]! })) }));
    rpmTicks.forEach((k, i) => out.push({ iface: 'can0', frame: mk(k.t, eec1, eec1.encode({ EngineSpeed: rpmVals[i]! })) }));
    imuTicks.forEach((k, i) => {
      const [x, y, z] = imuVals[i]!;
      const [rx, ry, rz] = rateVals[i]!;
      out.push({ iface: 'can1', frame: mk(k.t, imu, imu.encode({ ImuValid: 1, AccelerationX: x, AccelerationY: y, AccelerationZ: z, AngularRateX: rx, AngularRateY: ry, AngularRateZ: rz })) });
    });
    gnssTicks.forEach((k, i) => out.push({ iface: 'can1', frame: mk(k.t, pos, pos.encode({ PositionValid: 1, PositionAccuracy: 2, Latitude: gnssVals[i]![0], Longitude: gnssVals[i]![1] })) }));
    const sa = o.tachograph?.sa ?? 0xee;
    for (const d of diSends) for (const f of broadcastFrames(PGN.DI, sa, d.payload, d.t, { gap: diGap })) out.push({ iface: 'can0', frame: f });
    out.sort((a, b) => a.frame.t - b.frame.t);
    return out;
  };

  return { samples, texts, infos, phases: truth, distanceKm: s / 1000, t0, t1: tEnd, frames };
}

/** Cuts a drive into SignalBatches of `size` samples (texts go with the batch their time falls in). */
export function batches(d: Pick<Drive, 'samples' | 'texts' | 'infos'>, size: number, vehicle = 'V1'): SignalBatch[] {
  const byName = new Map(d.infos.map((i) => [i.name, i]));
  const out: SignalBatch[] = [];
  let ti = 0;
  for (let i = 0; i < d.samples.length; i += size) {
    const b = new SignalBatchBuilder(vehicle, size);
    const end = Math.min(d.samples.length, i + size);
    for (let j = i; j < end; j++) {
      const s = d.samples[j]!;
      b.push(s.t, b.signalIndex(byName.get(s.name) ?? { name: s.name, unit: '', derived: false }), s.value);
    }
    const last = end === d.samples.length ? Infinity : d.samples[end - 1]!.t;
    while (ti < d.texts.length && d.texts[ti]!.t <= last) {
      const x = d.texts[ti++]!;
      b.pushText(x.t, x.name, x.value);
    }
    out.push(b.take());
  }
  if (ti < d.texts.length) {
    const b = new SignalBatchBuilder(vehicle, 1);
    while (ti < d.texts.length) {
      const x = d.texts[ti++]!;
      b.pushText(x.t, x.name, x.value);
    }
    out.push(b.take());
  }
  return out;
}

function phaseStart(phases: readonly PhaseTruth[], label: string): number {
  const p = phases.find((x) => x.label === label);
  if (!p) throw new Error(`no phase ${label}`);
  return p.t0;
}

/** Phase i's start time in a drive. */
export const phaseAt = (d: Drive, label: string): PhaseTruth => {
  const p = d.phases.find((x) => x.label === label);
  if (!p) throw new Error(`no phase ${label}`);
  return p;
};
