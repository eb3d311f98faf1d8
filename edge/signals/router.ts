// The decode engine's FrameSink: each value a frame decoder reports for a route is converted to its
// output's unit and appended to the full-rate batch of the vehicle being decoded, and fed to the rate
// derivations that use it.
//
// This is the per-sample hot path. It is a class, not an object of closures, so that a decoder's call
// of value() has one target whichever engine it serves and V8 inlines it; and the usual case (an
// emitted output that nothing is derived from) is a few array loads and one append, with no call that
// is not inlined and takes a double (V8 would allocate a heap number for it).

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

/** Output state of one vehicle. */
export class VehicleState {
  readonly full: SignalBatchBuilder;
  readonly down: SignalBatchBuilder;
  /** output id -> index in the full batch's dictionary (-1: not in this batch yet) */
  dict = new Int32Array(64).fill(-1);
  /** output ids in the full batch's dictionary, in its order */
  touched: number[] = [];
  /** output id -> index in the down-sampled batch's dictionary (-1: not in this batch yet) */
  downDict = new Int32Array(64).fill(-1);
  downTouched: number[] = [];
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

/** Index of output `out` in a per-batch dictionary, adding it (and its info to the batch) on first use. */
export function enterBatch(dict: Int32Array<ArrayBuffer>, touched: number[], b: SignalBatchBuilder, info: SignalInfo, out: number): { dict: Int32Array<ArrayBuffer>; index: number } {
  if (out >= dict.length) {
    const nd = new Int32Array(Math.max(out + 1, dict.length * 2)).fill(-1);
    nd.set(dict);
    dict = nd;
  }
  const index = b.appendSignal(info);
  dict[out] = index;
  touched.push(out);
  return { dict, index };
}

export class SampleRouter implements FrameSink {
  /** the vehicle whose batch is being decoded */
  cur!: VehicleState;
  decodedFrames = 0;
  shortFrames = 0;
  // per route (the numbers decoders were handed): output id, factor and offset to its unit
  readonly routeOut: number[] = [];
  readonly routeF: number[] = [];
  readonly routeO: number[] = [];

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
    this.routeOut.push(out);
    this.routeF.push(factor);
    this.routeO.push(offset);
    return this.routeOut.length - 1;
  }

  value(t: number, route: number, v: number): void {
    const out = this.routeOut[route]!;
    const x = v * this.routeF[route]! + this.routeO[route]!;
    if (this.deriveFrom[out] !== undefined) this.sample(t, out, x);
    else if (this.emitFlag[out]) this.append(t, out, x);
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
    let d = st.dict[out];
    if (d === undefined || d < 0) d = this.enter(st, out);
    st.full.push(t, d, v);
  }

  /** first sample of an output in the batch (kept out of append so that stays small) */
  private enter(st: VehicleState, out: number): number {
    const e = enterBatch(st.dict, st.touched, st.full, this.signals[out]!, out);
    st.dict = e.dict;
    return e.index;
  }
}
