// Small streaming filters. All take the sample's own time; none looks at the wall clock, and each
// gives the same output for the same samples whatever the batch boundaries (state lives here).

/**
 * Moving median over a time window. A median keeps the edges of a step where they are (a held
 * brake starts and ends at the same time after filtering) and drops spikes shorter than half the
 * window (a knock on the sensor, one corrupt sample), which a mean would smear into a longer bump.
 * The output is stamped at the middle of the samples in the window, which cancels the filter's lag.
 *
 * The median is computed only when asked for: most samples of a drive are far from any harsh
 * threshold, so the consumer first asks mayLeave() (two counters kept per sample) whether the median
 * can be outside (lo, hi) at all, and reads median() only then.
 */
export class MovingMedian {
  /** samples in time order in [head, end) (a queue without front-deletes, compacted when full) */
  private t = new Float64Array(256);
  private v = new Float64Array(256);
  private head = 0;
  private end = 0;
  /** the window's values sorted in s[0, n) (NaN last) while `sorted`: kept up to date sample by sample only while median() is read every sample */
  private s = new Float64Array(64);
  private n = 0;
  private sorted = false;
  /** median() was read since the last add() */
  private read = false;
  /** values in the window below lo, and not at or below hi (NaN counts here: it sorts last) */
  private below = 0;
  private above = 0;
  /** stamp of the last add: the middle of the window's samples */
  stamp = NaN;

  constructor(
    private readonly windowS: number,
    private readonly lo = -Infinity,
    private readonly hi = Infinity,
  ) {}

  reset(): void {
    this.head = this.end = 0;
    this.n = 0;
    this.sorted = this.read = false;
    this.below = this.above = 0;
  }

  /** Adds a sample; the window's stamp is then in `stamp`, its median in median(). */
  add(t: number, v: number): void {
    if (this.end === this.t.length) this.room();
    const ts = this.t;
    const vs = this.v;
    const e = this.end++;
    ts[e] = t;
    vs[e] = v;
    if (v < this.lo) this.below++;
    if (!(v <= this.hi)) this.above++;
    const keep = this.sorted && this.read;
    this.sorted = keep;
    this.read = false;
    if (keep) this.insert(v);
    let h = this.head;
    const cut = t - this.windowS;
    while (h < e && ts[h]! <= cut) {
      const x = vs[h]!;
      if (x < this.lo) this.below--;
      if (!(x <= this.hi)) this.above--;
      if (keep) this.remove(x);
      h++;
    }
    this.head = h;
    this.stamp = (ts[h]! + ts[e]!) / 2;
  }

  /**
   * false when the median of the window is certainly within [lo, hi]: a median above hi needs half
   * the values above hi (the upper middle value is at least the median), one below lo half below.
   */
  mayLeave(): boolean {
    const half = (this.end - this.head + 1) >> 1;
    return this.below >= half || this.above >= half;
  }

  /** Time of the last add(). */
  get newest(): number {
    return this.t[this.end - 1]!;
  }

  /** Median of the window (the mean of the two middle values for an even count). */
  median(): number {
    if (!this.sorted) this.sortWindow();
    this.read = true;
    const s = this.s;
    const n = this.n;
    return n & 1 ? s[n >> 1]! : (s[(n >> 1) - 1]! + s[n >> 1]!) / 2;
  }

  private sortWindow(): void {
    const n = this.end - this.head;
    if (this.s.length < n) this.s = new Float64Array(Math.max(n, this.s.length * 2));
    this.s.set(this.v.subarray(this.head, this.end));
    // numeric, NaN last, as insert() keeps it (-0 and 0 may swap: the same median to every comparison)
    this.s.subarray(0, n).sort();
    this.n = n;
    this.sorted = true;
  }

  /** insert after every value <= v (NaN sorts last, after the other NaNs for a NaN) */
  private insert(v: number): void {
    if (this.n === this.s.length) {
      const g = new Float64Array(this.s.length * 2);
      g.set(this.s);
      this.s = g;
    }
    const s = this.s;
    const n = this.n;
    if (v === v) {
      let j = n;
      for (; j > 0; j--) {
        const p = s[j - 1]!;
        if (p <= v) break; // NaN compares false: it moves up
        s[j] = p;
      }
      s[j] = v;
    } else {
      const at = upperBound(s, n, v);
      for (let j = n; j > at; j--) s[j] = s[j - 1]!;
      s[at] = v;
    }
    this.n = n + 1;
  }

  private remove(x: number): void {
    const s = this.s;
    const n = this.n - 1;
    const i = lowerBound(s, n + 1, x);
    const at = i <= n && s[i] === x ? i : indexOfNaN(s, n + 1);
    for (let j = at; j < n; j++) s[j] = s[j + 1]!;
    this.n = n;
  }

  private room(): void {
    const h = this.head;
    const live = this.end - h;
    if (live * 2 > this.t.length) {
      const t = new Float64Array(this.t.length * 2);
      t.set(this.t.subarray(h, this.end));
      const v = new Float64Array(this.t.length * 2);
      v.set(this.v.subarray(h, this.end));
      this.t = t;
      this.v = v;
    } else {
      this.t.copyWithin(0, h, this.end);
      this.v.copyWithin(0, h, this.end);
    }
    this.head = 0;
    this.end = live;
  }
}

