// The seam between "frames of one interface" and "values for the signal routes of the decode engine".
//
// A FrameDecoder is built once per interface from that interface's configuration; decode(batch, sink)
// walks a FrameBatch and reports, for each value it wants, sink.value(t, route, value): `route` is a
// number the engine handed out while the decoder was being built (through FrameDecoderContext), so the
// hot loop does no name lookups. Plain DBC decoding lives here, and reports a whole batch at once
// with the routes resolved to output ids and unit conversions (sink.samples(), the hot path); J1939
// (PGN matching, transport protocol) and OBD-II (mode 01 responses) plug in as further FrameDecoders
// over the same context.

import { FrameFlag, type FrameBatch } from '../can/frame.js';
import type { Database, Message } from '../dbc/index.js';

/** How one decoded message signal (by index in message.signals) feeds the engine's routes. */
export interface MessagePlan {
  readonly message: Message;
  /** decode output, message.signals.length long, reused for every frame of the message */
  readonly out: Float64Array;
  /** number of (signal, route) pairs */
  readonly n: number;
  /** signal index in message.signals per pair */
  readonly sig: Int32Array;
  readonly route: Int32Array;
  /** signal index whose value must be non-zero for the pair to be reported (validity flag), or -1 */
  readonly when: Int32Array;
  // the route of each pair as numbers (for FrameSink.samples()): output id, and the factor and
  // offset that convert the signal's value to the output's unit
  readonly outId: Int32Array;
  readonly factor: Float64Array;
  readonly offset: Float64Array;
}

/** What a FrameDecoder gets from the engine while it is being built. */
export interface FrameDecoderContext {
  /** the plan for a DBC message (the same object for the same message; n = 0 when nothing wants it) */
  planFor(message: Message, db: Database): MessagePlan;
  /** routes fed by an OBD-II mode 01 PID (empty when nothing wants it) */
  obdRoutes(pid: number): readonly number[];
}

/** Where a FrameDecoder reports. */
export interface FrameSink {
  value(t: number, route: number, value: number): void;
  /** n samples at once, already converted by their routes (MessagePlan.outId, factor, offset):
   * sample j is value[j] of output out[j] at time t[j] */
  samples(t: Float64Array, out: Int32Array, value: Float64Array, n: number): void;
  /** a frame of the batch matched a message / PID */
  decoded(): void;
  /** a frame whose id no configured decoder knows */
  unknown(id: number, ext: boolean): void;
  /** a frame shorter than its message (signals that do not fit are not reported) */
  short(id: number, ext: boolean): void;
  /** a text value (VIN, trouble codes ...) */
  text(t: number, name: string, value: string): void;
}

export interface FrameDecoder {
  decode(batch: FrameBatch, sink: FrameSink): void;
}

/** Per interface: which decoders read its frames. */
export interface InterfaceConfig {
  /** DBCs, tried in order for each id */
  dbc?: readonly Database[];
  /** match DBC messages by J1939 PGN (needs the J1939 decoder) */
  j1939?: boolean;
  /** decode OBD-II mode 01 responses (needs the OBD-II decoder) */
  obd?: boolean;
}

const SKIP = FrameFlag.RTR | FrameFlag.ERR;
/** 11-bit ids: 0 .. 0x7FF */
const STD_IDS = 0x800;

/** OBD-II request / response ids (11-bit): left to the OBD-II decoder when it runs on the interface. */
export function isObdId(id: number, ext: boolean): boolean {
  return !ext && id >= 0x7df && id <= 0x7ef;
}

/**
 * Plain DBC decoding: one lookup per frame, the message's compiled decoder into a reused array, and
 * the wanted signals collected into reused columns that go to the sink once per batch (values()). No
 * allocation per frame.
 */
