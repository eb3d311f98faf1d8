// Crash detection for one vehicle (see DESIGN.md): triggers from horizontal acceleration, a sharp
// speed drop or a crash signal; one incident per physical event (later triggers inside the
// post-window fold into it); an IMU trigger at standstill must pass the handled/loose-sensor check.
// Every sample goes into a ring buffer so the incident carries all signals from preS before to postS
// after its first trigger. Frame time only: the same samples give the same outputs in any batching.

import type { SignalBatch, SignalInfo, TextSample } from '../signals/signal-batch.js';
import { CLASS_DEFAULTS } from '../scoring/config.js';
import { History } from '../scoring/filters.js';
import { G } from '../scoring/harsh.js';
import { ImuCalibrator } from '../scoring/imu-calibration.js';
import { Reorderer, type ReleasedRefs, type ReleasedVisitor } from '../scoring/reorder.js';
import type { Position } from '../scoring/types.js';
import { angleDeg, dot, ImuAssembly, type Vec3 } from '../scoring/vec.js';
import { INCIDENT_CONFIG_SCHEMA, type IncidentConfig } from './config.js';
import { SampleRing } from './ring-buffer.js';
import type { CrashAccelSource, Incident, IncidentOutput, IncidentRecording, IncidentTrigger } from './types.js';

// the order matters: scan() and step() tell the IMU's roles apart by range (<= ImuZ, <= RateZ)
const enum Role {
  Other,
  ImuX,
  ImuY,
  ImuZ,
  RateX,
  RateY,
  RateZ,
  Speed,
  Lat,
  Lon,
  AccLon,
  AccLat,
  Crash,
}

interface Open {
  id: string;
  t: number;
  trigger: IncidentTrigger;
  triggers: Incident['triggers'];
  closeAt: number;
  moving: boolean;
  speedBefore: number | null;
  driver: string | undefined;
  fix: { position: Position | null; previous: Position[] };
}

interface Pending {
  t: number;
  g: number;
}

interface Disturbance {
  t: number;
  t1: number;
  peakG: number;
  maxRate: number | null;
  maxTilt: number | null;
  lastActive: number;
  reason: string;
}

const r3 = (x: number): number => Math.round(x * 1000) / 1000;

/**
 * FIFO of (t, up to 3 values) in typed arrays: push at the end, drop from the front (no shift()).
 * The front is trimmed lazily: keepFrom() only notes the bound while bounds do not decrease, and the
 * drop runs before a read, when the columns are full, or when a lower bound comes. The queue then
 * holds the same samples as one that dropped after every push: with non-decreasing bounds, the
 * samples those drops remove are exactly the leading ones older than the last bound.
 */
class TimeQueue {
  t: Float64Array = new Float64Array(256);
  c0: Float64Array = new Float64Array(256);
  c1: Float64Array;
  c2: Float64Array;
  head = 0;
  end = 0;
  /** samples older than this may be dropped from the front (not done yet); VehicleIncidents.scan() sets it when it does not decrease */
  keep = -Infinity;

  constructor(cols: number) {
    this.c1 = new Float64Array(cols > 1 ? 256 : 0);
    this.c2 = new Float64Array(cols > 2 ? 256 : 0);
  }

  push(t: number, a: number, b: number, c: number): void {
    if (this.end === this.t.length) this.makeRoom();
    const i = this.end++;
    this.t[i] = t;
    this.c0[i] = a;
    if (this.c1.length) {
      this.c1[i] = b;
      if (this.c2.length) this.c2[i] = c;
    }
  }

  /** Room for n more samples, which VehicleIncidents.scan() writes at `end` itself. */
  reserve(n: number): void {
    if (this.end + n > this.t.length) this.makeRoom(n);
  }

  /** Samples older than `keep` at the front may go (as a shift() loop would drop them now). */
  keepFrom(keep: number): void {
    // a lower bound (or NaN) must not replace one not yet applied
    if (!(keep >= this.keep)) this.dropFront();
    this.keep = keep;
  }

