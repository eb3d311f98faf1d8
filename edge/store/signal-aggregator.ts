// SignalBatch -> `signal` points: per vehicle, signal and window (1 s default) the mean, min, max,
// last value and sample count. Windows are cut on the data's own time, so a replay gives the same
// points. A signal's window closes once that signal's own data has moved `latenessMs` past its end,
// or, for a signal that went silent, once the vehicle's data has moved `silentMs` past it. Per signal,
// not per vehicle: in a full-speed replay a batch of a slow interface spans many seconds of log time
// while the other interface's batches run ahead, and a vehicle-wide watermark dropped the slow
// interface's windows as late. A sample for a window already closed is counted as late and left out
// (writing it would overwrite the closed window's point in InfluxDB).
//
// State is kept per signal (its open windows, oldest first), found once per batch for each entry of
// the batch's dictionary: the per-sample work is a few number operations, and closing a window makes
// no point object unless one is asked for (the store turns closed windows into lines directly).
import type { SignalBatch } from '../signals/signal-batch.js';
import type { StorePoint } from './point.js';

/** One window of one signal; `n` counts numeric samples, `text` is the last text sample's value. */
export interface WindowAcc {
  /** window start, ms since the epoch */
  w: number;
  sum: number;
  min: number;
  max: number;
  last: number;
  lastT: number;
  n: number;
  text: string | undefined;
  textT: number;
}

/** A window that closed: the vehicle and signal it belongs to and what it holds. */
export interface ClosedWindow {
  vehicle: string;
  signal: string;
  acc: WindowAcc;
}

interface SignalState {
  name: string;
  /** newest sample time (ms) */
  maxT: number;
  /** windows before this start (ms) are closed */
  closedBefore: number;
  /** open windows, ascending by start */
  windows: WindowAcc[];
}

interface VehicleState {
  maxT: number;
  signals: Map<string, SignalState>;
}

export interface AggregatorOptions {
  windowMs?: number;
  latenessMs?: number;
  /** a silent signal's window closes once the vehicle's data is this far past its end (default 300 s) */
  silentMs?: number;
}

/** The point a closed window is written as. */
export function windowPoint(c: ClosedWindow): StorePoint {
  const a = c.acc;
  const fields: Record<string, number | string> = {};
  if (a.n > 0) {
    fields.mean = a.sum / a.n;
    fields.min = a.min;
    fields.max = a.max;
    fields.last = a.last;
    fields.n = a.n;
  }
  if (a.text !== undefined) fields.text = a.text;
  return { measurement: 'signal', tags: { vehicle: c.vehicle, signal: c.signal }, fields, time: a.w };
}