export class DbcFrameDecoder implements FrameDecoder {
  // by id, 11-bit and 29-bit apart: 11-bit ids index an array, 29-bit ones are Map keys (small
  // integers: a combined key with bit 31 set would be a heap number, hashed on every lookup)
  private readonly stdPlans: (MessagePlan | undefined)[] = new Array<MessagePlan | undefined>(STD_IDS).fill(undefined);
  /** 11-bit messages whose DBC id is out of the 11-bit range (matched as written, like the others) */
  private readonly stdHigh = new Map<number, MessagePlan>();
  private readonly extPlans = new Map<number, MessagePlan>();
  // the batch's samples for the sink: time, output id and value
  private sT = new Float64Array(256);
  private sOut = new Int32Array(256);
  private sValue = new Float64Array(256);

  constructor(
    dbs: readonly Database[],
    ctx: FrameDecoderContext,
    /** ids another decoder on the interface takes care of (not counted as unknown) */
    private readonly leaveTo: ((id: number, ext: boolean) => boolean) | undefined = undefined,
    /** 'standard': look at 11-bit frames only (29-bit ones belong to the J1939 decoder) */
    private readonly only: 'all' | 'standard' = 'all',
  ) {
    // first DBC wins for an id, as the configuration lists them
    for (const db of dbs) {
      for (const m of db.messages) {
        if (!m.idValid || (only === 'standard' && m.extended)) continue;
        if (m.extended || m.id >= STD_IDS) {
          const plans = m.extended ? this.extPlans : this.stdHigh;
          if (!plans.has(m.id)) plans.set(m.id, ctx.planFor(m, db));
        } else if (this.stdPlans[m.id] === undefined) this.stdPlans[m.id] = ctx.planFor(m, db);
      }
    }
  }

  decode(b: FrameBatch, sink: FrameSink): void {
    const { t, id, flags, len, offset, data } = b;
    const stdPlans = this.stdPlans;
    const extPlans = this.extPlans;
    const leaveTo = this.leaveTo;
    const skip = this.only === 'standard' ? SKIP | FrameFlag.EXT : SKIP;
    let sT = this.sT;
    let sOut = this.sOut;
    let sValue = this.sValue;
    let m = 0;
    for (let i = 0; i < b.count; i++) {
      const fl = flags[i]!;
      if (fl & skip) continue;
      const ext = (fl & FrameFlag.EXT) !== 0;
      const fid = id[i]!;
      const plan = ext ? extPlans.get(fid) : fid < STD_IDS ? stdPlans[fid] : this.stdHigh.get(fid);
      if (plan === undefined) {
        if (leaveTo === undefined || !leaveTo(fid, ext)) sink.unknown(fid, ext);
        continue;
      }
      sink.decoded();
      const n = len[i]!;
      if (n < plan.message.length) sink.short(fid, ext);
      if (plan.n === 0) continue;
      const out = plan.out;
      plan.message.decode(data, offset[i]!, n, out);
      if (m + plan.n > sValue.length) {
        this.growSamples(m + plan.n);
        sT = this.sT;
        sOut = this.sOut;
        sValue = this.sValue;
      }
      const ti = t[i]!;
      const { sig, when, outId, factor, offset: add } = plan;
      for (let k = 0; k < plan.n; k++) {
        const v = out[sig[k]!]!;
        if (v !== v) continue; // not in the frame, or not selected by the multiplexer
        const w = when[k]!;
        if (w >= 0) {
          const c = out[w]!;
          if (c === 0 || c !== c) continue;
        }
        sT[m] = ti;
        sOut[m] = outId[k]!;
        sValue[m] = v * factor[k]! + add[k]!;
        m++;
      }
    }
    if (m > 0) sink.samples(sT, sOut, sValue, m);
  }

  private growSamples(min: number): void {
    let c = this.sValue.length * 2;
    while (c < min) c *= 2;
    const t = new Float64Array(c);
    t.set(this.sT);
    const o = new Int32Array(c);
    o.set(this.sOut);
    const v = new Float64Array(c);
    v.set(this.sValue);
    this.sT = t;
    this.sOut = o;
    this.sValue = v;
  }
}
