// Per-vehicle time merge. SignalBatches of one vehicle arrive per CAN interface (one decoder output
// per FrameBatch), so consecutive batches overlap in time: can0's 50 ms, then can1's 50 ms. The
// detectors need one time-ordered stream, so samples wait here until no earlier sample can still
// come (the newest time seen minus `horizonS`) and leave sorted by (time, texts first, signal name, arrival).
// A sample older than what was already released is passed on at once (counted in `late`); each
// detector ignores what steps back on its own stream.

import type { SignalBatch, SignalInfo } from '../signals/signal-batch.js';

export interface Released {
  t: number;
  /** numeric sample: its signal; text sample: null */
  info: SignalInfo | null;
  value: number;
  name: string;
  text: string;
}

interface Item extends Released {
  seq: number;
}

// Equal times: texts first, then by signal name, so samples of different interfaces that share a
// timestamp leave in the same order whatever order their batches arrived in (same name: arrival).
const before = (a: Item, b: Item): boolean => {
  if (a.t !== b.t) return a.t < b.t;
  const ka = a.info ? 1 : 0;
  const kb = b.info ? 1 : 0;
  return ka !== kb ? ka < kb : a.name < b.name;
};

export class Reorderer {
  /** held samples, kept sorted from `head` on (arrival order breaks ties, so insertion is stable) */
  private items: Item[] = [];
  private head = 0;
  private seq = 0;
  private maxT = -Infinity;
  private released = -Infinity;
  late = 0;

  constructor(private readonly horizonS: number) {}

  /** Adds a batch; returns the samples that are now safe to process, in order. */
  push(b: SignalBatch): Released[] {
    const lateOut: Released[] = [];
    const add = (it: Item): void => {
      if (it.t > this.maxT) this.maxT = it.t;
      if (it.t < this.released) {
        this.late++;
        lateOut.push(it);
        return;
      }
      const xs = this.items;
      if (xs.length === this.head || !before(it, xs[xs.length - 1]!)) {
        xs.push(it);
        return;
      }
      // upper bound: after every held item that does not sort after it
      let lo = this.head;
      let hi = xs.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (before(it, xs[mid]!)) hi = mid;
        else lo = mid + 1;
      }
      xs.splice(lo, 0, it);
    };
    for (const x of b.texts) add({ t: x.t, info: null, value: NaN, name: x.name, text: x.value, seq: this.seq++ });
    for (let i = 0; i < b.count; i++) {
      const info = b.signals[b.signal[i]!]!;
      add({ t: b.t[i]!, info, value: b.value[i]!, name: info.name, text: '', seq: this.seq++ });
    }
    const out = this.release(this.maxT - this.horizonS);
    return lateOut.length ? lateOut.concat(out) : out;
  }

  /** Everything still held (end of data). */
  flush(): Released[] {
    return this.release(Infinity);
  }

  private release(upTo: number): Released[] {
    const xs = this.items;
    let n = this.head;
    while (n < xs.length && xs[n]!.t <= upTo) n++;
    if (n === this.head) return [];
    const out = xs.slice(this.head, n);
    this.head = n;
    this.released = out[out.length - 1]!.t;
    if (this.head > 4096 && this.head * 2 > xs.length) {
      this.items = xs.slice(this.head);
      this.head = 0;
    }
    return out;
  }
}
