// SignalBatch -> `signal` points: per vehicle, signal and window (1 s default) the mean, min, max,
// last value and sample count. Windows are cut on the data's own time, so a replay gives the same
// points. A signal's window closes once that signal's own data has moved `latenessMs` past its end,
// or, for a signal that went silent, once the vehicle's data has moved `silentMs` past it. Per signal,
// not per vehicle: in a full-speed replay a batch of a slow interface spans many seconds of log time
// while the other interface's batches run ahead, and a vehicle-wide watermark dropped the slow
// interface's windows as late. A sample for a window already closed is counted as late and left out
// (writing it would overwrite the closed window's point in InfluxDB).
import type { SignalBatch } from '../signals/signal-batch.js';
import type { StorePoint } from './point.js';

interface Acc {
  sum: number;
  min: number;
  max: number;
  last: number;
  lastT: number;
  n: number;
  text?: string;
  textT: number;
}

interface VehicleState {
  maxT: number;
  /** per signal: newest sample time (ms) */
  sigMaxT: Map<string, number>;
  /** per signal: windows before this start (ms) are closed */
  closedBefore: Map<string, number>;
  windows: Map<number, Map<string, Acc>>;
}

export interface AggregatorOptions {
  windowMs?: number;
  latenessMs?: number;
  /** a silent signal's window closes once the vehicle's data is this far past its end (default 300 s) */
  silentMs?: number;
}

export class SignalAggregator {
  readonly windowMs: number;
  readonly latenessMs: number;
  readonly silentMs: number;
  private readonly vehicles = new Map<string, VehicleState>();
  /** samples that arrived for windows already emitted */
  late = 0;
  /** non-finite sample values skipped */
  skipped = 0;

  constructor(opts: AggregatorOptions = {}) {
    this.windowMs = Math.max(1, opts.windowMs ?? 1000);
    this.latenessMs = Math.max(0, opts.latenessMs ?? 2000);
    this.silentMs = Math.max(this.latenessMs, opts.silentMs ?? 300_000);
  }

  /** Adds a batch; returns the points of windows that closed. */
  add(b: SignalBatch): StorePoint[] {
    let v = this.vehicles.get(b.vehicle);
    if (!v) {
      v = { maxT: Number.NEGATIVE_INFINITY, sigMaxT: new Map(), closedBefore: new Map(), windows: new Map() };
      this.vehicles.set(b.vehicle, v);
    }
    const W = this.windowMs;
    for (let i = 0; i < b.count; i++) {
      const value = b.value[i]!;
      const tMs = b.t[i]! * 1000;
      if (!Number.isFinite(value) || !Number.isFinite(tMs)) {
        this.skipped++;
        continue;
      }
      const w = Math.floor(tMs / W) * W;
      const name = b.signals[b.signal[i]!]!.name;
      if (w < (v.closedBefore.get(name) ?? Number.NEGATIVE_INFINITY)) {
        this.late++;
        continue;
      }
      const acc = this.acc(v, w, name);
      acc.sum += value;
      if (value < acc.min) acc.min = value;
      if (value > acc.max) acc.max = value;
      if (tMs >= acc.lastT) {
        acc.last = value;
        acc.lastT = tMs;
      }
      acc.n++;
      if (tMs > v.maxT) v.maxT = tMs;
      if (!(tMs <= (v.sigMaxT.get(name) ?? Number.NEGATIVE_INFINITY))) v.sigMaxT.set(name, tMs);
    }
    for (const s of b.texts) {
      const tMs = s.t * 1000;
      if (!Number.isFinite(tMs)) continue;
      const w = Math.floor(tMs / W) * W;
      if (w < (v.closedBefore.get(s.name) ?? Number.NEGATIVE_INFINITY)) {
        this.late++;
        continue;
      }
      const acc = this.acc(v, w, s.name);
      if (tMs >= acc.textT) {
        acc.text = s.value;
        acc.textT = tMs;
      }
      if (tMs > v.maxT) v.maxT = tMs;
      if (!(tMs <= (v.sigMaxT.get(s.name) ?? Number.NEGATIVE_INFINITY))) v.sigMaxT.set(s.name, tMs);
    }
    return this.close(b.vehicle, v, false);
  }

  /** Closes every open window (end of data, node close, long silence). */
  flush(): StorePoint[] {
    const out: StorePoint[] = [];
    for (const [vehicle, v] of this.vehicles) for (const p of this.close(vehicle, v, true)) out.push(p);
    return out;
  }

  /** Open windows (for status and tests). */
  openWindows(): number {
    let n = 0;
    for (const v of this.vehicles.values()) n += v.windows.size;
    return n;
  }

  private acc(v: VehicleState, w: number, name: string): Acc {
    let win = v.windows.get(w);
    if (!win) {
      win = new Map();
      v.windows.set(w, win);
    }
    let a = win.get(name);
    if (!a) {
      a = { sum: 0, min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY, last: Number.NaN, lastT: Number.NEGATIVE_INFINITY, n: 0, textT: Number.NEGATIVE_INFINITY };
      win.set(name, a);
    }
    return a;
  }

  /** Emits the windows due (per signal: its own data `latenessMs` past the end, or the vehicle's `silentMs`; all with `all`), in time order. */
  private close(vehicle: string, v: VehicleState, all: boolean): StorePoint[] {
    const W = this.windowMs;
    const silentUpTo = v.maxT - this.silentMs;
    const out: StorePoint[] = [];
    for (const w of [...v.windows.keys()].sort((a, b) => a - b)) {
      const win = v.windows.get(w)!;
      const due = [...win.entries()]
        .filter(([name]) => all || w + W <= (v.sigMaxT.get(name) ?? Number.NEGATIVE_INFINITY) - this.latenessMs || w + W <= silentUpTo)
        .sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
      for (const [name, a] of due) {
        win.delete(name);
        if (w + W > (v.closedBefore.get(name) ?? Number.NEGATIVE_INFINITY)) v.closedBefore.set(name, w + W);
        const fields: Record<string, number | string> = {};
        if (a.n > 0) {
          fields.mean = a.sum / a.n;
          fields.min = a.min;
          fields.max = a.max;
          fields.last = a.last;
          fields.n = a.n;
        }
        if (a.text !== undefined) fields.text = a.text;
        out.push({ measurement: 'signal', tags: { vehicle, signal: name }, fields, time: w });
      }
      if (win.size === 0) v.windows.delete(w);
    }
    return out;
  }
}
