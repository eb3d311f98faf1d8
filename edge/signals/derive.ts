// Derived signals: the rate of change of a signal (e.g. longitudinal acceleration from speed) as the
// least-squares slope of its samples over a trailing time window, using the samples' own timestamps.
//
// Why not a two-point difference: OBD-II answers arrive with tens of milliseconds of jitter and speed
// is quantised (1 km/h for PID 0x0D), so (v1 - v0) / (t1 - t0) turns one quantisation step over a short
// gap into a "harsh braking" spike. A slope fitted to every sample of the last `window` seconds weighs
// each sample by its distance from the window's mean time, so jitter and single steps average out; for
// a steady acceleration the fit is exact whatever the spacing.
//
// The value is given at the newest sample's time (causal, so output time stays ascending); it describes
// the window, i.e. it lags the true derivative by about window/2.

export interface RateOptions {
  /** seconds of history (default 2) */
  window: number;
  /** fewest samples before a value is given (default 3) */
  minSamples: number;
  /** a gap longer than this (s) starts afresh (default: the window) */
  maxGap: number;
  /** the fitted samples must span at least this share of the window (default 0.5) */
  minSpan: number;
}

const CAP = 512;

export class RateEstimator {
  private readonly t = new Float64Array(CAP);
  private readonly v = new Float64Array(CAP);
  private head = 0; // index of the oldest sample
  private n = 0;
  readonly opts: RateOptions;

  constructor(opts: Partial<RateOptions> = {}) {
    const window = opts.window ?? 2;
    this.opts = { window, minSamples: opts.minSamples ?? 3, maxGap: opts.maxGap ?? window, minSpan: opts.minSpan ?? 0.5 };
  }

  reset(): void {
    this.n = 0;
    this.head = 0;
  }

  /** Adds a sample; returns the slope (value units per second) or NaN when there is not enough data. */
  push(t: number, v: number): number {
    if (!(v === v)) return Number.NaN;
    if (this.n > 0) {
      const last = this.t[(this.head + this.n - 1) % CAP]!;
      if (t < last || t - last > this.opts.maxGap) this.reset(); // time went back or a gap: start again
      else if (t === last) return Number.NaN; // a duplicate time adds nothing to a slope
    }
    if (this.n === CAP) {
      this.head = (this.head + 1) % CAP;
      this.n--;
    }
    const i = (this.head + this.n) % CAP;
    this.t[i] = t;
    this.v[i] = v;
    this.n++;
    // drop samples older than the window
    const from = t - this.opts.window;
    while (this.n > 0 && this.t[this.head]! < from - 1e-9) {
      this.head = (this.head + 1) % CAP;
      this.n--;
    }
    if (this.n < this.opts.minSamples) return Number.NaN;
    const oldest = this.t[this.head]!;
    if (t - oldest < this.opts.minSpan * this.opts.window) return Number.NaN;
    // times relative to the newest sample keep the sums well conditioned (epoch seconds are ~1.6e9)
    let st = 0;
    let sv = 0;
    for (let k = 0, j = this.head; k < this.n; k++, j = (j + 1) % CAP) {
      st += this.t[j]! - t;
      sv += this.v[j]!;
    }
    const mt = st / this.n;
    const mv = sv / this.n;
    let num = 0;
    let den = 0;
    for (let k = 0, j = this.head; k < this.n; k++, j = (j + 1) % CAP) {
      const dt = this.t[j]! - t - mt;
      num += dt * (this.v[j]! - mv);
      den += dt * dt;
    }
    return den > 0 ? num / den : Number.NaN;
  }
}
