// Per-vehicle time merge. SignalBatches of one vehicle arrive per CAN interface (one decoder output
// per FrameBatch), so consecutive batches overlap in time: can0's 50 ms, then can1's 50 ms. The
// detectors need one time-ordered stream, so samples wait here until no earlier sample can still
// come (the newest time seen minus `horizonS`) and leave sorted by (time, texts first, arrival).
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

export class Reorderer {
  private items: Item[] = [];
  private seq = 0;
  private maxT = -Infinity;
  private released = -Infinity;
  late = 0;

  constructor(private readonly horizonS: number) {}

  /** Adds a batch; returns the samples that are now safe to process, in order. */
  push(b: SignalBatch): Released[] {
    const lateOut: Released[] = [];
    const add = (it: Item): void => {
      if (it.t < this.released) {
        this.late++;
        lateOut.push(it);
      } else this.items.push(it);
      if (it.t > this.maxT) this.maxT = it.t;
    };
    for (const x of b.texts) add({ t: x.t, info: null, value: NaN, name: x.name, text: x.value, seq: this.seq++ });
    for (let i = 0; i < b.count; i++) {
      const info = b.signals[b.signal[i]!]!;
      add({ t: b.t[i]!, info, value: b.value[i]!, name: info.name, text: '', seq: this.seq++ });
    }
    return lateOut.concat(this.release(this.maxT - this.horizonS));
  }

  /** Everything still held (end of data). */
  flush(): Released[] {
    return this.release(Infinity);
  }

  private release(upTo: number): Released[] {
    if (this.items.length === 0) return [];
    this.items.sort((a, b) => a.t - b.t || (a.info ? 1 : 0) - (b.info ? 1 : 0) || a.seq - b.seq);
    let n = 0;
    while (n < this.items.length && this.items[n]!.t <= upTo) n++;
    if (n === 0) return [];
    const out = this.items.slice(0, n);
    this.items = this.items.slice(n);
    this.released = out[out.length - 1]!.t;
    return out;
  }
}
