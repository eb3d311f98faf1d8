// Scoring state of one vehicle: merges its SignalBatches into one time-ordered stream (reorder.ts),
// then routes each sample to the filters,
// detectors and the trip tracker. Everything advances on sample times only, and every piece of state
// lives here between batches, so the outputs do not depend on how the stream was cut into batches.

import type { SignalBatch, SignalInfo } from '../signals/signal-batch.js';
import { configVersion, parseHhmm, type ScoringConfig } from './config.js';
import { FatigueDetector } from './fatigue.js';
import { History, MovingMedian, SpeedSlope } from './filters.js';
import { G, HarshDetector, type HarshEpisode } from './harsh.js';
import { IdlingDetector } from './idling.js';
import { ImuCalibrator } from './imu-calibration.js';
import { inWindow, LocalClock } from './local-time.js';
import { computeScore, RollingScores, type TripRecord } from './score.js';
import { Reorderer, type ReleasedRefs, type ReleasedVisitor } from './reorder.js';
import { SpeedingDetector } from './speeding.js';
import { TripTracker, type TripAcc } from './trips.js';
import { ImuAssembly } from './vec.js';
import type { AccelSource, EventRef, EventType, ImuCalibration, Position, ScoringEvent, ScoringOutput, TripSummary } from './types.js';

const enum Role {
  None,
  Speed,
  Lon,
  Lat,
  Yaw,
  Latitude,
  Longitude,
  EngineSpeed,
  EngineRunning,
  Odometer,
  Fuel,
  ImuX,
  ImuY,
  ImuZ,
}

/** A source stays "live" (and outranks lower ones) this long after its last sample, s. */
const LIVE_S = 1;

/** Shared across the vehicles of one engine: rolling scores per driver and per vehicle. */
export interface ScoreBooks {
  drivers: RollingScores;
  vehicles: RollingScores;
}

const r3 = (x: number): number => Math.round(x * 1000) / 1000;

export class VehicleScorer {
  private readonly version: string;
  private readonly roles = new Map<string, Role>();
  private readonly speedHist: History;
  private readonly slope: SpeedSlope;
  private readonly calib: ImuCalibrator;
  private readonly medians: Record<'measuredLon' | 'measuredLat' | 'imuLon' | 'imuLat' | 'yawLat', MovingMedian>;
  /** newest raw time per axis and source: lon measured, calibrated, derived, then lat (typed: no boxed number per store) */
  private readonly lastLive = new Float64Array(6).fill(-Infinity);
  private readonly braking: HarshDetector;
  private readonly accel: HarshDetector;
  private readonly corner: HarshDetector;
  private readonly speeding: SpeedingDetector;
  private readonly idling: IdlingDetector;
  private readonly fatigue: FatigueDetector;
  private readonly trips: TripTracker;
  private readonly clock: LocalClock;
  private readonly nightStart: number;
  private readonly nightEnd: number;
  private readonly fixes: Position[] = [];
  private pendingLat: [number, number] | null = null;
  private pendingLon: [number, number] | null = null;
  private readonly imu = new ImuAssembly();
  /** scratch IMU vector (the calibrator reads it, keeps nothing) */
  private readonly imuVec: [number, number, number] = [0, 0, 0];
  private odometer: number | null = null;
  private fuel: number | null = null;
  private engineSignal = false;
  private driver: string | undefined;
  private readonly driverChanges: Array<[number, string | undefined]> = [];
  private tachograph = false;
  private lastSpeed: number | null = null;
  private lastSpeedT = -Infinity;
  private now = -Infinity;
  private fatigueCounted: number | null = null;
  private out: ScoringOutput[] = [];
  private readonly merge: Reorderer;
  /** role by merge key (see reorder.ts), -1: not known yet */
  private roleByKey = new Int8Array(64).fill(-1);

