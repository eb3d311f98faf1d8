// IMU mounting calibration. An aftermarket IMU can be mounted any way round (the car drive's module
// has gravity on +X), so before its axes mean anything:
// 1. up: the mean acceleration over a standstill (speed below the stop threshold for
//    gravityStandstillS with little spread) is the reaction to gravity, pointing up;
// 2. forward: while driving, the horizontal part of the IMU acceleration (averaged over the same window
//    as the speed slope) is paired with the acceleration derived from speed; forward is the direction
//    of sum(h * a), and the correlation of the IMU along it with the speed-derived acceleration says
//    how well they agree. It is accepted once forwardMinSamples samples with a clear acceleration or
//    braking (|a| >= forwardMinAccelMs2) agree (correlation >= forwardMinCorrelation);
// 3. left = up x forward (ISO 8855: x forward, y left, z up).
// A later standstill whose gravity differs by more than 10 degrees means the sensor moved: start over.

import type { ScoringConfig } from './config.js';
import { angleDeg, cross, dot, round6, unitVec, type Vec3 } from './vec.js';
import type { ImuCalibration } from './types.js';

const MOVED_DEG = 10;

export class ImuCalibrator {
  up: Vec3 | null = null;
  forward: Vec3 | null = null;
  left: Vec3 | null = null;
  private e1: Vec3 = [1, 0, 0];
  private e2: Vec3 = [0, 1, 0];
  // standstill streak
  private still = { n: 0, t0: 0, s: [0, 0, 0] as Vec3, ss: [0, 0, 0] as Vec3 };
  // recent horizontal components (t, c1, c2) from winHead to winEnd, for pairing with the speed
  // slope over the same window; columnar, dropped from the front in steps of more than 64
  private winT = new Float64Array(1024);
  private win1 = new Float64Array(1024);
  private win2 = new Float64Array(1024);
  private winHead = 0;
  private winEnd = 0;
  /** winT is non-decreasing from winHead on (then the drop check needs one look, not a scan) */
  private winSorted = true;
  // least squares sums
  private s11 = 0;
  private s12 = 0;
  private s22 = 0;
  private s1a = 0;
  private s2a = 0;
  private saa = 0;
  private n = 0;
  private correlation: number | null = null;

  constructor(
    private readonly vehicle: string,
    private readonly c: ScoringConfig['acceleration'],
    private readonly stopSpeedKmh: number,
    /** only `up` is wanted (no forward axis: pushDerived is never called), so keep no horizontal window */
    private readonly gravityOnly = false,
  ) {}

  get complete(): boolean {
    return this.forward !== null;
  }

  /** One IMU sample (m/s^2, sensor axes) with the speed at its time; returns a record when the calibration changed. */
  pushImu(t: number, a: Vec3, speedKmh: number | null): ImuCalibration | null {
    return this.imuSample(t, a, speedKmh !== null && speedKmh < this.stopSpeedKmh);
  }

  /** pushImu() with the standstill test made by the caller; small, so the compiler inlines it (no boxed numbers per call). */
  imuSample(t: number, a: Vec3, standing: boolean): ImuCalibration | null {
    let changed: ImuCalibration | null = null;
    if (standing) changed = this.standstill(t, a);
    else this.still.n = 0;
    // the window only serves pushDerived's search for forward (setUp empties it when the search restarts)
    if (this.up && !this.gravityOnly && !this.forward) this.horizontal(t, a);
    return changed;
  }

  /** Horizontal components in the (e1, e2) basis, for the trailing mean over the slope window. */
  private horizontal(t: number, a: Vec3): void {
    const up = this.up!;
    const a0 = a[0];
    const a1 = a[1];
    const a2 = a[2];
    const v = a0 * up[0] + a1 * up[1] + a2 * up[2];
    const h0 = a0 - v * up[0];
    const h1 = a1 - v * up[1];
    const h2 = a2 - v * up[2];
    const e1 = this.e1;
    const e2 = this.e2;
    this.winPush(t, h0 * e1[0] + h1 * e1[1] + h2 * e1[2], h0 * e2[0] + h1 * e2[1] + h2 * e2[2]);
  }

  private winPush(t: number, c1: number, c2: number): void {
    if (this.winEnd === this.winT.length) this.winRoom();
    const e = this.winEnd;
    if (e > this.winHead && !(t >= this.winT[e - 1]!)) this.winSorted = false;
    this.winT[e] = t;
    this.win1[e] = c1;
    this.win2[e] = c2;
    this.winEnd = e + 1;
    // drop the samples older than 6 s at the front once there are more than 64 of them
    const h = this.winHead;
    const len = this.winEnd - h;
    const cut = t - 6;
    const wt = this.winT;
    if (this.winSorted && !(len - 1 > 64 && wt[h + 64]! < cut)) return;
    let drop = 0;
    while (drop < len - 1 && wt[h + drop]! < cut) drop++;
    if (drop > 64) {
      this.winHead = h + drop;
      if (!this.winSorted) {
        let sorted = true;
        for (let i = this.winHead + 1; i < this.winEnd; i++) if (!(wt[i]! >= wt[i - 1]!)) sorted = false;
        this.winSorted = sorted;
      }
    }
  }

  private winRoom(): void {
    const h = this.winHead;
    const live = this.winEnd - h;
    if (live * 2 > this.winT.length) {
      const c = this.winT.length * 2;
      const t = new Float64Array(c);
      t.set(this.winT.subarray(h, this.winEnd));
      const w1 = new Float64Array(c);
      w1.set(this.win1.subarray(h, this.winEnd));
      const w2 = new Float64Array(c);
      w2.set(this.win2.subarray(h, this.winEnd));
      this.winT = t;
      this.win1 = w1;
      this.win2 = w2;
    } else {
      this.winT.copyWithin(0, h, this.winEnd);
      this.win1.copyWithin(0, h, this.winEnd);
      this.win2.copyWithin(0, h, this.winEnd);
    }
    this.winHead = 0;
    this.winEnd = live;
  }