export class SignalAggregator {
  readonly windowMs: number;
  readonly latenessMs: number;
  readonly silentMs: number;
  private readonly vehicles = new Map<string, VehicleState>();
  // the batch's dictionary entries -> their signal state, reused from batch to batch
  private dict: SignalState[] = [];
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
    return this.addWindows(b).map(windowPoint);
  }

  /** Adds a batch; returns the windows that closed, in time order (by signal name within a window). */
  addWindows(b: SignalBatch): ClosedWindow[] {
    let v = this.vehicles.get(b.vehicle);
    if (!v) {
      v = { maxT: Number.NEGATIVE_INFINITY, signals: new Map() };
      this.vehicles.set(b.vehicle, v);
    }
    const W = this.windowMs;
    const dict = this.dict;
    const names = b.signals;
    for (let d = 0; d < names.length; d++) dict[d] = signalState(v, names[d]!.name);
    const t = b.t;
    const sig = b.signal;
    const val = b.value;
    let maxT = v.maxT;
    for (let i = 0; i < b.count; i++) {
      const value = val[i]!;
      const tMs = t[i]! * 1000;
      if (!Number.isFinite(value) || !Number.isFinite(tMs)) {
        this.skipped++;
        continue;
      }
      const s = dict[sig[i]!]!;
      const w = Math.floor(tMs / W) * W;
      if (w < s.closedBefore) {
        this.late++;
        continue;
      }
      const acc = windowOf(s, w);
      acc.sum += value;
      if (value < acc.min) acc.min = value;
      if (value > acc.max) acc.max = value;
      if (tMs >= acc.lastT) {
        acc.last = value;
        acc.lastT = tMs;
      }
      acc.n++;
      if (tMs > maxT) maxT = tMs;
      if (tMs > s.maxT) s.maxT = tMs;
    }
    v.maxT = maxT;
    for (const x of b.texts) {
      const tMs = x.t * 1000;
      if (!Number.isFinite(tMs)) continue;
      const w = Math.floor(tMs / W) * W;
      const s = signalState(v, x.name);
      if (w < s.closedBefore) {
        this.late++;
        continue;
      }
      const acc = windowOf(s, w);
      if (tMs >= acc.textT) {
        acc.text = x.value;
        acc.textT = tMs;
      }
      if (tMs > v.maxT) v.maxT = tMs;
      if (tMs > s.maxT) s.maxT = tMs;
    }
    dict.length = 0;
    return this.close(b.vehicle, v, false);
  }

  /** Closes every open window (end of data, node close, long silence). */
  flush(): StorePoint[] {
    return this.flushWindows().map(windowPoint);
  }

  /** flush(), as closed windows. */
  flushWindows(): ClosedWindow[] {
    const out: ClosedWindow[] = [];
    for (const [vehicle, v] of this.vehicles) for (const c of this.close(vehicle, v, true)) out.push(c);
    return out;
  }

  /** Open windows (for status and tests): distinct window starts per vehicle. */
  openWindows(): number {
    let n = 0;
    for (const v of this.vehicles.values()) {
      const starts = new Set<number>();
      for (const s of v.signals.values()) for (const a of s.windows) starts.add(a.w);
      n += starts.size;
    }
    return n;
  }

  /** Takes the windows due (per signal: its own data `latenessMs` past the end, or the vehicle's `silentMs`; all with `all`), in time order. */
  private close(vehicle: string, v: VehicleState, all: boolean): ClosedWindow[] {
    const W = this.windowMs;
    const silentUpTo = v.maxT - this.silentMs;
    const out: ClosedWindow[] = [];
    for (const s of v.signals.values()) {
      const ws = s.windows;
      let k = 0;
      // a signal's windows are ascending, so the due ones are a prefix
      while (k < ws.length && (all || ws[k]!.w + W <= s.maxT - this.latenessMs || ws[k]!.w + W <= silentUpTo)) k++;
      if (k === 0) continue;
      for (let j = 0; j < k; j++) out.push({ vehicle, signal: s.name, acc: ws[j]! });
      const end = ws[k - 1]!.w + W;
      if (end > s.closedBefore) s.closedBefore = end;
      // drop the prefix in place (splice would allocate an array of what it removes)
      for (let j = k; j < ws.length; j++) ws[j - k] = ws[j]!;
      ws.length -= k;
    }
    if (out.length > 1) out.sort(byWindowThenName);
    return out;
  }
}

function signalState(v: VehicleState, name: string): SignalState {
  let s = v.signals.get(name);
  if (!s) {
    s = { name, maxT: Number.NEGATIVE_INFINITY, closedBefore: Number.NEGATIVE_INFINITY, windows: [] };
    v.signals.set(name, s);
  }
  return s;
}

/** The open window starting at w (made if missing), keeping the list ascending. */
function windowOf(s: SignalState, w: number): WindowAcc {
  const ws = s.windows;
  let k = ws.length - 1;
  // samples come in time order almost always: the newest window, or one after it
  if (k >= 0 && ws[k]!.w === w) return ws[k]!;
  while (k >= 0 && ws[k]!.w > w) k--;
  if (k >= 0 && ws[k]!.w === w) return ws[k]!;
  const a: WindowAcc = { w, sum: 0, min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY, last: Number.NaN, lastT: Number.NEGATIVE_INFINITY, n: 0, text: undefined, textT: Number.NEGATIVE_INFINITY };
  if (k === ws.length - 1) ws.push(a);
  else ws.splice(k + 1, 0, a);
  return a;
}

function byWindowThenName(x: ClosedWindow, y: ClosedWindow): number {
  return x.acc.w - y.acc.w || (x.signal < y.signal ? -1 : x.signal > y.signal ? 1 : 0);
}
