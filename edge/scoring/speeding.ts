// Speeding: speed above limit + tolerance for at least minDurationS. Time over counts the intervals
// between speed samples that start over the limit (left-point rule); distance over integrates the
// speed over those intervals (trapezoid). Intervals longer than maxSampleGapS are a gap: the episode
// ends at the last sample before it.

import type { ScoringConfig } from './config.js';

export interface SpeedingEpisode {
  t0: number;
  t1: number;
  peak: number;
  peakT: number;
  speedAtStart: number;
  overSeconds: number;
  overDistanceKm: number;
  limitKmh: number;
}

export class SpeedingDetector {
  private open: SpeedingEpisode | null = null;
  private lastT: number | null = null;
  private lastV = 0;

  constructor(
    private readonly c: ScoringConfig['speeding'],
    private readonly maxSampleGapS: number,
  ) {}

  push(t: number, v: number): SpeedingEpisode | null {
    let done: SpeedingEpisode | null = null;
    const o = this.open;
    if (this.lastT !== null && o) {
      const dt = t - this.lastT;
      if (dt > this.maxSampleGapS) {
        o.t1 = this.lastT;
        done = this.close();
      } else {
        o.overSeconds += dt;
        o.overDistanceKm += (((this.lastV + v) / 2) * dt) / 3600;
        o.t1 = t;
      }
    }
    this.lastT = t;
    this.lastV = v;
    const over = v > this.c.limitKmh + this.c.toleranceKmh;
    const cur = this.open;
    if (over) {
      if (!cur) {
        this.open = { t0: t, t1: t, peak: v, peakT: t, speedAtStart: v, overSeconds: 0, overDistanceKm: 0, limitKmh: this.c.limitKmh };
      } else if (v > cur.peak) {
        cur.peak = v;
        cur.peakT = t;
      }
    } else if (cur) {
      done = this.close() ?? done;
    }
    return done;
  }

  closeIfStale(now: number): SpeedingEpisode | null {
    return this.open && this.lastT !== null && now - this.lastT > this.maxSampleGapS ? this.close() : null;
  }

  flush(): SpeedingEpisode | null {
    return this.close();
  }

  private close(): SpeedingEpisode | null {
    const o = this.open;
    this.open = null;
    return o && o.t1 - o.t0 >= this.c.minDurationS - 1e-6 ? o : null;
  }
}
