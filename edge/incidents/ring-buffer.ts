// Pre-event ring buffer: every sample of one vehicle (t, signal, value) at its native rate, columnar
// in typed arrays that grow to the rate actually seen and are then reused in a circle. Samples older
// than the window are dropped unless an open incident still needs them.

import type { SignalInfo, TextSample } from '../signals/signal-batch.js';
import type { IncidentRecording } from './types.js';

export class SampleRing {
  /**
   * Columns of a power-of-two length; the samples are [head, end) modulo that length. One slot
   * always stays free, so head === end means empty. The columns and `end` are public for the
   * detector's loop, which writes reserve()d slots itself and then sets `end` (VehicleIncidents.scan).
   */
  t = new Float64Array(4096);
  sig = new Uint16Array(4096);
  val = new Float64Array(4096);
  private head = 0;
  end = 0;
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

  /**
   * Makes room for `count` more samples: the columns then stay as they are until the next reserve(),
   * so a caller can keep them in locals while it writes. A ring that grew for a burst (an open
   * incident's window) gives the memory back here once it is mostly empty.
   */
  reserve(count: number): void {
    const cap = this.t.length;
    const n = this.size;
    if (n + count >= cap) {
      let c = cap * 2;
      while (n + count >= c) c *= 2;
      this.resize(c);
    } else if (n * 8 < cap && cap > 4096 && n + count < cap >> 2) this.resize(cap >> 1);
  }

  /** Adds a sample into room made by reserve(). */
  append(t: number, sig: number, v: number): void {
    const i = this.end;
    this.t[i] = t;
    this.sig[i] = sig;
    this.val[i] = v;
    this.end = (i + 1) & (this.t.length - 1);
  }

  pushText(s: TextSample): void {
    this.texts.push(s);
  }

  /** Drops samples before t. */
  dropBefore(t: number): void {
    const mask = this.t.length - 1;
    const ts = this.t;
    const e = this.end;
    let h = this.head;
    while (h !== e && ts[h]! < t) h = (h + 1) & mask;
    this.head = h;
    if (this.texts.length === 0) return;
    let k = 0;
    while (k < this.texts.length && this.texts[k]!.t < t) k++;
    if (k) this.texts.splice(0, k);
  }

  /** Samples with from <= t <= to, in arrival order, with a dictionary of just the signals they use. */
  slice(from: number, to: number): IncidentRecording {
    const mask = this.t.length - 1;
    const remap = new Map<number, number>();
    const out: IncidentRecording = { from, to, signals: [], t: [], signal: [], value: [], texts: this.texts.filter((x) => x.t >= from && x.t <= to) };
    for (let i = this.head; i !== this.end; i = (i + 1) & mask) {
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
    return (this.end - this.head) & (this.t.length - 1);
  }

  /** Copies the samples, oldest first, into columns of c entries (a power of two > size). */
  private resize(c: number): void {
    const mask = this.t.length - 1;
    const n = this.size;
    const t = new Float64Array(c);
    const s = new Uint16Array(c);
    const v = new Float64Array(c);
    for (let k = 0; k < n; k++) {
      const i = (this.head + k) & mask;
      t[k] = this.t[i]!;
      s[k] = this.sig[i]!;
      v[k] = this.val[i]!;
    }
    this.t = t;
    this.sig = s;
    this.val = v;
    this.head = 0;
    this.end = n;
  }
}