  /** Applies the pending keepFrom(): call before reading [head, end). */
  dropFront(): void {
    let h = this.head;
    const e = this.end;
    const ts = this.t;
    const keep = this.keep;
    while (h < e && ts[h]! < keep) h++;
    if (h === e) h = this.end = 0;
    this.head = h;
  }

  /** Room for `extra` more at the end: compacts, or doubles the columns when more than half would be held. */
  private makeRoom(extra = 1): void {
    this.dropFront();
    const live = this.end - this.head;
    let c = this.t.length;
    while ((live + extra) * 2 > c) c *= 2;
    const move = (a: Float64Array): Float64Array => {
      if (a.length === 0) return a;
      if (c === a.length) {
        a.copyWithin(0, this.head, this.end);
        return a;
      }
      const b = new Float64Array(c);
      b.set(a.subarray(this.head, this.end));
      return b;
    };
    this.t = move(this.t);
    this.c0 = move(this.c0);
    this.c1 = move(this.c1);
    this.c2 = move(this.c2);
    this.head = 0;
    this.end = live;
  }
}

export class VehicleIncidents {
  private readonly ring = new SampleRing();
  private readonly roles = new Map<string, Role>();
  private readonly crash = new Set<string>();
  private readonly speed = new History(40);
  private readonly gravity: ImuCalibrator;
  private readonly fixes: Position[] = [];
  private pendingLat: [number, number] | null = null;
  private pendingLon: [number, number] | null = null;
  /** the IMU vector being put together: its time, axes, and which axes are in (bits 1, 2, 4) */
  private readonly imu = new ImuAssembly();
  /** scratch IMU vector (the calibrator reads it, keeps nothing; recentImu copies it) */
  private readonly imuVec: Vec3 = [0, 0, 0];
  private acc = { t: NaN, lon: 0, lat: 0, have: 0 };
  /** recent IMU vectors and angular rates for the handling check */
  private readonly recentImu = new TimeQueue(3);
  private readonly recentRate = new TimeQueue(1);
  private rateSeen = false;
  /** time of the last trimRecent() */
  private trimmedAt = NaN;
  private prevAbove = false;
  private dropCandidate: { t: number; from: number; to: number } | null = null;
  private pending: Pending | null = null;
  private disturbance: Disturbance | null = null;
  private open: Open | null = null;
  private driver: string | undefined;
  private now = -Infinity;
  private nextTrim = -Infinity;
  /** next sample time at which timeEvents() is due (see schedule()) */
  private nextEvent = -Infinity;
  /** no check, incident or disturbance open: scan() may take samples */
  private idle = true;
  private out: IncidentOutput[] = [];
  private readonly version: string;
  private readonly merge: Reorderer;
  /** by merge key (see reorder.ts): ring id << 4 | role, or -1 while the key is not known yet */
  private codeByKey = new Int32Array(64).fill(-1);

  constructor(
    readonly vehicle: string,
    private readonly c: IncidentConfig,
    reorderS = 0.2,
  ) {
    this.merge = new Reorderer(reorderS);
    this.version = `${INCIDENT_CONFIG_SCHEMA}:${JSON.stringify([c.accelThresholdG, c.speedDropKmh, c.speedDropWindowS, c.preS, c.postS, c.handling.maxRateDegS, c.handling.maxTiltDeg])}`;
    this.gravity = new ImuCalibrator(vehicle, CLASS_DEFAULTS.van.acceleration, c.standstillKmh, true);
    const s = c.signals;
    const pairs: Array<[string, Role]> = [
      [s.speed, Role.Speed],
      [s.latitude, Role.Lat],
      [s.longitude, Role.Lon],
      [s.accelLongitudinal, Role.AccLon],
      [s.accelLateral, Role.AccLat],
      [s.imuX, Role.ImuX],
      [s.imuY, Role.ImuY],
      [s.imuZ, Role.ImuZ],
      [s.rateX, Role.RateX],
      [s.rateY, Role.RateY],
      [s.rateZ, Role.RateZ],
    ];
    for (const [n, r] of pairs) this.roles.set(n, r);
    for (const n of c.crashSignals) this.crash.add(n);
  }

