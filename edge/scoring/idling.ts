// Excessive idling: engine running with the vehicle stationary for longer than minDurationS. The state
// is re-evaluated on every speed or engine sample; silence longer than maxSampleGapS ends the episode
// at the last sample (we do not know the engine kept running). Fuel comes from an accumulated-fuel
// signal when the vehicle has one (difference over the episode), else null.

export interface IdleEpisode {
  t0: number;
  t1: number;
  fuelLitres: number | null;
}

export class IdlingDetector {
  private t0: number | null = null;
  private fuel0: number | null = null;
  private lastT: number | null = null;

  constructor(
    private readonly minDurationS: number,
    private readonly maxSampleGapS: number,
  ) {}

  /** `idle`: engine running and stationary at t; `fuel`: accumulated fuel (l) now, if known. */
  push(t: number, idle: boolean, fuel: number | null): IdleEpisode | null {
    let done: IdleEpisode | null = null;
    if (this.t0 !== null && this.lastT !== null && t - this.lastT > this.maxSampleGapS) done = this.close(this.lastT, null);
    if (idle && this.t0 === null) {
      this.t0 = t;
      this.fuel0 = fuel;
    } else if (!idle && this.t0 !== null) {
      done = this.close(t, fuel) ?? done;
    }
    this.lastT = t;
    return done;
  }

  /** Seconds idle so far in the open episode (for trip idle time). */
  get openSince(): number | null {
    return this.t0;
  }

  closeIfStale(now: number): IdleEpisode | null {
    return this.t0 !== null && this.lastT !== null && now - this.lastT > this.maxSampleGapS ? this.close(this.lastT, null) : null;
  }

  flush(fuel: number | null): IdleEpisode | null {
    return this.t0 !== null && this.lastT !== null ? this.close(this.lastT, fuel) : null;
  }

  private close(t1: number, fuel: number | null): IdleEpisode | null {
    const t0 = this.t0!;
    const f0 = this.fuel0;
    this.t0 = null;
    this.fuel0 = null;
    if (t1 - t0 < this.minDurationS) return null;
    return { t0, t1, fuelLitres: f0 !== null && fuel !== null && fuel >= f0 ? Math.round((fuel - f0) * 1000) / 1000 : null };
  }
}