  constructor(
    readonly vehicle: string,
    readonly cfg: ScoringConfig,
    private readonly books: ScoreBooks,
    reorderS = 1,
  ) {
    this.version = configVersion(cfg);
    // signals without a role never reach the scorer: dropped before the merge copies them
    this.merge = new Reorderer(reorderS, (info) => this.roleOf(info) !== Role.None);
    const a = cfg.acceleration;
    this.speedHist = new History(Math.max(10, cfg.harsh.maxGapS * 4));
    this.slope = new SpeedSlope(a.derivedWindowS, a.derivedMinSamples, a.derivedMinSpan);
    this.calib = new ImuCalibrator(vehicle, a, cfg.trip.stopSpeedKmh);
    const h = cfg.harsh;
    const w = h.smoothingS;
    // medians tell when they cannot reach a threshold (m/s^2, a hair inside it: rounding of the / G)
    const level = (g: number): number => g * G * (1 - 1e-9);
    const lon = (): MovingMedian => new MovingMedian(w, -level(h.braking.thresholdG), level(h.acceleration.thresholdG));
    const lat = (): MovingMedian => new MovingMedian(w, -level(h.cornering.thresholdG), level(h.cornering.thresholdG));
    this.medians = { measuredLon: lon(), measuredLat: lat(), imuLon: lon(), imuLat: lat(), yawLat: lat() };
    this.braking = new HarshDetector('harsh_braking', h.braking, h.hysteresisG, h.maxGapS);
    this.accel = new HarshDetector('harsh_acceleration', h.acceleration, h.hysteresisG, h.maxGapS);
    this.corner = new HarshDetector('harsh_cornering', h.cornering, h.hysteresisG, h.maxGapS);
    this.speeding = new SpeedingDetector(cfg.speeding, cfg.trip.maxSampleGapS);
    this.idling = new IdlingDetector(cfg.idling.minDurationS, cfg.trip.maxSampleGapS);
    this.fatigue = new FatigueDetector(cfg.fatigue);
    this.trips = new TripTracker(cfg.trip, (acc, t1) => this.tripEnded(acc, t1));
    this.clock = new LocalClock(cfg.night.timeZone);
    this.nightStart = parseHhmm(cfg.night.start);
    this.nightEnd = parseHhmm(cfg.night.end);
    const s = cfg.signals;
    const roles: Array<[string, Role]> = [
      [s.speed, Role.Speed],
      [s.accelLongitudinal, Role.Lon],
      [s.accelLateral, Role.Lat],
      [s.yawRate, Role.Yaw],
      [s.latitude, Role.Latitude],
      [s.longitude, Role.Longitude],
      [s.engineSpeed, Role.EngineSpeed],
      [s.engineRunning, Role.EngineRunning],
      [s.odometer, Role.Odometer],
      [s.fuelUsed, Role.Fuel],
      [s.imuX, Role.ImuX],
      [s.imuY, Role.ImuY],
      [s.imuZ, Role.ImuZ],
    ];
    for (const [n, r] of roles) this.roles.set(n, r);
  }

  private roleOf(info: SignalInfo): Role {
    const r = this.roles.get(info.name) ?? Role.None;
    // acceleration someone else derived from speed: we derive our own, with a filter we can vouch for
    if ((r === Role.Lon || r === Role.Lat) && info.derived) return Role.None;
    return r;
  }

  /** Processes one batch (after the time merge); returns what it produced. */
  push(b: SignalBatch): ScoringOutput[] {
    this.merge.push(b);
    this.process();
    return this.drain();
  }

  /** What the merge released: its late samples, then its held range. */
  private process(): void {
    this.merge.visitReleased(this.runReleased);
  }

  private readonly runReleased: ReleasedVisitor = (ts, vs, ks, keys, refs, from, to) => this.run(ts, vs, ks, keys, refs, from, to);

  private run(ts: Float64Array, vs: Float64Array, ks: Uint8Array, keys: Int32Array, refs: ReleasedRefs, from: number, to: number): void {
    for (let i = from; i < to; i++) {
      if (ks[i] === 0) {
        const x = refs.text(i);
        this.text(ts[i]!, x.name, x.value);
        continue;
      }
      const role = this.roleAt(keys, refs, i);
      if (role === Role.ImuX && i + 2 < to && this.imuTriple(ts, vs, ks, keys, refs, i)) i += 2;
      else if (role !== Role.None) this.sample(ts[i]!, role, vs[i]!);
      else this.advance(ts[i]!);
    }
  }

