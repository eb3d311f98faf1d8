// Down-sampling for the time-series output: one value per signal per window of `period` seconds of
// frame time (windows start at multiples of the period since the epoch), the last value of the window
// or the mean of its samples. Driven only by the samples' own timestamps, never the wall clock, so a
// replay gives the same points as the live run.
//
// A signal's window is closed (and its point given, stamped with the window's start) when a sample of
// the same signal falls in a later window, or when the vehicle's newest frame time is `hold` seconds
// past the window's end (a signal that stopped), or on flush(). A sample older than its signal's
// open window (it arrived after that window was closed) is counted as late and dropped.

export type DownsampleMode = 'last' | 'mean';

export interface DownsampleOptions {
  /** seconds per window (> 0) */
  period: number;
  mode: DownsampleMode;
  /** seconds past a window's end after which a silent signal's window is closed (default max(period, 2)) */
  hold?: number;
}

export class Downsampler {
  private start = new Float64Array(16).fill(Number.NaN);
  private sum = new Float64Array(16);
  private cnt = new Uint32Array(16);
  private last = new Float64Array(16);
  private open: number[] = []; // signals with an open window
  private isOpen = new Uint8Array(16);
  private outT: number[] = [];
  private outS: number[] = [];
  private outV: number[] = [];
  readonly period: number;
  readonly mode: DownsampleMode;
  readonly hold: number;
  late = 0;

  constructor(opts: DownsampleOptions) {
    if (!(opts.period > 0)) throw new Error(`down-sampling period must be > 0 s, got ${opts.period}`);
    this.period = opts.period;
    this.mode = opts.mode;
    this.hold = opts.hold ?? Math.max(opts.period, 2);
  }

  private windowOf(t: number): number {
    // exact for the decimal periods people use (0.1, 1, 10): work in integer window numbers
    return Math.floor(t / this.period + 1e-9) * this.period;
  }

  add(t: number, signal: number, v: number): void {
    if (signal >= this.start.length) this.grow(signal + 1);
    const w = this.windowOf(t);
    const s = this.start[signal]!;
    if (this.isOpen[signal]) {
      if (w < s - 1e-9) {
        this.late++;
        return;
      }
      if (w > s + 1e-9) this.close(signal);
    } else if (s === s && w < s + this.period - 1e-9) {
      // the last window of this signal was closed already (by the hold): a late sample
      this.late++;
      return;
    }
    if (!this.isOpen[signal]) {
      this.isOpen[signal] = 1;
      this.open.push(signal);
      this.start[signal] = w;
      this.sum[signal] = 0;
      this.cnt[signal] = 0;
    }
    this.sum[signal] += v;
    this.cnt[signal]++;
    this.last[signal] = v;
  }

  /** Closes windows of signals that have been silent for `hold` s before frame time `now`; with
   * `group`, only signals whose group[signal] equals `g` (the interface `now` is the time of). */
  advance(now: number, group?: ArrayLike<number>, g?: number): void {
    if (this.open.length === 0) return;
    const limit = now - this.hold - this.period;
    let k = 0;
    for (const s of this.open) {
      if (this.start[s]! <= limit && (group === undefined || group[s] === g)) this.emit(s);
      else this.open[k++] = s;
    }
    this.open.length = k;
  }

  /** Closes every open window. */
  flush(): void {
    for (const s of this.open) this.emit(s);
    this.open.length = 0;
  }

  /** Points closed since the last call, ascending by time (then signal). */
  take(): { t: number[]; signal: number[]; value: number[] } {
    const n = this.outT.length;
    const idx = Array.from({ length: n }, (_, i) => i);
    idx.sort((a, b) => this.outT[a]! - this.outT[b]! || this.outS[a]! - this.outS[b]!);
    const out = { t: idx.map((i) => this.outT[i]!), signal: idx.map((i) => this.outS[i]!), value: idx.map((i) => this.outV[i]!) };
    this.outT = [];
    this.outS = [];
    this.outV = [];
    return out;
  }

  get pending(): number {
    return this.outT.length;
  }

  private close(signal: number): void {
    this.emit(signal);
    const i = this.open.indexOf(signal);
    if (i >= 0) this.open.splice(i, 1);
  }

  private emit(signal: number): void {
    this.isOpen[signal] = 0;
    this.outT.push(this.start[signal]!);
    this.outS.push(signal);
    this.outV.push(this.mode === 'mean' ? this.sum[signal]! / this.cnt[signal]! : this.last[signal]!);
  }

  private grow(min: number): void {
    let c = this.start.length * 2;
    while (c < min) c *= 2;
    const g = <T extends Float64Array | Uint32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(c);
      (b as Uint8Array).set(a as Uint8Array);
      return b;
    };
    const st = new Float64Array(c).fill(Number.NaN);
    st.set(this.start);
    this.start = st;
    this.sum = g(this.sum, (n) => new Float64Array(n));
    this.cnt = g(this.cnt, (n) => new Uint32Array(n));
    this.last = g(this.last, (n) => new Float64Array(n));
    this.isOpen = g(this.isOpen, (n) => new Uint8Array(n));
  }
}