// NaN sorts last (it compares false with everything: the searches run past it)
function upperBound(s: Float64Array, n: number, v: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (s[mid]! <= v || (Number.isNaN(v) && !Number.isNaN(s[mid]!))) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function lowerBound(s: Float64Array, n: number, v: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (s[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function indexOfNaN(s: Float64Array, n: number): number {
  for (let i = n - 1; i >= 0; i--) if (Number.isNaN(s[i]!)) return i;
  return n - 1;
}

/**
 * Acceleration from speed: least-squares slope of speed over time in a sliding window. Using the
 * samples' own times makes it indifferent to sample jitter (a late sample is simply a point further
 * right), and a dropped sample only thins the fit; a gap longer than the window restarts the fit, so
 * nothing is ever differentiated across missing data. A finite difference of neighbours would turn
 * 20 ms of jitter on a 100 ms period into a 20% acceleration error and a 1 km/h quantisation step
 * into a spike.
 */
export class SpeedSlope {
  private readonly t: number[] = [];
  private readonly v: number[] = [];
  /** samples before head are out of the window; they leave the arrays in steps of 64 (as in History) */
  private head = 0;
  /** running mean of the sample interval: the window is widened to 2.5 of them (2 Hz OBD-II speed) */
  private interval = 0;
  private windowS: number;

  constructor(
    private readonly baseWindowS: number,
    private readonly minSamples: number,
    private readonly minSpanFraction: number,
  ) {
    this.windowS = baseWindowS;
  }

  /** The window in use, s. */
  get window(): number {
    return this.windowS;
  }

  reset(): void {
    this.t.length = 0;
    this.v.length = 0;
    this.head = 0;
  }

  /** Adds a speed (m/s); returns [stamp, m/s^2] when the window is well filled, else null. */
  push(t: number, v: number): [number, number] | null {
    const ts = this.t;
    if (ts.length) {
      const dt = t - ts[ts.length - 1]!;
      if (dt <= 5) {
        this.interval = this.interval === 0 ? dt : this.interval + (dt - this.interval) * 0.05;
        this.windowS = Math.max(this.baseWindowS, 2.5 * this.interval);
      }
      if (dt > this.windowS) this.reset();
    }
    ts.push(t);
    this.v.push(v);
    let h = this.head;
    while (h < ts.length - 1 && ts[h]! < t - this.windowS) h++;
    if (h >= 64) {
      ts.splice(0, h);
      this.v.splice(0, h);
      h = 0;
    }
    this.head = h;
    const e = ts.length;
    const n = e - h;
    if (n < this.minSamples || ts[e - 1]! - ts[h]! < this.windowS * this.minSpanFraction) return null;
    // centred on the first sample's time to keep the sums small and exact-ish
    const t0 = ts[h]!;
    let st = 0;
    let sv = 0;
    for (let i = h; i < e; i++) {
      st += ts[i]! - t0;
      sv += this.v[i]!;
    }
    const mt = st / n;
    const mv = sv / n;
    let stt = 0;
    let stv = 0;
    for (let i = h; i < e; i++) {
      const dt = ts[i]! - t0 - mt;
      stt += dt * dt;
      stv += dt * (this.v[i]! - mv);
    }
    if (stt <= 0) return null;
    return [t0 + mt, stv / stt];
  }
}

/** Recent values of one signal, to look up the value at an earlier time (e.g. speed at an event's start). */
export class History {
  private readonly t: number[] = [];
  private readonly v: number[] = [];
  /** samples before head are dropped; they leave the arrays in steps of 64 (a splice per sample cost more than the rest) */
  private head = 0;

  constructor(private readonly keepS: number) {}

  push(t: number, v: number): void {
    this.t.push(t);
    this.v.push(v);
    let drop = this.head;
    while (drop < this.t.length - 2 && this.t[drop + 1]! < t - this.keepS) drop++;
    this.head = drop;
    if (drop >= 64) {
      this.t.splice(0, drop);
      this.v.splice(0, drop);
      this.head = 0;
    }
  }

  get last(): number | null {
    return this.v.length ? this.v[this.v.length - 1]! : null;
  }

  get lastT(): number | null {
    return this.t.length ? this.t[this.t.length - 1]! : null;
  }

  /** Highest value among the samples with from <= t < to, or null when there is none. */
  maxIn(from: number, to: number): number | null {
    let m: number | null = null;
    for (let i = this.t.length - 1; i >= this.head && this.t[i]! >= from; i--) if (this.t[i]! < to && (m === null || this.v[i]! > m)) m = this.v[i]!;
    return m;
  }

  /** The value at time t: linear between the samples around it; the last one at or before it otherwise. */
  at(t: number, maxAgeS: number): number | null {
    const v = this.valueAt(t, maxAgeS);
    return this.found ? v : null;
  }

  /** valueAt() found a value (it may be NaN itself) */
  private found = false;

  /** at() as a plain number, NaN when there is none: a number | null result is boxed in optimised code, once per call. */
  valueAt(t: number, maxAgeS: number): number {
    const ts = this.t;
    this.found = true;
    const h = this.head;
    for (let i = ts.length - 1; i >= h; i--) {
      if (ts[i]! <= t) {
        if (t - ts[i]! > maxAgeS) return this.none();
        const j = i + 1;
        if (j < ts.length && ts[j]! - ts[i]! <= maxAgeS) {
          const f = (t - ts[i]!) / (ts[j]! - ts[i]!);
          return this.v[i]! + f * (this.v[j]! - this.v[i]!);
        }
        return this.v[i]!;
      }
    }
    // before the first sample we keep: the first if close enough
    return ts.length > h && ts[h]! - t <= maxAgeS ? this.v[h]! : this.none();
  }

  private none(): number {
    this.found = false;
    return NaN;
  }
}
