// SignalBatch -> `signal` points: per vehicle, signal and window (1 s default) the mean, min, max,
// last value and sample count. Windows are cut on the data's own time, so a replay gives the same
// points. A window closes once the vehicle's data has moved `latenessMs` past its end (batches of two
// interfaces may interleave slightly); a sample for a window already closed is counted as late and
// left out (writing it would overwrite the closed window's point in InfluxDB).
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
  /** windows before this start (ms) are closed */
  closedBefore: number;
  windows: Map<number, Map<string, Acc>>;
}

export interface AggregatorOptions {
  windowMs?: number;
  latenessMs?: number;
}

export class SignalAggregator {
  readonly windowMs: number;
  readonly latenessMs: number;
  private readonly vehicles = new Map<string, VehicleState>();
  /** samples that arrived for windows already emitted */
  late = 0;
  /** non-finite sample values skipped */
  skipped = 0;

  constructor(opts: AggregatorOptions = {}) {
    this.windowMs = Math.max(1, opts.windowMs ?? 1000);
    this.latenessMs = Math.max(0, opts.latenessMs ?? 2000);
  }

  /** Adds a batch; returns the points of windows that closed. */
  add(b: SignalBatch): StorePoint[] {
    let v = this.vehicles.get(b.vehicle);
    if (!v) {
      v = { maxT: Number.NEGATIVE_INFINITY, closedBefore: Number.NEGATIVE_INFINITY, windows: new Map() };
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
      if (w < v.closedBefore) {
        this.late++;
        continue;
      }
      const name = b.signals[b.signal[i]!]!.name;
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
    }
    for (const s of b.texts) {
      const tMs = s.t * 1000;
      if (!Number.isFinite(tMs)) continue;
      const w = Math.floor(tMs / W) * W;
      if (w < v.closedBefore) {
        this.late++;
        continue;
      }
      const acc = this.acc(v, w, s.name);
      if (tMs >= acc.textT) {
        acc.text = s.value;
        acc.textT = tMs;
      }
      if (tMs > v.maxT) v.maxT = tMs;
    }
    return this.close(b.vehicle, v, v.maxT - this.latenessMs);
  }

  /** Closes every open window (end of data, node close, long silence). */
  flush(): StorePoint[] {
    const out: StorePoint[] = [];
    for (const [vehicle, v] of this.vehicles) for (const p of this.close(vehicle, v, Number.POSITIVE_INFINITY)) out.push(p);
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

  /** Emits windows whose end is at or before `upTo` (ms). */
  private close(vehicle: string, v: VehicleState, upTo: number): StorePoint[] {
    const W = this.windowMs;
    const due = [...v.windows.keys()].filter((w) => w + W <= upTo).sort((a, b) => a - b);
    const out: StorePoint[] = [];
    for (const w of due) {
      const win = v.windows.get(w)!;
      v.windows.delete(w);
      if (w + W > v.closedBefore) v.closedBefore = w + W;
      for (const [name, a] of [...win.entries()].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))) {
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
    }
    return out;
  }
}