  push(b: SignalBatch): IncidentOutput[] {
    this.merge.push(b);
    this.process();
    return this.drain();
  }

  /** What the merge released: its late samples, then its held range. */
  private process(): void {
    this.merge.visitReleased(this.runReleased);
  }

  private readonly runReleased: ReleasedVisitor = (ts, vs, ks, keys, refs, from, to) => this.run(ts, vs, ks, keys, refs, from, to);

  /**
   * A released range [from, to). Every decoded sample passes here, so the common case (nothing open,
   * known signals) goes through scan(), one loop with its state in locals and no call per sample;
   * step() takes the rest one sample at a time.
   */
  private run(ts: Float64Array, vs: Float64Array, ks: Uint8Array, keys: Int32Array, refs: ReleasedRefs, from: number, to: number): void {
    // room for the whole range: scan() and step() write the ring's columns without checks
    this.ring.reserve(to - from);
    let i = from;
    while (i < to) {
      if (this.idle) {
        i = this.scan(ts, vs, ks, keys, i, to);
        if (i === to) break;
      }
      this.step(ts, vs, ks, keys, refs, i++);
    }
  }

  /**
   * What step() does, for the samples of the common case: while idle (nothing open), samples of known
   * signals whose time is before nextEvent go into the ring; IMU axes are put together (a complete
   * vector goes to imuVector()), angular rates queued for the handling check. Same effects, in the same
   * order, as step() on each of those samples. Stops before a sample it leaves to step()
   * (a text, a new signal, a due time event, a role other than IMU axis or rate, a queue trim bound
   * that goes back), or after an IMU vector whose trigger opened something.
   */
  private scan(ts: Float64Array, vs: Float64Array, ks: Uint8Array, keys: Int32Array, from: number, to: number): number {
    const ring = this.ring;
    const rt = ring.t;
    const rs = ring.sig;
    const rv = ring.val;
    const mask = rt.length - 1;
    let w = ring.end;
    const codes = this.codeByKey;
    const next = this.nextEvent;
    let now = this.now;
    let imuT = this.imu.t;
    let ix = this.imu.x;
    let iy = this.imu.y;
    let iz = this.imu.z;
    let have = this.imu.have;
    const rq = this.recentRate;
    rq.reserve(to - from);
    const qt = rq.t;
    const qr = rq.c0;
    let qe = rq.end;
    const iq = this.recentImu;
    let trimmedAt = this.trimmedAt;
    let rates = false;
    const wb = this.c.handling.windowBeforeS;
    const wa = this.c.handling.windowAfterS;
    let i = from;
    for (; i < to; i++) {
      if (ks[i] === 0) break;
      const key = keys[i]!;
      const code = key < codes.length ? codes[key]! : -1;
      const t = ts[i]!;
      if (code < 0 || t >= next) break;
      const role = code & 15;
      if (role > Role.RateZ) break;
      const v = vs[i]!;
      // a rate's trim (as trimRecent() computes it) that would make the queues drop is step()'s
      let keep = NaN;
      if (role >= Role.RateX && v === v && t !== trimmedAt) {
        keep = t - wb - wa - 1;
        if (!(keep >= rq.keep && keep >= iq.keep)) break;
      }
      rt[w] = t;
      rs[w] = code >> 4;
      rv[w] = v;
      w = (w + 1) & mask;
      if (t > now) now = t;
      if (role === Role.Other || v !== v) continue;
      if (role <= Role.ImuZ) {
        if (imuT !== t) {
          imuT = t;
          have = 0;
        }
        if (role === Role.ImuX) ix = v;
        else if (role === Role.ImuY) iy = v;
        else iz = v;
        have |= 1 << (role - Role.ImuX);
        if (have === 7) {
          have = 0;
          // imuVector() reads the vector from the fields, and its trim may move the rate queue
          this.imu.t = imuT;
          this.imu.x = ix;
          this.imu.y = iy;
          this.imu.z = iz;
          rq.end = qe;
          this.trimmedAt = trimmedAt;
          this.imuVector();
          qe = rq.end;
          trimmedAt = this.trimmedAt;
          if (!this.idle) {
            // a trigger opened a check or an incident: step() from here on
            i++;
            break;
          }
        }
      } else {
        rates = true;
        qt[qe] = t;
        qr[qe] = Math.abs(v);
        qe++;
        if (t !== trimmedAt) {
          trimmedAt = t;
          rq.keep = iq.keep = keep;
        }
      }
    }
    ring.end = w;
    this.now = now;
    this.imu.t = imuT;
    this.imu.x = ix;
    this.imu.y = iy;
    this.imu.z = iz;
    this.imu.have = have;
    rq.end = qe;
    this.trimmedAt = trimmedAt;
    if (rates) this.rateSeen = true;
    return i;
  }

