// Trips. A trip starts when the vehicle reaches trip.startSpeedKmh (at the engine start before it, if
// the engine was started since the last trip, so warm-up idling belongs to the trip) and ends when
// - the vehicle has stood still with the engine off (or with no engine signal) for trip.minStopS:
//   the trip ends where that stop began (a shorter stop does not end it); or
// - no speed sample arrived for trip.maxGapS: it ends at the stop before the gap, else at the last
//   sample. A shorter gap is not a stop: the trip goes on, the gap is counted in gapSeconds.
// Distance: the trapezoid integral of speed over intervals no longer than trip.maxSampleGapS; the
// odometer's difference is reported beside it and used instead when gaps left holes in the integral.

import type { ScoringConfig } from './config.js';
import { zeroCounts, type AccelSource, type EventCounts, type EventRef, type Position } from './types.js';

export interface TripAcc {
  t0: number;
  drivingSeconds: number;
  idleSeconds: number;
  gapSeconds: number;
  speedDistanceKm: number;
  odo0: number | null;
  odoLast: number | null;
  maxSpeed: number;
  startPosition: Position | null;
  nightSeconds: number;
  speedingSeconds: number;
  driverSeconds: Map<string, number>;
  counts: EventCounts;
  events: EventRef[];
  accelSources: Set<AccelSource>;
}

/** What one speed sample did: the interval since the previous one (if not a gap). */
export interface SpeedStep {
  dt: number;
  moving: boolean;
  /** engine known running during a stationary interval */
  idle: boolean;
  distanceKm: number;
}

export type TripEnd = (acc: TripAcc, t1: number, reason: 'stop' | 'gap' | 'end') => void;

export class TripTracker {
  trip: TripAcc | null = null;
  private lastSpeedT: number | null = null;
  private lastV = 0;
  /** first stationary sample of the current stop (while in a trip) */
  private stopSince: number | null = null;
  /** first moving sample of the current movement (while not in a trip) */
  private movingSince: number | null = null;
  private engineOn: boolean | null = null;
  private engineT = -Infinity;
  private engineChangeT = -Infinity;
  private lastTripEnd = -Infinity;

  constructor(
    private readonly c: ScoringConfig['trip'],
    private readonly onEnd: TripEnd,
  ) {}

  /** Engine state from engine speed / running flag / ignition, at t. */
  setEngine(t: number, on: boolean): void {
    if (on !== this.engineOn) {
      this.engineOn = on;
      this.engineChangeT = t;
    }
    this.engineT = t;
  }

  /** The engine state if it was heard from recently, else null (unknown). */
  engineAt(t: number): boolean | null {
    return this.engineOn !== null && t - this.engineT <= this.c.maxSampleGapS ? this.engineOn : null;
  }

  /** Time has reached t (any sample): ends the trip on a long enough stop or gap. */
  tick(t: number): void {
    if (!this.trip) return;
    if (this.lastSpeedT !== null && t - this.lastSpeedT >= this.c.maxGapS) {
      this.end(this.stopClock(this.lastSpeedT) ?? this.lastSpeedT, 'gap');
      return;
    }
    const cs = this.stopClock(t);
    if (cs !== null && t - cs >= this.c.minStopS) this.end(cs, 'stop');
  }

  /** A speed sample (km/h) with the odometer (km) if known. */
  speed(t: number, v: number, odometerKm: number | null): SpeedStep | null {
    this.tick(t);
    let step: SpeedStep | null = null;
    const prevT = this.lastSpeedT;
    if (prevT !== null) {
      const dt = t - prevT;
      const moving = Math.max(this.lastV, v) >= this.c.stopSpeedKmh;
      if (dt <= this.c.maxSampleGapS) {
        step = { dt, moving, idle: !moving && this.engineAt(t) === true, distanceKm: (((this.lastV + v) / 2) * dt) / 3600 };
      } else if (this.trip) {
        this.trip.gapSeconds += dt;
      }
    }
    this.lastSpeedT = t;
    this.lastV = v;

    const moving = v >= this.c.stopSpeedKmh;
    if (!this.trip) {
      if (!moving) this.movingSince = null;
      else if (this.movingSince === null) this.movingSince = t;
      if (v >= this.c.startSpeedKmh) this.start(this.movingSince ?? t);
    }
    const tr = this.trip;
    if (tr) {
      if (step) {
        if (step.moving) tr.drivingSeconds += step.dt;
        if (step.idle) tr.idleSeconds += step.dt;
        if (prevT! >= tr.t0) tr.speedDistanceKm += step.distanceKm;
      }
      if (v > tr.maxSpeed) tr.maxSpeed = v;
      if (odometerKm !== null) {
        if (tr.odo0 === null) tr.odo0 = odometerKm;
        tr.odoLast = odometerKm;
      }
      if (moving) this.stopSince = null;
      else if (this.stopSince === null) this.stopSince = t;
    }
    return step;
  }

  /** End of data: closes the open trip at the stop it is in, else at the last speed sample. */
  finish(): void {
    if (this.trip && this.lastSpeedT !== null) this.end(this.stopClock(this.lastSpeedT) ?? this.stopSince ?? this.lastSpeedT, 'end');
  }

  /** Start of the stop that counts towards ending the trip (stationary and engine not running), or null. */
  private stopClock(t: number): number | null {
    if (this.stopSince === null) return null;
    const e = this.engineAt(t);
    if (e === true) return null;
    if (e === false) return Math.max(this.stopSince, this.engineChangeT);
    return this.stopSince;
  }

  private start(tMove: number): void {
    let t0 = tMove;
    if (this.engineAt(tMove) === true && this.engineChangeT > this.lastTripEnd && this.engineChangeT < tMove) t0 = this.engineChangeT;
    this.trip = {
      t0,
      drivingSeconds: 0,
      idleSeconds: 0,
      gapSeconds: 0,
      speedDistanceKm: 0,
      odo0: null,
      odoLast: null,
      maxSpeed: 0,
      startPosition: null,
      nightSeconds: 0,
      speedingSeconds: 0,
      driverSeconds: new Map(),
      counts: zeroCounts(),
      events: [],
      accelSources: new Set(),
    };
    this.stopSince = null;
    this.movingSince = null;
  }

  private end(t1: number, reason: 'stop' | 'gap' | 'end'): void {
    const tr = this.trip!;
    this.trip = null;
    this.stopSince = null;
    this.lastTripEnd = t1;
    this.onEnd(tr, Math.max(t1, tr.t0), reason);
  }
}