  /** Acceleration derived from speed (m/s^2) at stamp t over a window of windowS, while moving: one regression sample. */
  pushDerived(t: number, aMs2: number, speedKmh: number, windowS: number): ImuCalibration | null {
    if (this.gravityOnly) throw new Error('ImuCalibrator: pushDerived on a gravity-only calibrator');
    if (!this.up || this.forward || Math.abs(aMs2) < this.c.forwardMinAccelMs2 || speedKmh < this.stopSpeedKmh * 5) return null;
    // mean of the IMU's horizontal components over the same window the speed slope covered
    let x1 = 0;
    let x2 = 0;
    let n = 0;
    for (let i = this.winEnd - 1; i >= this.winHead; i--) {
      const wt = this.winT[i]!;
      const a1 = this.win1[i]!;
      const a2 = this.win2[i]!;
      if (wt < t - windowS / 2) break;
      if (wt > t + windowS / 2) continue;
      x1 += a1;
      x2 += a2;
      n++;
    }
    if (n < 5) return null;
    x1 /= n;
    x2 /= n;
    this.s11 += x1 * x1;
    this.s12 += x1 * x2;
    this.s22 += x2 * x2;
    this.s1a += x1 * aMs2;
    this.s2a += x2 * aMs2;
    this.saa += aMs2 * aMs2;
    this.n++;
    if (this.n < this.c.forwardMinSamples) return null;
    // Direction of sum(h * a): along forward, since only the forward component of h varies with a.
    // (A full 2-D least squares is ill-conditioned in straight-line driving: the lateral component
    // then has almost no variance and its coefficient is noise.)
    const len = Math.hypot(this.s1a, this.s2a);
    if (len === 0) return null;
    const f1 = this.s1a / len;
    const f2 = this.s2a / len;
    const proj = f1 * f1 * this.s11 + 2 * f1 * f2 * this.s12 + f2 * f2 * this.s22;
    this.correlation = proj > 0 ? (f1 * this.s1a + f2 * this.s2a) / Math.sqrt(this.saa * proj) : 0;
    if (this.correlation < this.c.forwardMinCorrelation) return null;
    this.forward = unitVec([f1 * this.e1[0] + f2 * this.e2[0], f1 * this.e1[1] + f2 * this.e2[1], f1 * this.e1[2] + f2 * this.e2[2]]);
    this.left = cross(this.up, this.forward);
    return this.record(t);
  }

  /** Longitudinal and lateral acceleration (m/s^2) of an IMU sample, once calibrated. */
  project(a: Vec3): [number, number] | null {
    if (!this.forward || !this.left) return null;
    return [dot(a, this.forward), dot(a, this.left)];
  }

  /** project(a) without the pair: false until calibrated, else the two components in projLon / projLat */
  projectInto(a0: number, a1: number, a2: number): boolean {
    const f = this.forward;
    const l = this.left;
    if (!f || !l) return false;
    this.projLon = a0 * f[0] + a1 * f[1] + a2 * f[2];
    this.projLat = a0 * l[0] + a1 * l[1] + a2 * l[2];
    return true;
  }

  projLon = 0;
  projLat = 0;

  private standstill(t: number, a: Vec3): ImuCalibration | null {
    const s = this.still;
    if (s.n === 0) {
      s.t0 = t;
      s.s = [0, 0, 0];
      s.ss = [0, 0, 0];
    }
    s.n++;
    for (let i = 0; i < 3; i++) {
      s.s[i]! += a[i]!;
      s.ss[i]! += a[i]! * a[i]!;
    }
    if (t - s.t0 < this.c.gravityStandstillS || s.n < 10) return null;
    let spread = 0;
    for (let i = 0; i < 3; i++) {
      const m = s.s[i]! / s.n;
      spread = Math.max(spread, Math.sqrt(Math.max(0, s.ss[i]! / s.n - m * m)));
    }
    if (spread > this.c.gravityMaxSpreadMs2) {
      s.n = 0; // disturbed (engine shake, someone climbing in): start a new streak
      return null;
    }
    const up = unitVec([s.s[0] / s.n, s.s[1] / s.n, s.s[2] / s.n]);
    s.n = 0; // next streak refines / checks
    if (this.up && angleDeg(up, this.up) <= MOVED_DEG) return null;
    this.setUp(up);
    return this.record(t);
  }

  private setUp(up: Vec3): void {
    this.up = up;
    this.forward = null;
    this.left = null;
    this.n = this.s11 = this.s12 = this.s22 = this.s1a = this.s2a = this.saa = 0;
    this.correlation = null;
    this.winHead = this.winEnd = 0;
    this.winSorted = true;
    // any axis not parallel to up gives a basis of the horizontal plane
    const ax: Vec3 = Math.abs(up[0]) < 0.6 ? [1, 0, 0] : Math.abs(up[1]) < 0.6 ? [0, 1, 0] : [0, 0, 1];
    this.e1 = unitVec(cross(up, ax));
    this.e2 = cross(up, this.e1);
  }

  private record(t: number): ImuCalibration {
    return {
      kind: 'calibration',
      vehicle: this.vehicle,
      t,
      up: round6(this.up!),
      forward: this.forward ? round6(this.forward) : null,
      left: this.left ? round6(this.left) : null,
      state: this.forward ? 'complete' : 'gravity',
      samples: this.n,
      correlation: this.correlation === null ? null : Math.round(this.correlation * 1000) / 1000,
    };
  }
}
