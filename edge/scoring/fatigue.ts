// Fatigue after EU Regulation 561/2006 art. 7: after 4.5 h of driving a driver takes an uninterrupted
// break of at least 45 min, which may be split into at least 15 min followed by at least 30 min.
// Driving is the vehicle moving (what a tachograph records as driving); a stationary interval is
// break time. A data gap counts as break time when the vehicle stood before it (a logger is powered
// off with the ignition) and as neither otherwise (frames dropped while driving).
// The event opens when the driving time since the last qualifying break passes maxDrivingS and closes
// at the start of the break that finally qualifies (or at the end of data / a driver change).

import type { ScoringConfig } from './config.js';

export interface FatigueEpisode {
  t0: number;
  t1: number;
  /** driving time without a qualifying break at t1 (the longest stretch), s */
  drivingSeconds: number;
}

export class FatigueDetector {
  private driving = 0;
  private rest = 0;
  private restStart: number | null = null;
  private firstSplit = false;
  /** the current rest already counted as a full break */
  private consumed = false;
  private openT0: number | null = null;

  constructor(private readonly c: ScoringConfig['fatigue']) {}

  /** Open event start, for counting it in a trip before it closes. */
  get openSince(): number | null {
    return this.openT0;
  }

  /** An interval [t - dt, t]: moving or not. Returns a finished episode when a qualifying break closes one. */
  interval(t: number, dt: number, moving: boolean): FatigueEpisode | null {
    const from = t - dt;
    if (moving) {
      let done: FatigueEpisode | null = null;
      if (this.rest > 0 && !this.consumed) {
        if (this.firstSplit && this.rest >= this.c.splitSecondS) done = this.reset(this.restStart!);
        else if (this.rest >= this.c.splitFirstS) this.firstSplit = true;
      }
      this.rest = 0;
      this.restStart = null;
      this.consumed = false;
      const before = this.driving;
      this.driving += dt;
      if (this.openT0 === null && this.driving > this.c.maxDrivingS) this.openT0 = from + (this.c.maxDrivingS - before);
      return done;
    }
    if (this.restStart === null) this.restStart = from;
    this.rest += dt;
    if (this.rest >= this.c.breakS && !this.consumed) {
      this.consumed = true;
      return this.reset(this.restStart);
    }
    return null;
  }

  /** Ends the current duty (driver change, end of data): closes any open event at t. */
  end(t: number): FatigueEpisode | null {
    const done = this.openT0 !== null ? this.reset(Math.min(t, this.restStart ?? t)) : null;
    this.driving = 0;
    this.rest = 0;
    this.restStart = null;
    this.firstSplit = false;
    this.consumed = false;
    return done;
  }

  private reset(t1: number): FatigueEpisode | null {
    const done = this.openT0 !== null ? { t0: this.openT0, t1, drivingSeconds: this.driving } : null;
    this.openT0 = null;
    this.driving = 0;
    this.firstSplit = false;
    return done;
  }
}