  /** Sample i, whatever it is and whatever is open (see scan()). */
  private step(ts: Float64Array, vs: Float64Array, ks: Uint8Array, keys: Int32Array, refs: ReleasedRefs, i: number): void {
    if (ks[i] === 0) {
      const x = refs.text(i);
      this.text({ t: ts[i]!, name: x.name, value: x.value });
      return;
    }
    const key = keys[i]!;
    let code = key < this.codeByKey.length ? this.codeByKey[key]! : -1;
    if (code < 0) code = this.learn(key, refs.info(i));
    const t = ts[i]!;
    const v = vs[i]!;
    this.ring.append(t, code >> 4, v);
    if (t > this.now) this.now = t;
    if (t >= this.nextEvent) this.timeEvents(t);
    const role = code & 15;
    if (role === Role.Other || Number.isNaN(v)) return;
    if (role <= Role.ImuZ) {
      if (this.imu.add(t, role - Role.ImuX, v)) this.imuVector();
    } else if (role <= Role.RateZ) this.rate(t, v);
    else this.sample(t, role, v);
  }

  /** An angular rate (not NaN), for the handling check. */
  private rate(t: number, v: number): void {
    this.rateSeen = true;
    const r = Math.abs(v);
    this.recentRate.push(t, r, 0, 0);
    if (t !== this.trimmedAt) this.trimRecent(t);
    if (r > this.c.handling.maxRateDegS && this.disturbance) this.disturbance.lastActive = t;
  }

  /** Ring id and role of a merge key (same name and derived flag: same id and role), remembered by key. */
  private learn(key: number, info: SignalInfo): number {
    if (this.codeByKey.length <= key) {
      const codes = new Int32Array(Math.max(key + 1, this.codeByKey.length * 2)).fill(-1);
      codes.set(this.codeByKey);
      this.codeByKey = codes;
    }
    return (this.codeByKey[key] = (this.ring.id(info) << 4) | this.roleOf(info));
  }

  /** End of data: closes what is open with the data there is. */
  finish(): IncidentOutput[] {
    this.merge.flush();
    this.process();
    if (this.pending) this.evaluatePending(this.now);
    if (this.open) this.finalize();
    if (this.disturbance) this.endDisturbance();
    this.schedule();
    return this.drain();
  }

  private drain(): IncidentOutput[] {
    const o = this.out;
    this.out = [];
    return o;
  }

  private roleOf(info: SignalInfo): Role {
    if (this.crash.has(info.name)) return Role.Crash;
    const r = this.roles.get(info.name) ?? Role.Other;
    if ((r === Role.AccLon || r === Role.AccLat) && info.derived) return Role.Other;
    return r;
  }

  private text(x: TextSample): void {
    this.ring.pushText(x);
    if (x.name === this.c.signals.driverId) this.driver = x.value.trim() || undefined;
  }