  private roleAt(keys: Int32Array, refs: ReleasedRefs, i: number): Role {
    const key = keys[i]!;
    const role = key < this.roleByKey.length ? this.roleByKey[key]! : -1;
    return role >= 0 ? role : this.learnRole(key, refs.info(i));
  }

  /**
   * Samples i, i + 1, i + 2 as one IMU frame when they are its X, Y and Z (the merge's usual order:
   * same time, names in order): what the three sample() calls would do, in one step. false (nothing
   * done) when they are not, or when the per-axis path could do otherwise (a NaN; axes of this time
   * already waiting for the rest of their frame).
   */
  private imuTriple(ts: Float64Array, vs: Float64Array, ks: Uint8Array, keys: Int32Array, refs: ReleasedRefs, i: number): boolean {
    const t = ts[i]!;
    if (ts[i + 1] !== t || ts[i + 2] !== t || ks[i + 1] === 0 || ks[i + 2] === 0) return false;
    if (this.roleAt(keys, refs, i + 1) !== Role.ImuY || this.roleAt(keys, refs, i + 2) !== Role.ImuZ) return false;
    const x = vs[i]!;
    const y = vs[i + 1]!;
    const z = vs[i + 2]!;
    const m = this.imu;
    if (Number.isNaN(x) || Number.isNaN(y) || Number.isNaN(z) || (m.t === t && m.have !== 0)) return false;
    // one advance for three samples of one time: the trip clock does nothing the second time at the same t
    this.advance(t);
    m.t = t;
    m.have = 0;
    m.x = x;
    m.y = y;
    m.z = z;
    this.imuFrame();
    return true;
  }

  /** Role of a merge key (same name and derived flag: same role), remembered by key. */
  private learnRole(key: number, info: SignalInfo): Role {
    if (this.roleByKey.length <= key) {
      const r = new Int8Array(Math.max(key + 1, this.roleByKey.length * 2)).fill(-1);
      r.set(this.roleByKey);
      this.roleByKey = r;
    }
    const role = this.roleOf(info);
    this.roleByKey[key] = role;
    return role;
  }

  /** End of data: closes open episodes and the open trip. */
  finish(): ScoringOutput[] {
    this.merge.flush();
    this.process();
    this.harsh(this.braking.flush());
    this.harsh(this.accel.flush());
    this.harsh(this.corner.flush());
    this.speedingDone(this.speeding.flush());
    this.idleDone(this.idling.flush(this.fuel));
    this.fatigueDone(this.fatigue.end(this.now));
    this.trips.finish();
    return this.drain();
  }

  private drain(): ScoringOutput[] {
    const o = this.out;
    this.out = [];
    return o;
  }

  private advance(t: number): void {
    if (t > this.now) this.now = t;
    this.trips.tick(t);
  }

  private text(t: number, name: string, value: string): void {
    this.advance(t);
    const s = this.cfg.signals;
    if (name === s.driverId) {
      this.tachograph = true;
      const d = value.trim() || undefined;
      this.setDriver(t, d);
    } else if (name === s.ignition && !this.engineSignal) {
      const v = value.trim().toUpperCase();
      this.trips.setEngine(t, v === 'ON' || v === 'START');
    }
  }

  private setDriver(t: number, d: string | undefined): void {
    if (d === this.driver) return;
    this.fatigueDone(this.fatigue.end(t));
    this.fatigueCounted = null;
    this.driver = d;
    this.driverChanges.push([t, d]);
    if (this.driverChanges.length > 64) this.driverChanges.shift();
  }

  private driverAt(t: number): string | undefined {
    if (!this.tachograph) {
      for (const r of this.cfg.roster) {
        if (Date.parse(r.from) / 1000 <= t && (r.to === undefined || t < Date.parse(r.to) / 1000)) return r.driver;
      }
      return undefined;
    }
    for (let i = this.driverChanges.length - 1; i >= 0; i--) if (this.driverChanges[i]![0] <= t) return this.driverChanges[i]![1];
    return undefined;
  }

