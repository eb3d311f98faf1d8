// Per-vehicle time merge. SignalBatches of one vehicle arrive per CAN interface (one decoder output
// per FrameBatch), so consecutive batches overlap in time: can0's 50 ms, then can1's 50 ms. The
// detectors need one time-ordered stream, so samples wait here until no earlier sample can still
// come (the newest time seen minus `horizonS`) and leave sorted by (time, texts first, signal name, arrival).
// A sample older than what was already released is passed on at once (counted in `late`); each
// detector ignores what steps back on its own stream.
//
// Columnar: held samples live in typed arrays (time, value, kind, key) plus one reference per
// sample (its SignalInfo, or its TextSample), so the merge allocates nothing per sample. What a
// push or flush releases is, in order: the late samples in the `out*` columns [0, outN), then the
// held columns [relFrom, relTo) (both valid until the next push or flush). A sample's key is
// 2 * (id of its name) + (1 if its SignalInfo is derived): consumers can index per-signal tables by
// it instead of looking the SignalInfo up.

import type { SignalBatch, SignalInfo, TextSample } from '../signals/signal-batch.js';

/** Receives released samples as columns and the range [from, to) to read. */
export type ReleasedVisitor = (
  ts: Float64Array,
  vs: Float64Array,
  ks: Uint8Array,
  keys: Int32Array,
  refs: ReadonlyArray<SignalInfo | TextSample | null>,
  from: number,
  to: number,
) => void;

export class Reorderer {
  // held samples [head, n), sorted
  ht = new Float64Array(1024);
  hv = new Float64Array(1024);
  /** key (see above) */
  hn = new Int32Array(1024);
  /** 0: text, 1: numeric */
  hk = new Uint8Array(1024);
  hr: Array<SignalInfo | TextSample | null> = new Array(1024).fill(null);
  /** released by the last push / flush: held [relFrom, relTo) */
  relFrom = 0;
  relTo = 0;
  private head = 0;
  private n = 0;
  private maxT = -Infinity;
  private released = -Infinity;
  late = 0;

  /** name -> name id; rank[name id] orders names as strings compare (equal names share an id) */
  private readonly nameIds = new Map<string, number>();
  private names: string[] = [];
  private rank = new Int32Array(16);
  /** per batch: batch signal index -> name id */
  private local = new Int32Array(64);

  // released samples of the last push / flush
  outT = new Float64Array(1024);
  outV = new Float64Array(1024);
  /** 0: text (outRef is its TextSample), 1: numeric (outRef is its SignalInfo) */
  outK = new Uint8Array(1024);
  outKey = new Int32Array(1024);
  outRef: Array<SignalInfo | TextSample | null> = new Array(1024).fill(null);
  outN = 0;

  constructor(private readonly horizonS: number) {}

  private nameId(name: string): number {
    let id = this.nameIds.get(name);
    if (id !== undefined) return id;
    id = this.names.length;
    this.names.push(name);
    this.nameIds.set(name, id);
    if (this.rank.length < this.names.length) {
      const r = new Int32Array(this.rank.length * 2);
      this.rank = r;
    }
    const order = this.names.map((_, i) => i).sort((a, b) => (this.names[a]! < this.names[b]! ? -1 : this.names[a]! > this.names[b]! ? 1 : 0));
    for (let k = 0; k < order.length; k++) this.rank[order[k]!] = k;
    return id;
  }

  /** Adds a batch; what is now safe to process is left in out* [0, outN) and held [relFrom, relTo). */
  push(b: SignalBatch): void {
    this.outN = 0;
    this.relFrom = this.relTo = 0;
    if (this.head === this.n) this.head = this.n = 0;
    const texts = b.texts;
    for (let i = 0; i < texts.length; i++) {
      const x = texts[i]!;
      this.add(x.t, 0, 2 * this.nameId(x.name), NaN, x);
    }
    const sigs = b.signals;
    if (this.local.length < sigs.length) this.local = new Int32Array(sigs.length * 2);
    const local = this.local;
    for (let k = 0; k < sigs.length; k++) local[k] = 2 * this.nameId(sigs[k]!.name) + (sigs[k]!.derived ? 1 : 0);
    const bt = b.t;
    const bs = b.signal;
    const bv = b.value;
    const c = b.count;
    let i = 0;
    while (i < c) {
      // fast path, state in locals: numeric samples that go at the end (not late, not before the
      // last held one, room left); anything else goes through add()
      const ht = this.ht;
      const hv = this.hv;
      const hn = this.hn;
      const hk = this.hk;
      const hr = this.hr;
      const rank = this.rank;
      const cap = ht.length;
      const released = this.released;
      let n = this.n;
      let maxT = this.maxT;
      const head = this.head;
      for (; i < c; i++) {
        const t = bt[i]!;
        if (n === cap || t < released || n === head) break;
        const tl = ht[n - 1]!;
        const s = bs[i]!;
        const key = local[s]!;
        // before(last)? same test as before(): time, then kind (numeric is 1: never before a text at equal time), then name rank
        if (t !== tl ? t < tl : hk[n - 1] === 1 && rank[key >> 1]! < rank[hn[n - 1]! >> 1]!) break;
        if (t > maxT) maxT = t;
        ht[n] = t;
        hv[n] = bv[i]!;
        hn[n] = key;
        hk[n] = 1;
        hr[n] = sigs[s]!;
        n++;
      }
      this.n = n;
      this.maxT = maxT;
      if (i < c) {
        const s = bs[i]!;
        this.add(bt[i]!, 1, local[s]!, bv[i]!, sigs[s]!);
        i++;
      }
    }
    this.release(this.maxT - this.horizonS);
  }

