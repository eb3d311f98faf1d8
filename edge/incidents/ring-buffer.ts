// Pre-event ring buffer: every sample of one vehicle (t, signal, value) at its native rate, columnar
// in typed arrays that grow to the rate actually seen and are then reused in a circle. Samples older
// than the window are dropped unless an open incident still needs them.

import type { SignalInfo, TextSample } from '../signals/signal-batch.js';
import type { IncidentRecording } from './types.js';

export class SampleRing {
  private t = new Float64Array(4096);
  private sig = new Uint16Array(4096);
  private val = new Float64Array(4096);
  private head = 0; // index of the oldest sample
  private n = 0;
  private texts: TextSample[] = [];
  readonly signals: SignalInfo[] = [];
  private readonly index = new Map<string, number>();

  /** Dictionary id of a signal (added on first sight; the first SignalInfo seen for a name is kept). */
  id(info: SignalInfo): number {
    let i = this.index.get(info.name);
    if (i === undefined) {
      if (this.signals.length >= 0xffff) return 0xffff;
      i = this.signals.length;
      this.signals.push(info);
      this.index.set(info.name, i);
    }
    return i;
  }

  push(t: number, sig: number, v: number): void {
    if (this.n === this.t.length) this.grow();
    let i = this.head + this.n;
    if (i >= this.t.length) i -= this.t.length;
    this.t[i] = t;
    this.sig[i] = sig;
    this.val[i] = v;
    this.n++;
  }

  pushText(s: TextSample): void {
    this.texts.push(s);
  }

  /** Drops samples before t. */
  dropBefore(t: number): void {
    const cap = this.t.length;
    const ts = this.t;
    let h = this.head;
    let n = this.n;
    while (n > 0 && ts[h]! < t) {
      if (++h === cap) h = 0;
      n--;
    }
    this.head = h;
    this.n = n;
    // a ring that grew for a burst (an open incident's window) gives the memory back once it is mostly empty
    if (n * 8 < cap && cap > 4096) this.resize(cap >> 1);
    if (this.texts.length === 0) return;
    let k = 0;
    while (k < this.texts.length && this.texts[k]!.t < t) k++;
    if (k) this.texts.splice(0, k);
  }

  /** Samples with from <= t <= to, in arrival order, with a dictionary of just the signals they use. */
  slice(from: number, to: number): IncidentRecording {
    const cap = this.t.length;
    const remap = new Map<number, number>();
    const out: IncidentRecording = { from, to, signals: [], t: [], signal: [], value: [], texts: this.texts.filter((x) => x.t >= from && x.t <= to) };
    for (let k = 0; k < this.n; k++) {
      const i = (this.head + k) % cap;
      const t = this.t[i]!;
      if (t < from || t > to) continue;
      const s = this.sig[i]!;
      let j = remap.get(s);
      if (j === undefined) {
        j = out.signals.length;
        remap.set(s, j);
        out.signals.push(this.signals[s]!);
      }
      out.t.push(t);
      out.signal.push(j);
      out.value.push(this.val[i]!);
    }
    return out;
  }

  get size(): number {
    return this.n;
  }

  private grow(): void {
    this.resize(this.t.length * 2);
  }

  /** Copies the samples, oldest first, into columns of c entries (c >= n). */
  private resize(c: number): void {
    const cap = this.t.length;
    const t = new Float64Array(c);
    const s = new Uint16Array(c);
    const v = new Float64Array(c);
    for (let k = 0; k < this.n; k++) {
      const i = (this.head + k) % cap;
      t[k] = this.t[i]!;
      s[k] = this.sig[i]!;
      v[k] = this.val[i]!;
    }
    this.t = t;
    this.sig = s;
    this.val = v;
    this.head = 0;
  }
}