  /**
   * The checks that follow the data's time, for a sample at t, all of them; then when they are next
   * due: at the next ring trim while nothing is open, else at the next sample.
   */
  private timeEvents(t: number): void {
    if (this.pending && t >= this.pending.t + this.c.handling.windowAfterS) this.evaluatePending(t);
    if (this.open && t > this.open.closeAt) this.finalize();
    if (this.disturbance && t - this.disturbance.lastActive >= this.c.handling.quietS) this.endDisturbance();
    // the ring is trimmed every 0.25 s of data, not per sample (it holds at most that much more)
    if (t >= this.nextTrim) {
      this.nextTrim = t + 0.25;
      if (this.ring.size > 0) this.ring.dropBefore(Math.min(t, this.open ? this.open.t : t, this.pending ? this.pending.t : t) - this.c.preS);
    }
    this.schedule();
  }

  /** Whether scan() may run, and when timeEvents() is next due; after every change of pending, open or disturbance. */
  private schedule(): void {
    this.idle = !this.pending && !this.open && !this.disturbance;
    this.nextEvent = this.idle ? this.nextTrim : -Infinity;
  }

  /** A sample of the less frequent roles (speed, position, measured acceleration, crash signals), not NaN. */
  private sample(t: number, role: Role, v: number): void {
    switch (role) {
      case Role.Speed:
        return this.speedSample(t, v);
      case Role.Lat:
        this.pendingLat = [t, v];
        return this.fix();
      case Role.Lon:
        this.pendingLon = [t, v];
        return this.fix();
      case Role.AccLon:
      case Role.AccLat:
        return this.measured(t, role, v);
      case Role.Crash:
        if (v > 0) this.trigger(t, 'crash_signal', v, null);
        return;
      default:
        return;
    }
  }

  private fix(): void {
    const a = this.pendingLat;
    const b = this.pendingLon;
    if (!a || !b || Math.abs(a[0] - b[0]) > 0.5) return;
    this.pendingLat = this.pendingLon = null;
    if (a[1] === 0 && b[1] === 0) return;
    this.fixes.push({ t: Math.max(a[0], b[0]), lat: a[1], lon: b[1] });
    if (this.fixes.length > 8) this.fixes.shift();
  }

  private speedSample(t: number, v: number): void {
    const c = this.c;
    const cand = this.dropCandidate;
    if (cand) {
      if (v > cand.to + c.speedDropKmh / 2) this.dropCandidate = null; // bounced back: a glitch, not a crash
      else if (t >= cand.t + c.speedDropConfirmS) {
        this.dropCandidate = null;
        this.trigger(cand.t, 'speed_drop', cand.from - cand.to, null);
      }
    }
    const before = this.maxSpeedIn(t - c.speedDropWindowS, t);
    this.speed.push(t, v);
    if (!this.dropCandidate && before !== null && before - v >= c.speedDropKmh) this.dropCandidate = { t, from: before, to: v };
  }

  /** Highest speed sample in [from, to), or null when none. */
  private maxSpeedIn(from: number, to: number): number | null {
    return this.speed.maxIn(from, to);
  }

  private measured(t: number, role: Role, v: number): void {
    const a = this.acc;
    if (a.t !== t) {
      a.t = t;
      a.have = 0;
    }
    if (role === Role.AccLon) a.lon = v;
    else a.lat = v;
    a.have |= role === Role.AccLon ? 1 : 2;
    if (a.have !== 3) return;
    a.have = 0;
    this.horizontal(t, Math.sqrt(a.lon * a.lon + a.lat * a.lat) / G);
  }