  /** Hands what the last push / flush released to visit, in order: the late samples, then the held range. */
  visitReleased(visit: ReleasedVisitor): void {
    if (this.outN > 0) visit(this.outT, this.outV, this.outK, this.outKey, this.outRef, 0, this.outN);
    if (this.relTo > this.relFrom) visit(this.ht, this.hv, this.hk, this.hn, this.hr, this.relFrom, this.relTo);
  }

  /** Everything still held (end of data), left in held [relFrom, relTo). */
  flush(): void {
    this.outN = 0;
    this.relFrom = this.relTo = 0;
    this.release(Infinity);
  }

  private emit(t: number, k: number, key: number, v: number, ref: SignalInfo | TextSample | null): void {
    if (this.outN === this.outT.length) {
      const c = this.outT.length * 2;
      const t2 = new Float64Array(c);
      t2.set(this.outT);
      this.outT = t2;
      const v2 = new Float64Array(c);
      v2.set(this.outV);
      this.outV = v2;
      const k2 = new Uint8Array(c);
      k2.set(this.outK);
      this.outK = k2;
      const key2 = new Int32Array(c);
      key2.set(this.outKey);
      this.outKey = key2;
      this.outRef.length = c;
      this.outRef.fill(null, this.outN);
    }
    const o = this.outN++;
    this.outT[o] = t;
    this.outV[o] = v;
    this.outK[o] = k;
    this.outKey[o] = key;
    this.outRef[o] = ref;
  }

  /** true when (t, k, name) sorts before held sample j */
  private before(t: number, k: number, nid: number, j: number): boolean {
    const tj = this.ht[j]!;
    if (t !== tj) return t < tj;
    const kj = this.hk[j]!;
    if (k !== kj) return k < kj;
    return this.rank[nid >> 1]! < this.rank[this.hn[j]! >> 1]!;
  }

  private add(t: number, k: number, nid: number, v: number, ref: SignalInfo | TextSample): void {
    if (t > this.maxT) this.maxT = t;
    if (t < this.released) {
      this.late++;
      this.emit(t, k, nid, v, ref);
      return;
    }
    if (this.n === this.ht.length) this.makeRoom();
    let at = this.n;
    if (this.n !== this.head && this.before(t, k, nid, this.n - 1)) {
      // upper bound: after every held item that does not sort after it
      let lo = this.head;
      let hi = this.n;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (this.before(t, k, nid, mid)) hi = mid;
        else lo = mid + 1;
      }
      at = lo;
      const n = this.n;
      this.ht.copyWithin(at + 1, at, n);
      this.hv.copyWithin(at + 1, at, n);
      this.hn.copyWithin(at + 1, at, n);
      this.hk.copyWithin(at + 1, at, n);
      const hr = this.hr;
      for (let j = n; j > at; j--) hr[j] = hr[j - 1]!;
    }
    this.ht[at] = t;
    this.hv[at] = v;
    this.hn[at] = nid;
    this.hk[at] = k;
    this.hr[at] = ref;
    this.n++;
  }

  /** Compacts the held samples to the start, or grows the columns when more than half are held. */
  private makeRoom(): void {
    const h = this.head;
    const live = this.n - h;
    if (live * 2 > this.ht.length) {
      const c = this.ht.length * 2;
      const t = new Float64Array(c);
      t.set(this.ht.subarray(h, this.n));
      const v = new Float64Array(c);
      v.set(this.hv.subarray(h, this.n));
      const nn = new Int32Array(c);
      nn.set(this.hn.subarray(h, this.n));
      const kk = new Uint8Array(c);
      kk.set(this.hk.subarray(h, this.n));
      const r: Array<SignalInfo | TextSample | null> = new Array(c).fill(null);
      for (let j = 0; j < live; j++) r[j] = this.hr[h + j]!;
      this.ht = t;
      this.hv = v;
      this.hn = nn;
      this.hk = kk;
      this.hr = r;
    } else {
      this.ht.copyWithin(0, h, this.n);
      this.hv.copyWithin(0, h, this.n);
      this.hn.copyWithin(0, h, this.n);
      this.hk.copyWithin(0, h, this.n);
      const hr = this.hr;
      for (let j = 0; j < live; j++) hr[j] = hr[h + j]!;
      hr.fill(null, live, this.n);
    }
    this.head = 0;
    this.n = live;
  }

  private release(upTo: number): void {
    let j = this.head;
    const n = this.n;
    const ht = this.ht;
    while (j < n && ht[j]! <= upTo) j++;
    if (j === this.head) return;
    this.relFrom = this.head;
    this.relTo = j;
    this.released = ht[j - 1]!;
    // the released samples stay where they are until the next push (the consumer reads them there)
    this.head = j;
  }
}