  /** Last fix at or before t (binary search; fixes are kept for trip.maxGapS + 2 min). */
  private positionAt(t: number): Position | null {
    const f = this.fixes;
    let lo = 0;
    let hi = f.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (f[mid]!.t <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 ? f[lo - 1]! : null;
  }

  private speedAt(t: number): number | null {
    return this.speedHist.at(t, this.cfg.trip.maxSampleGapS);
  }

  private sample(t: number, role: Role, v: number): void {
    if (Number.isNaN(v)) return;
    this.advance(t);
    switch (role) {
      case Role.Speed:
        return this.speed(t, v);
      case Role.Lon:
        return this.lonLatMedian('lon', 'measured', this.medians.measuredLon, t, v);
      case Role.Lat:
        return this.lonLatMedian('lat', 'measured', this.medians.measuredLat, t, v);
      case Role.Yaw: {
        const sp = this.freshSpeed(t);
        if (sp === null) return;
        return this.lonLatMedian('lat', 'derived', this.medians.yawLat, t, (sp / 3.6) * ((v * Math.PI) / 180));
      }
      case Role.Latitude:
        this.pendingLat = [t, v];
        return this.fix();
      case Role.Longitude:
        this.pendingLon = [t, v];
        return this.fix();
      case Role.EngineSpeed:
        this.engineSignal = true;
        this.trips.setEngine(t, v >= this.cfg.engine.runningRpm);
        return this.idleCheck(t);
      case Role.EngineRunning:
        this.engineSignal = true;
        this.trips.setEngine(t, v >= 0.5);
        return this.idleCheck(t);
      case Role.Odometer:
        this.odometer = v;
        return;
      case Role.Fuel:
        this.fuel = v;
        return;
      case Role.ImuX:
      case Role.ImuY:
      case Role.ImuZ:
        return this.imuAxis(t, role, v);
    }
  }

  private freshSpeed(t: number): number | null {
    return this.lastSpeed !== null && t - this.lastSpeedT <= this.cfg.trip.maxSampleGapS ? this.lastSpeed : null;
  }

  private fix(): void {
    const a = this.pendingLat;
    const b = this.pendingLon;
    if (!a || !b || Math.abs(a[0] - b[0]) > 0.5) return;
    this.pendingLat = this.pendingLon = null;
    if (Math.abs(a[1]) > 90 || Math.abs(b[1]) > 180 || (a[1] === 0 && b[1] === 0)) return;
    const p: Position = { t: Math.max(a[0], b[0]), lat: a[1], lon: b[1] };
    this.fixes.push(p);
    const keep = p.t - this.cfg.trip.maxGapS - 120;
    // dropped in steps of more than 256: no scan while the 257th is still kept
    if (this.fixes.length >= 260 && this.fixes[256]!.t < keep) {
      let drop = 0;
      while (drop < this.fixes.length - 3 && this.fixes[drop]!.t < keep) drop++;
      if (drop > 256) this.fixes.splice(0, drop);
    }
    const tr = this.trips.trip;
    if (tr && !tr.startPosition) tr.startPosition = p;
  }

  private imuAxis(t: number, role: Role, v: number): void {
    if (this.imu.add(t, role - Role.ImuX, v)) this.imuFrame();
  }

  /**
   * The whole IMU sample in `imu` (sensor axes, m/s^2): calibration, then the vehicle axes once it is
   * calibrated. (No number arguments: a call the compiler does not inline boxes each one.)
   */
  private imuFrame(): void {
    const m = this.imu;
    const t = m.t;
    const x = m.x;
    const y = m.y;
    const z = m.z;
    const a = this.imuVec;
    a[0] = x;
    a[1] = y;
    a[2] = z;
    // NaN (no speed) is not below the threshold, as null is not
    const standing = this.speedHist.valueAt(t, this.cfg.trip.maxSampleGapS) < this.cfg.trip.stopSpeedKmh;
    this.calibration(this.calib.imuSample(t, a, standing));
    const c = this.calib;
    if (!c.projectInto(x, y, z)) return;
    const lon = c.projLon;
    const lat = c.projLat;
    const mLon = this.medians.imuLon;
    const mLat = this.medians.imuLat;
    // lonLatMedian() twice, with the numbers going only to the small add() (a call the compiler does not inline boxes them)
    mLon.add(t, lon);
    this.medianToDetectors('lon', 'calibrated', mLon);
    mLat.add(t, lat);
    this.medianToDetectors('lat', 'calibrated', mLat);
  }

  private calibration(c: ImuCalibration | null): void {
    if (c) this.out.push(c);
  }

  private speed(t: number, v: number): void {
    if (t < this.lastSpeedT) return;
    const step = this.trips.speed(t, v, this.odometer);
    this.lastSpeed = v;
    this.lastSpeedT = t;
    this.speedHist.push(t, v);
    if (step) this.interval(t, step.dt, step.moving);
    this.speedingDone(this.speeding.push(t, v));
    this.idleCheck(t);
    const d = this.slope.push(t, v / 3.6);
    if (d) {
      const sp = this.speedAt(d[0]) ?? v;
      this.calibration(this.calib.pushDerived(d[0], d[1], sp, this.slope.window));
      this.lonLat('lon', 'derived', d[0], d[1], t);
    }
  }

  /** A driving/standing interval [t - dt, t]: fatigue, night share, per-driver time. */
  private interval(t: number, dt: number, moving: boolean): void {
    this.fatigueDone(this.fatigue.interval(t, dt, moving));
    const tr = this.trips.trip;
    const f0 = this.fatigue.openSince;
    if (f0 !== null && this.fatigueCounted !== f0) {
      this.fatigueCounted = f0;
      if (tr) this.addToTrip(tr, { id: this.eventId('fatigue', f0), type: 'fatigue', t0: f0 });
    }
    if (!tr || !moving) return;
    if (inWindow(this.clock.minuteOfDay(t - dt / 2), this.nightStart, this.nightEnd)) tr.nightSeconds += dt;
    const d = this.driverAt(t);
    if (d !== undefined) tr.driverSeconds.set(d, (tr.driverSeconds.get(d) ?? 0) + dt);
  }

  private idleCheck(t: number): void {
    const sp = this.freshSpeed(t);
    const idle = sp !== null && sp < this.cfg.trip.stopSpeedKmh && this.trips.engineAt(t) === true;
    this.idleDone(this.idling.push(t, idle, this.fuel));
  }

  /** A raw acceleration sample v (m/s^2) at t from `source`, through its moving median m. */
  private lonLatMedian(axis: 'lon' | 'lat', source: AccelSource, m: MovingMedian, t: number, v: number): void {
    m.add(t, v);
    this.medianToDetectors(axis, source, m);
  }

  /** After m.add(): the median of m to the detectors of `axis`, if `source` is the one to use. */
  private medianToDetectors(axis: 'lon' | 'lat', source: AccelSource, m: MovingMedian): void {
    if (!this.preferred(axis, source, m.newest)) return;
    const closed = axis === 'lon' ? !this.braking.active && !this.accel.active : !this.corner.active;
    if (closed && !m.mayLeave()) {
      // below every threshold: the detectors only see time pass (and the median is not computed)
      if (axis === 'lon') {
        this.braking.quiet(m.stamp);
        this.accel.quiet(m.stamp);
      } else this.corner.quiet(m.stamp);
      return;
    }
    this.toDetectors(axis, source, m.stamp, m.median());
  }

  /** A filtered acceleration sample a (m/s^2) from `source`, stamped `t`; `raw` is the sample time. */
  private lonLat(axis: 'lon' | 'lat', source: AccelSource, t: number, a: number, raw: number): void {
    if (this.preferred(axis, source, raw)) this.toDetectors(axis, source, t, a);
  }

  /** Notes that `source` was heard at raw time `raw`; false when a better source was heard within LIVE_S. */
  private preferred(axis: 'lon' | 'lat', source: AccelSource, raw: number): boolean {
    const live = this.lastLive;
    const base = axis === 'lon' ? 0 : 3;
    const si = source === 'measured' ? 0 : source === 'calibrated' ? 1 : 2;
    live[base + si] = raw;
    // measured over calibrated over derived
    if (si > 0 && raw - live[base]! <= LIVE_S) return false;
    if (si > 1 && raw - live[base + 1]! <= LIVE_S) return false;
    return true;
  }

  private toDetectors(axis: 'lon' | 'lat', source: AccelSource, t: number, a: number): void {
    const sp = this.speedAt(t);
    if (axis === 'lon') {
      this.harsh(this.braking.push(t, -a / G, sp, source));
      this.harsh(this.accel.push(t, a / G, sp, source));
    } else {
      this.harsh(this.corner.push(t, Math.abs(a) / G, sp, source));
    }
  }

  private eventId(type: EventType, t0: number): string {
    return `${this.vehicle}/${type}/${Math.round(t0 * 1000)}`;
  }

  private emit(e: Omit<ScoringEvent, 'kind' | 'id' | 'vehicle' | 'driver' | 'position' | 'configVersion' | 'duration'>): void {
    const driver = this.driverAt(e.t0);
    const ev: ScoringEvent = {
      kind: 'event',
      id: this.eventId(e.type, e.t0),
      vehicle: this.vehicle,
      ...(driver !== undefined ? { driver } : {}),
      ...e,
      duration: r3(e.t1 - e.t0),
      position: this.positionAt(e.t0),
      configVersion: this.version,
    };
    this.out.push(ev);
    const tr = this.trips.trip;
    if (tr && ev.t1 >= tr.t0) {
      this.addToTrip(tr, { id: ev.id, type: ev.type, t0: ev.t0 });
      if (ev.type === 'speeding') tr.speedingSeconds += ev.overSeconds ?? 0;
      if (ev.accelSource) tr.accelSources.add(ev.accelSource);
    }
  }

  private addToTrip(tr: TripAcc, ref: EventRef): void {
    if (tr.events.some((e) => e.id === ref.id)) return;
    tr.events.push(ref);
    tr.counts[ref.type]++;
  }

  private harsh(e: HarshEpisode | null): void {
    if (!e) return;
    this.emit({
      type: e.type,
      t0: e.t0,
      t1: e.t1,
      peak: r3(e.peak),
      unit: 'g',
      peakT: e.peakT,
      threshold: e.threshold,
      speedAtStart: r3(e.speedAtStart),
      accelSource: e.source,
    });
  }

  private speedingDone(e: ReturnType<SpeedingDetector['push']>): void {
    if (!e) return;
    this.emit({
      type: 'speeding',
      t0: e.t0,
      t1: e.t1,
      peak: r3(e.peak),
      unit: 'km/h',
      peakT: e.peakT,
      threshold: e.limitKmh + this.cfg.speeding.toleranceKmh,
      speedAtStart: r3(e.speedAtStart),
      limitKmh: e.limitKmh,
      overSeconds: r3(e.overSeconds),
      overDistanceKm: r3(e.overDistanceKm),
    });
  }

  private idleDone(e: ReturnType<IdlingDetector['push']>): void {
    if (!e) return;
    const idle = r3(e.t1 - e.t0);
    this.emit({
      type: 'idling',
      t0: e.t0,
      t1: e.t1,
      peak: idle,
      unit: 's',
      peakT: e.t1,
      threshold: this.cfg.idling.minDurationS,
      speedAtStart: this.speedAt(e.t0),
      idleSeconds: idle,
      fuelLitres: e.fuelLitres,
    });
  }

  private fatigueDone(e: ReturnType<FatigueDetector['end']>): void {
    if (!e) return;
    this.emit({
      type: 'fatigue',
      t0: e.t0,
      t1: e.t1,
      peak: r3(e.drivingSeconds / 3600),
      unit: 'h',
      peakT: e.t1,
      threshold: this.cfg.fatigue.maxDrivingS / 3600,
      speedAtStart: this.speedAt(e.t0),
      drivingSeconds: r3(e.drivingSeconds),
    });
  }

  private tripEnded(acc: TripAcc, t1: number): void {
    // episodes whose data stopped belong to this trip: close them before summing it up
    this.harsh(this.braking.closeIfStale(this.now));
    this.harsh(this.accel.closeIfStale(this.now));
    this.harsh(this.corner.closeIfStale(this.now));
    this.speedingDone(this.speeding.closeIfStale(this.now));
    this.idleDone(this.idling.closeIfStale(this.now));
    // the speed integral is exact to the speed's own accuracy; the odometer (often 1 km steps, or
    // GNSS-based) only fills in when gaps left holes in the integral
    const odo = acc.odo0 !== null && acc.odoLast !== null && acc.odoLast >= acc.odo0 ? acc.odoLast - acc.odo0 : null;
    const useOdo = odo !== null && acc.gapSeconds > 0 && odo > acc.speedDistanceKm;
    const distance = useOdo ? odo : acc.speedDistanceKm;
    if (distance < this.cfg.trip.minDistanceKm) return;
    // the events list may hold ones that began before t1 only
    const events = acc.events.filter((e) => e.t0 <= t1);
    const counts = { ...acc.counts };
    for (const e of acc.events) if (e.t0 > t1) counts[e.type]--;
    let driver: string | undefined;
    let best = -1;
    for (const [d, s] of [...acc.driverSeconds].sort((x, y) => (x[0] < y[0] ? -1 : 1))) {
      if (s > best) {
        best = s;
        driver = d;
      }
    }
    const id = `${this.vehicle}/trip/${Math.round(acc.t0 * 1000)}`;
    const rec: TripRecord = { id, t0: acc.t0, t1, distanceKm: distance, drivingSeconds: acc.drivingSeconds, speedingSeconds: acc.speedingSeconds, counts, events };
    const sc = this.cfg.score;
    const tripScore = computeScore('trip', id, { ...rec, from: acc.t0, to: t1, trips: [id] }, sc, sc.minTripDistanceKm, { vehicle: this.vehicle, ...(driver !== undefined ? { driver } : {}) }, this.version);
    const summary: TripSummary = {
      kind: 'trip',
      id,
      vehicle: this.vehicle,
      ...(driver !== undefined ? { driver } : {}),
      drivers: [...acc.driverSeconds.keys()].sort(),
      t0: acc.t0,
      t1,
      duration: r3(t1 - acc.t0),
      drivingSeconds: r3(acc.drivingSeconds),
      idleSeconds: r3(acc.idleSeconds),
      gapSeconds: r3(acc.gapSeconds),
      distance: r3(distance),
      distanceSource: useOdo ? 'odometer' : 'speed',
      speedDistance: r3(acc.speedDistanceKm),
      odometerDistance: odo === null ? null : r3(odo),
      maxSpeed: r3(acc.maxSpeed),
      startPosition: acc.startPosition,
      endPosition: this.positionAt(t1),
      counts,
      speedingSeconds: r3(acc.speedingSeconds),
      speedingShare: tripScore.speedingShare,
      nightSeconds: r3(acc.nightSeconds),
      nightShare: acc.drivingSeconds > 0 ? r3(acc.nightSeconds / acc.drivingSeconds) : 0,
      accelSources: [...acc.accelSources].sort(),
      score: tripScore.score,
      scoreStatus: tripScore.status,
      version: tripScore.version,
      configVersion: this.version,
      events,
    };
    this.out.push(summary, tripScore);
    const min = sc.minRollingDistanceKm;
    const vin = this.books.vehicles.add(this.vehicle, rec, sc.rollingDays);
    this.out.push(computeScore('vehicle', this.vehicle, vin, sc, min, { vehicle: this.vehicle }, this.version));
    if (driver !== undefined) {
      const din = this.books.drivers.add(driver, rec, sc.rollingDays);
      this.out.push(computeScore('driver', driver, din, sc, min, { driver }, this.version));
    }
  }
}