  /** The IMU vector just completed (this.imu): gravity learning, the handling check's history, the trigger. */
  private imuVector(): void {
    const t = this.imu.t;
    const a = this.imuVec;
    a[0] = this.imu.x;
    a[1] = this.imu.y;
    a[2] = this.imu.z;
    // gravity is learnt at quiet standstills only; never while a disturbance or an incident is open
    if (!this.disturbance && !this.pending && !this.open) this.gravity.pushImu(t, a, this.speedAt(t, 2));
    this.recentImu.push(t, a[0], a[1], a[2]);
    this.trimRecent(t);
    const up = this.gravity.up;
    let h: number;
    if (up) {
      const vert = dot(a, up);
      // sqrt of the sum, not Math.hypot: this runs per IMU sample and hypot is several times slower
      const x = a[0] - vert * up[0];
      const y = a[1] - vert * up[1];
      const z = a[2] - vert * up[2];
      h = Math.sqrt(x * x + y * y + z * z) / G;
    } else {
      // no gravity reference yet: a horizontal pulse of threshold g on top of 1 g gravity has a
      // magnitude of sqrt(thr^2 + 1); compare that, scaled back to the threshold
      const mag = Math.sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]) / G;
      const thr = this.c.accelThresholdG;
      h = (mag * thr) / Math.sqrt(thr * thr + 1);
    }
    this.horizontal(t, h);
  }

  /** speed.at(t, maxAgeS); at or after the newest speed sample (the IMU's usual case) without its search. */
  private speedAt(t: number, maxAgeS: number): number | null {
    const last = this.speed.lastT;
    // History.at: the last sample at or before t, null when older than maxAgeS
    if (last !== null && t >= last) return t - last > maxAgeS ? null : this.speed.last;
    return this.speed.at(t, maxAgeS);
  }

  private trimRecent(t: number): void {
    // a second trim for the same time changes nothing (same bound): run() skips it
    this.trimmedAt = t;
    const keep = t - this.c.handling.windowBeforeS - this.c.handling.windowAfterS - 1;
    this.recentImu.keepFrom(keep);
    this.recentRate.keepFrom(keep);
  }

  private horizontal(t: number, g: number): void {
    const above = g >= this.c.accelThresholdG;
    // two consecutive samples over the threshold: one corrupt sample is not a crash
    if (above && this.prevAbove) this.trigger(t, 'acceleration', g, g);
    this.prevAbove = above;
    if (this.disturbance && (above || g >= 1)) this.disturbance.lastActive = t;
    if (this.disturbance && g > this.disturbance.peakG) this.disturbance.peakG = g;
    if (this.pending && g > this.pending.g) this.pending.g = g;
  }

  private speedBefore(t: number): number | null {
    let m: number | null = null;
    for (let k = 0; k <= 10; k++) {
      const v = this.speed.at(t - k * 0.1, 2);
      if (v !== null && (m === null || v > m)) m = v;
    }
    return m;
  }

  private trigger(t: number, trigger: IncidentTrigger, value: number, g: number | null): void {
    const o = this.open;
    if (o && t <= o.closeAt) {
      if (o.triggers.length < 100 && (o.triggers[o.triggers.length - 1]!.trigger !== trigger || t - o.triggers[o.triggers.length - 1]!.t > 0.5)) o.triggers.push({ t, trigger, value: r3(value) });
      return;
    }
    if (this.disturbance) {
      if (g !== null) this.disturbance.lastActive = t;
      return;
    }
    if (this.pending) return;
    const sb = this.speedBefore(t);
    const moving = sb !== null && sb >= this.c.standstillKmh;
    if (trigger === 'acceleration' && !moving) {
      // parked (or speed unknown): wait windowAfterS for the handled/loose-sensor check
      this.pending = { t, g: g ?? 0 };
      this.schedule();
      return;
    }
    this.openIncident(t, trigger, value, g, sb, moving);
  }

  private openIncident(t: number, trigger: IncidentTrigger, value: number, g: number | null, sb: number | null, moving: boolean): void {
    const id = `${this.vehicle}/incident/${Math.round(t * 1000)}`;
    const driver = this.driver;
    const pos = this.fixAt(t);
    this.open = { id, t, trigger, triggers: [{ t, trigger, value: r3(value) }], closeAt: t + this.c.postS, moving, speedBefore: sb, driver, fix: pos };
    this.schedule();
    this.out.push({
      kind: 'incident_alert',
      id,
      vehicle: this.vehicle,
      ...(driver !== undefined ? { driver } : {}),
      t,
      trigger,
      peakG: g === null ? null : r3(g),
      speedBefore: sb === null ? null : r3(sb),
      position: pos.position,
      moving,
      configVersion: this.version,
    });
  }

  /** The handled/loose-sensor check of a parked IMU trigger, with data up to `now`. */
  private evaluatePending(now: number): void {
    const p = this.pending!;
    this.pending = null;
    const from = p.t - this.c.handling.windowBeforeS;
    const to = Math.min(now, p.t + this.c.handling.windowAfterS);
    let maxRate: number | null = null;
    if (this.rateSeen) {
      maxRate = 0;
      const q = this.recentRate;
      q.dropFront();
      for (let k = q.head; k < q.end; k++) {
        const t = q.t[k]!;
        const r = q.c0[k]!;
        if (t >= from && t <= to && r > maxRate) maxRate = r;
      }
    }
    let maxTilt: number | null = null;
    const up = this.gravity.up;
    if (up) {
      maxTilt = 0;
      const q = this.recentImu;
      q.dropFront();
      const xs: Array<[number, Vec3]> = [];
      for (let k = q.head; k < q.end; k++) {
        const t = q.t[k]!;
        if (t >= from && t <= to) xs.push([t, [q.c0[k]!, q.c1[k]!, q.c2[k]!]]);
      }
      // per-axis medians over 0.4 s: where gravity points while the sensor is being turned. A median
      // ignores the impact itself (a hit lasts ~0.1 s), a mean would read the hit as a tilt.
      const col: number[][] = [[], [], []];
      for (let i = 0; i < xs.length; i++) {
        for (const c of col) c.length = 0;
        for (let j = i; j >= 0 && xs[j]![0] > xs[i]![0] - 0.4; j--) for (let k = 0; k < 3; k++) col[k]!.push(xs[j]![1][k]!);
        if (col[0]!.length < 10) continue;
        const med = col.map((c) => c.sort((x, y) => x - y)[c.length >> 1]!) as Vec3;
        if (Math.hypot(med[0], med[1], med[2]) > 0) maxTilt = Math.max(maxTilt, angleDeg(med, up));
      }
    }
    const reasons: string[] = [];
    if (maxRate !== null && maxRate > this.c.handling.maxRateDegS) reasons.push(`angular rate ${maxRate} deg/s > ${this.c.handling.maxRateDegS}`);
    if (maxTilt !== null && maxTilt > this.c.handling.maxTiltDeg) reasons.push(`gravity tilted ${Math.round(maxTilt)} deg > ${this.c.handling.maxTiltDeg}`);
    if (reasons.length) {
      this.disturbance = { t: p.t, t1: to, peakG: p.g, maxRate, maxTilt, lastActive: to, reason: `standstill, ${reasons.join(', ')}: sensor handled or loose` };
      return;
    }
    this.openIncident(p.t, 'acceleration', p.g, p.g, this.speedBefore(p.t), false);
  }

  private endDisturbance(): void {
    const d = this.disturbance!;
    this.disturbance = null;
    this.out.push({
      kind: 'sensor_disturbance',
      vehicle: this.vehicle,
      t: d.t,
      t1: d.lastActive,
      peakG: r3(d.peakG),
      maxRateDegS: d.maxRate,
      maxTiltDeg: d.maxTilt === null ? null : Math.round(d.maxTilt * 10) / 10,
      reason: d.reason,
    });
  }

  private fixAt(t: number): { position: Position | null; previous: Position[] } {
    let i = this.fixes.length - 1;
    while (i >= 0 && this.fixes[i]!.t > t) i--;
    return { position: i >= 0 ? this.fixes[i]! : null, previous: i >= 1 ? this.fixes.slice(Math.max(0, i - 2), i).reverse() : [] };
  }

  private finalize(): void {
    const o = this.open!;
    this.open = null;
    const rec = this.ring.slice(o.t - this.c.preS, o.t + this.c.postS);
    const { peakG, peakT, deltaV, source } = this.pulse(rec, o.t);
    let after: number | null = null;
    for (let k = 0; k <= 20; k++) {
      const v = this.speed.at(o.t + k * 0.1, 1);
      if (v !== null && (after === null || v < after)) after = v;
    }
    const pos = o.fix;
    this.out.push({
      kind: 'incident',
      id: o.id,
      vehicle: this.vehicle,
      ...(o.driver !== undefined ? { driver: o.driver } : {}),
      t: o.t,
      trigger: o.trigger,
      triggers: o.triggers,
      position: pos.position,
      previousFixes: pos.previous,
      peakG,
      peakT,
      accelSource: source,
      deltaV,
      speedBefore: o.speedBefore === null ? null : r3(o.speedBefore),
      speedAfter: after === null ? null : r3(after),
      moving: o.moving,
      recording: rec,
      configVersion: this.version,
    });
  }

  /** Peak horizontal g over the post-window and delta-v over the pulse around t, from the recording. */
  private pulse(rec: IncidentRecording, t: number): { peakG: number | null; peakT: number | null; deltaV: number | null; source: CrashAccelSource } {
    const s = this.c.signals;
    const idx = (n: string): number => rec.signals.findIndex((x) => x.name === n);
    const ix = idx(s.imuX);
    const iy = idx(s.imuY);
    const iz = idx(s.imuZ);
    const up = this.gravity.up;
    const hs: Array<[number, number, number, number]> = []; // t, horizontal vector (3) in m/s^2
    let source: CrashAccelSource = 'none';
    if (ix >= 0 && iy >= 0 && iz >= 0) {
      source = up ? 'calibrated' : 'uncalibrated';
      const cur: number[] = [NaN, NaN, NaN];
      let ct = NaN;
      for (let k = 0; k < rec.t.length; k++) {
        const sg = rec.signal[k]!;
        const which = sg === ix ? 0 : sg === iy ? 1 : sg === iz ? 2 : -1;
        if (which < 0) continue;
        if (rec.t[k] !== ct) {
          ct = rec.t[k]!;
          cur[0] = cur[1] = cur[2] = NaN;
        }
        cur[which] = rec.value[k]!;
        if (Number.isNaN(cur[0]!) || Number.isNaN(cur[1]!) || Number.isNaN(cur[2]!)) continue;
        const a: Vec3 = [cur[0]!, cur[1]!, cur[2]!];
        const g: Vec3 = up ? [up[0] * G, up[1] * G, up[2] * G] : [0, 0, 0];
        const vert = up ? dot(a, up) : 0;
        const h: Vec3 = up ? [a[0] - vert * up[0], a[1] - vert * up[1], a[2] - vert * up[2]] : [a[0] - g[0], a[1] - g[1], a[2] - g[2]];
        hs.push([ct, h[0], h[1], h[2]]);
      }
    }
    if (hs.length === 0) return { peakG: null, peakT: null, deltaV: null, source };
    let peak = 0;
    let peakT = t;
    for (const [tt, x, y, z] of hs) {
      if (tt < t - 0.5) continue;
      const m = Math.hypot(x, y, z) / G;
      if (m > peak) {
        peak = m;
        peakT = tt;
      }
    }
    // the pulse: samples around the peak above 0.5 g, at most 0.5 s either side
    let i = hs.findIndex((x) => x[0] === peakT);
    let a = i;
    while (a > 0 && hs[a - 1]![0] >= peakT - 0.5 && Math.hypot(hs[a - 1]![1], hs[a - 1]![2], hs[a - 1]![3]) / G >= 0.5) a--;
    let b = i;
    while (b < hs.length - 1 && hs[b + 1]![0] <= peakT + 0.5 && Math.hypot(hs[b + 1]![1], hs[b + 1]![2], hs[b + 1]![3]) / G >= 0.5) b++;
    const dv = [0, 0, 0];
    for (i = a + 1; i <= b; i++) {
      const dt = hs[i]![0] - hs[i - 1]![0];
      for (let k = 0; k < 3; k++) dv[k]! += ((hs[i]![k + 1]! + hs[i - 1]![k + 1]!) / 2) * dt;
    }
    return { peakG: r3(peak), peakT, deltaV: r3(Math.hypot(dv[0]!, dv[1]!, dv[2]!) * 3.6), source };
  }
}
