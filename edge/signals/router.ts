// The decode engine's FrameSink: each value a frame decoder reports for a route is converted to its
// output's unit and appended to the full-rate batch of the vehicle being decoded, and fed to the rate
// derivations that use it.
//
// This is the per-sample hot path. It is a class, not an object of closures, so that a decoder's call
// of value() has one target whichever engine it serves and V8 inlines it; and the usual case (an
// emitted output that nothing is derived from) is a few array loads and one append, with no call that
// is not inlined and takes a double (V8 would allocate a heap number for it). The DBC decoder hands
// over a whole batch's samples at once, converted (samples()): one loop whose arrays stay in local
// variables, where a call per sample would have V8 load and check every field and array again for each.

import { SignalBatchBuilder, type SignalInfo } from './signal-batch.js';
import type { FrameSink } from './frame-decoders.js';
import { RateEstimator } from './derive.js';
import { Downsampler, type DownsampleOptions } from './downsample.js';
import type { DeriveSource } from './vss-map.js';

export interface Deriver {
  from: number;
  out: number;
  factor: number;
  offset: number;
  spec: DeriveSource;
}

/** The dictionary of the batch being built, kept by output id (no name lookups). */
export class BatchDict {
  /** output id -> index in the batch's signals (-1: not in the batch yet) */
  index = new Int32Array(64).fill(-1);
  /** output ids in the batch's order (the first `size`) */
  outs = new Int32Array(64);
  size = 0;

  /** Makes index[] cover output ids below n. */
  cover(n: number): void {
    if (n > this.index.length) this.index = grown(this.index, new Int32Array(Math.max(n, this.index.length * 2)).fill(-1));
  }

  /** Adds an output to the batch's dictionary; returns its index there. */
  add(out: number, b: SignalBatchBuilder, info: SignalInfo): number {
    this.cover(out + 1);
    if (this.size === this.outs.length) this.outs = grown(this.outs, new Int32Array(this.size * 2));
    const i = b.appendSignal(info);
    this.index[out] = i;
    this.outs[this.size++] = out;
    return i;
  }

  /** Empties it for the next batch. */
  clear(): void {
    const { index, outs } = this;
    for (let k = 0; k < this.size; k++) index[outs[k]!] = -1;
    this.size = 0;
  }
}

/** Output state of one vehicle. */
export class VehicleState {
  readonly full: SignalBatchBuilder;
  readonly down: SignalBatchBuilder;
  /** dictionaries of the full-rate and the down-sampled batch being built */
  readonly dict = new BatchDict();
  readonly downDict = new BatchDict();
  ds: Downsampler | undefined;
  rates: RateEstimator[];
  /** newest frame time per interface index */
  watermark: number[] = [];
  /** interface index each output signal last came from */
  sigIface: number[] = [];
  texts = 0;

  constructor(
    readonly vehicle: string,
    derivers: readonly Deriver[],
    ds: DownsampleOptions | undefined,
  ) {
    this.full = new SignalBatchBuilder(vehicle, 1024);
    this.down = new SignalBatchBuilder(vehicle, 64);
    this.rates = derivers.map((d) => new RateEstimator({ ...(d.spec.window !== undefined ? { window: d.spec.window } : {}), ...(d.spec.minSamples !== undefined ? { minSamples: d.spec.minSamples } : {}) }));
    this.ds = ds && ds.period > 0 ? new Downsampler(ds) : undefined;
  }
}

/** What becomes of a sample of an output (SampleRouter.kinds). */
const enum Kind {
  /** neither emitted nor read by a derivation */
  NONE = 0,
  /** emitted, and nothing is derived from it: the fast path */
  EMIT = 1,
  /** derivations read it (sample()) */
  DERIVE = 2,
}

export class SampleRouter implements FrameSink {
  /** the vehicle whose batch is being decoded */
  cur!: VehicleState;
  decodedFrames = 0;
  shortFrames = 0;
  // per route (the numbers decoders were handed): output id, and factor and offset to its unit
  private routeOut = new Int32Array(64);
  private routeF = new Float64Array(64);
  private routeO = new Float64Array(64);
  private routes = 0;
  /** per output id: a Kind */
  private kinds = new Uint8Array(64);

  constructor(
    /** the engine's outputs, by output id (grows while decoders are built) */
    private readonly signals: readonly SignalInfo[],
    /** per output: whether it is emitted (else only derivations read it) */
    private readonly emitFlag: readonly boolean[],
    /** per output: indexes in `derivers` of the derivations fed by it */
    private readonly deriveFrom: readonly (readonly number[] | undefined)[],
    private readonly derivers: readonly Deriver[],
    private readonly onUnknown: (id: number, ext: boolean) => void,
  ) {}

