// Harsh braking / acceleration / cornering: one event per episode of filtered acceleration at or
// above a threshold. The episode opens when the value reaches the threshold (with the speed at that
// moment at least minSpeedKmh), stays open until it falls below threshold - hysteresis (so noise
// around the threshold does not split one manoeuvre into several events), and counts as an event when
// it held at or above the threshold without interruption for at least minDurationS.

import type { HarshRule } from './config.js';
import type { AccelSource, EventType } from './types.js';

export const G = 9.80665;

export interface HarshEpisode {
  type: EventType;
  t0: number;
  t1: number;
  peak: number;
  peakT: number;
  /** km/h at t0 */
  speedAtStart: number;
  source: AccelSource;
  threshold: number;
}

interface Open {
  t0: number;
  lastAbove: number;
  lastT: number;
  runStart: number | null;
  longestRun: number;
  peak: number;
  peakT: number;
  speedAtStart: number;
  source: AccelSource;
}

/** Durations are compared with this much slack so 0.3 s of 100 Hz samples (30 intervals) counts as 0.3 s. */
const EPS = 1e-6;

export class HarshDetector {
  private open: Open | null = null;
  private lastT = -Infinity;

  constructor(
    readonly type: EventType,
    private readonly rule: HarshRule,
    private readonly hysteresisG: number,
    private readonly maxGapS: number,
  ) {}

  /**
   * One filtered sample, in g, signed so that harsher is larger (braking: -longitudinal; cornering:
   * |lateral|). `speedKmh` is the speed at t (null when unknown: nothing opens).
   * Returns a finished episode when this sample closed one that qualifies.
   */
  push(t: number, valueG: number, speedKmh: number | null, source: AccelSource): HarshEpisode | null {
    if (t <= this.lastT) return null; // a source switch can step back in time: ignore the overlap
    let done: HarshEpisode | null = null;
    const o = this.open;
    if (o && t - o.lastT > this.maxGapS) done = this.close();
    this.lastT = t;
    const thr = this.rule.thresholdG;
    const cur = this.open;
    if (!cur) {
      if (valueG >= thr && speedKmh !== null && speedKmh >= this.rule.minSpeedKmh) {
        this.open = { t0: t, lastAbove: t, lastT: t, runStart: t, longestRun: 0, peak: valueG, peakT: t, speedAtStart: speedKmh, source };
      }
      return done;
    }
    if (valueG < thr - this.hysteresisG) return this.close() ?? done;
    cur.lastT = t;
    if (valueG > cur.peak) {
      cur.peak = valueG;
      cur.peakT = t;
    }
    if (valueG >= thr) {
      if (cur.runStart === null) cur.runStart = t;
      cur.lastAbove = t;
      cur.longestRun = Math.max(cur.longestRun, t - cur.runStart);
    } else {
      cur.runStart = null;
    }
    return done;
  }

  /** An episode is open: every sample needs its exact value. */
  get active(): boolean {
    return this.open !== null;
  }

  /** push() of a value certainly below the threshold while no episode is open: only the time advances. */
  quiet(t: number): void {
    if (t > this.lastT) this.lastT = t;
  }

  /** Closes an episode whose samples stopped more than maxGapS before `now` (end of a trip, end of data). */
  closeIfStale(now: number): HarshEpisode | null {
    return this.open && now - this.open.lastT > this.maxGapS ? this.close() : null;
  }

  /** Closes any open episode (end of data). */
  flush(): HarshEpisode | null {
    return this.close();
  }

  private close(): HarshEpisode | null {
    const o = this.open;
    this.open = null;
    if (!o || o.longestRun < this.rule.minDurationS - EPS) return null;
    return {
      type: this.type,
      t0: o.t0,
      t1: o.lastAbove,
      peak: o.peak,
      peakT: o.peakT,
      speedAtStart: o.speedAtStart,
      source: o.source,
      threshold: this.rule.thresholdG,
    };
  }
}