  addRoute(out: number, factor: number, offset: number): number {
    if (this.routes === this.routeOut.length) {
      this.routeOut = grown(this.routeOut, new Int32Array(this.routes * 2));
      this.routeF = grown(this.routeF, new Float64Array(this.routes * 2));
      this.routeO = grown(this.routeO, new Float64Array(this.routes * 2));
    }
    const r = this.routes++;
    this.routeOut[r] = out;
    this.routeF[r] = factor;
    this.routeO[r] = offset;
    return r;
  }

  /** To be called when an output is added, or whether it is emitted or derived from changes. */
  outputChanged(out: number): void {
    if (out >= this.kinds.length) this.kinds = grown(this.kinds, new Uint8Array(Math.max(out + 1, this.kinds.length * 2)));
    this.kinds[out] = this.deriveFrom[out] !== undefined ? Kind.DERIVE : this.emitFlag[out] ? Kind.EMIT : Kind.NONE;
  }

  value(t: number, route: number, v: number): void {
    const out = this.routeOut[route]!;
    const x = v * this.routeF[route]! + this.routeO[route]!;
    const kind = this.kinds[out];
    if (kind === Kind.EMIT) this.append(t, out, x);
    else if (kind === Kind.DERIVE) this.sample(t, out, x);
  }

  samples(ts: Float64Array, outs: Int32Array, value: Float64Array, n: number): void {
    const st = this.cur;
    const b = st.full;
    const kinds = this.kinds;
    st.dict.cover(kinds.length);
    let dict = st.dict.index;
    let e = b.reserve(n);
    let T = b.timeColumn;
    let S = b.signalColumn;
    let V = b.valueColumn;
    let j = 0;
    while (j < n) {
      // the usual samples, in a loop without calls: V8 keeps the arrays' checks out of it
      for (; j < n; j++) {
        const out = outs[j]!;
        const kind = kinds[out];
        if (kind !== Kind.EMIT) {
          if (kind === Kind.NONE) continue;
          break;
        }
        const d = dict[out]!;
        if (d < 0) break;
        T[e] = ts[j]!;
        S[e] = d;
        V[e] = value[j]!;
        e++;
      }
      if (j === n) break;
      // sample j needs a call: the first of its output in this batch, or one derivations read
      const out = outs[j]!;
      if (kinds[out] === Kind.EMIT) {
        S[e] = this.enter(st, out);
        dict = st.dict.index;
        T[e] = ts[j]!;
        V[e] = value[j]!;
        e++;
      } else {
        b.commit(e);
        this.sample(ts[j]!, out, value[j]!);
        dict = st.dict.index;
        e = b.reserve(n - j - 1);
        T = b.timeColumn;
        S = b.signalColumn;
        V = b.valueColumn;
      }
      j++;
    }
    b.commit(e);
  }

  decoded(): void {
    this.decodedFrames++;
  }

  unknown(id: number, ext: boolean): void {
    this.onUnknown(id, ext);
  }

  short(): void {
    this.shortFrames++;
  }

  text(t: number, name: string, value: string): void {
    this.cur.full.pushText(t, name, value);
    this.cur.texts++;
  }

  /** A sample of an output: emitted if it is, and fed to the derivations from it (which recurse). */
  private sample(t: number, out: number, v: number): void {
    const st = this.cur;
    if (this.emitFlag[out]) this.append(t, out, v);
    const ds = this.deriveFrom[out];
    if (ds !== undefined) {
      for (const k of ds) {
        const d = this.derivers[k]!;
        const r = st.rates[k]!.push(t, v);
        if (r === r) this.sample(t, d.out, r * d.factor + d.offset);
      }
    }
  }

  private append(t: number, out: number, v: number): void {
    const st = this.cur;
    let d = st.dict.index[out];
    if (d === undefined || d < 0) d = this.enter(st, out);
    st.full.push(t, d, v);
  }

  /** first sample of an output in the batch (kept out of the loops above, which stay small) */
  private enter(st: VehicleState, out: number): number {
    return st.dict.add(out, st.full, this.signals[out]!);
  }
}

/** `to` (a longer array) with `from` copied into its start */
function grown<T extends Int32Array<ArrayBuffer> | Float64Array<ArrayBuffer> | Uint8Array<ArrayBuffer>>(from: T, to: T): T {
  (to as Uint8Array<ArrayBuffer>).set(from as Uint8Array<ArrayBuffer>);
  return to;
}
