// The decode engine: FrameBatch in, SignalBatch out, for the vehicles of one vehicle type.
//
//   frames --(FrameDecoder per interface: DBC, J1939, OBD-II)--> (t, route, value)
//          --(route: unit conversion to the VSS unit)--> VSS / raw signal samples
//          --> full-rate SignalBatch          (native rate: detectors, incident recordings)
//          --> rate-derived signals            (e.g. acceleration from speed), fed back as samples
//          --> down-sampled SignalBatch        (one point per signal per period: the time series)
//
// Everything runs on the frames' own timestamps. Decoders, routes and the choice between a map's
// candidate sources are fixed when the engine is built; per vehicle the engine keeps only the
// derivation windows and the open down-sampling windows.

import path from 'node:path';
import type { FrameBatch } from '../can/frame.js';
import type { Database, Message } from '../dbc/index.js';
import type { SignalBatch, SignalInfo } from './signal-batch.js';
import { DbcFrameDecoder, isObdId, type FrameDecoder, type FrameDecoderContext, type InterfaceConfig, type MessagePlan } from './frame-decoders.js';
import type { Downsampler, DownsampleMode } from './downsample.js';
import { SampleRouter, VehicleState, type Deriver } from './router.js';
import { conversion, rateOf } from './units.js';
import { defaultProtocols } from './protocols.js';
import { parsePid, rawMatcher, type DbcSource, type DeriveSource, type SourceSpec, type VssMap } from './vss-map.js';

export type { InterfaceConfig } from './frame-decoders.js';

/** Units of the standard OBD-II mode 01 PIDs the maps use (SAE J1979). */
export const OBD_PID_UNITS: Readonly<Record<number, string>> = {
  0x04: 'percent', // calculated engine load
  0x05: 'celsius', // coolant temperature
  0x0b: 'kPa', // intake manifold pressure
  0x0c: 'rpm', // engine speed
  0x0d: 'km/h', // vehicle speed
  0x0f: 'celsius', // intake air temperature
  0x10: 'g/s', // MAF
  0x11: 'percent', // throttle position
  0x1f: 's', // run time since engine start
  0x2f: 'percent', // fuel tank level
  0x31: 'km', // distance since codes cleared
  0x33: 'kPa', // barometric pressure
  0x42: 'V', // control module voltage
  0x46: 'celsius', // ambient air temperature
  0x5c: 'celsius', // oil temperature
  0x5e: 'l/h', // fuel rate
  0x62: 'percent', // actual engine torque
};

/** Builds protocol decoders that are not plain DBC (J1939, OBD-II); see protocols.ts. */
export interface ProtocolDecoders {
  j1939?: (dbs: readonly Database[], ctx: FrameDecoderContext) => FrameDecoder;
  obd?: (ctx: FrameDecoderContext) => FrameDecoder;
  /** OBD-II request/response ids (left to the OBD-II decoder; default 0x7DF-0x7EF) */
  obdTraffic?: (id: number, ext: boolean) => boolean;
  /** unit of a PID's value as the OBD-II decoder gives it (default OBD_PID_UNITS) */
  obdUnit?: (pid: number) => string | undefined;
}

export interface DecodeEngineOptions {
  /** per interface name; '*' applies to any interface not named */
  interfaces: Readonly<Record<string, InterfaceConfig>>;
  /** the vehicle type's VSS map; without one every decoded signal is emitted raw */
  map?: VssMap;
  /** 'mapped' (default): the map's VSS signals plus its raw patterns; 'all': also every other
   * decoded signal as <Message>.<Signal>; a list: just these names (VSS or <Message>.<Signal>) */
  emit?: 'mapped' | 'all' | readonly string[];
  /** down-sampled output: period in seconds (0 or absent: none) and last value or mean per window */
  downsample?: { period: number; mode: DownsampleMode; hold?: number };
  /** distinct unknown ids remembered (all are counted); default 100 */
  maxUnknownIds?: number;
  /** J1939 / OBD-II decoders (default: the ones this build has, see protocols.ts) */
  protocols?: ProtocolDecoders;
}

export interface EngineProblem {
  severity: 'error' | 'warning';
  message: string;
}

export interface UnknownId {
  iface: string;
  id: number;
  ext: boolean;
  count: number;
}

export interface DecodeCounters {
  /** frames received on configured interfaces */
  frames: number;
  /** frames that matched a message or PID */
  decoded: number;
  /** frames whose id no decoder knows */
  unknown: number;
  /** frames shorter than their message */
  short: number;
  /** frames of interfaces with no configuration (not decoded) */
  unconfigured: number;
  /** samples in the full-rate output */
  samples: number;
  /** down-sampling: samples that came after their window was closed */
  late: number;
  /** the most frequent unknown ids (at most maxUnknownIds distinct ids are remembered) */
  unknownIds: UnknownId[];
  /** unknown frames of ids beyond that cap */
  unknownOther: number;
}

export interface DecodeOutput {
  /** every emitted sample at native rate (undefined when none) */
  full: SignalBatch | undefined;
  /** down-sampled points closed by this batch (undefined when none or down-sampling is off) */
  down: SignalBatch | undefined;
}

export class DecodeEngine {
  /** every signal the engine can emit (VSS and raw), by output id */
  readonly signals: SignalInfo[] = [];
  /** problems found while building: map entries the DBCs cannot satisfy, missing decoders ... */
  readonly problems: EngineProblem[] = [];
  /** VSS name -> the source chosen for it ('' when none of its sources is available) */
  readonly chosen = new Map<string, string>();

  private readonly outIndex = new Map<string, number>();
  private emitFlag: boolean[] = [];
  private readonly deriveFrom: (number[] | undefined)[] = [];
  private readonly derivers: Deriver[] = [];
  private readonly dbcRoutes = new Map<string, Array<{ out: number; src: DbcSource }>>();
  private readonly obdRouteMap = new Map<number, number[]>();
  private readonly plans = new Map<Message, MessagePlan>();
  private readonly ifaceDecoders = new Map<string, FrameDecoder[]>();
  private readonly vehicles = new Map<string, VehicleState>();
  private readonly rawWanted: (name: string) => boolean;
  private readonly emitList: ReadonlySet<string> | undefined;
  private readonly emitMode: 'mapped' | 'all' | 'list';
  private readonly maxUnknownIds: number;
  private readonly protocols: ProtocolDecoders;
  private readonly problemSet = new Set<string>();

  // counters (frames decoded and short ones: the router's)
  private nFrames = 0;
  private nUnknown = 0;
  private nUnconfigured = 0;
  private nSamples = 0;
  private nUnknownOther = 0;
  private readonly unknownIds = new Map<string, Map<number, number>>();
  private nUnknownDistinct = 0;

  private curIface = '';
  private curIfaceIdx = 0;
  /** per interface seen in decode(): its decoders and its index (-1 when it has no configuration) */
  private readonly ifaces = new Map<string, { decoders: FrameDecoder[] | undefined; index: number }>();
  private configuredIfaces = 0;
  /** the vehicle of the last batch (the usual case: one vehicle per engine) */
  private lastVehicle: VehicleState | undefined;
  private readonly router: SampleRouter;

  constructor(private readonly opts: DecodeEngineOptions) {
    this.protocols = opts.protocols ?? defaultProtocols;
    this.maxUnknownIds = opts.maxUnknownIds ?? 100;
    const emit = opts.emit ?? 'mapped';
    this.emitMode = Array.isArray(emit) ? 'list' : (emit as 'mapped' | 'all');
    this.emitList = Array.isArray(emit) ? new Set(emit as readonly string[]) : undefined;
    const rawMatch = rawMatcher(opts.map?.raw);
    this.rawWanted = opts.map === undefined && this.emitMode === 'mapped' ? () => true : (name) => (this.emitMode === 'all' ? true : this.emitMode === 'list' ? this.emitList!.has(name) : rawMatch(name));

    this.router = new SampleRouter(this.signals, this.emitFlag, this.deriveFrom, this.derivers, (id, ext) => this.countUnknown(id, ext));
    this.resolveMap();

    // build the decoders of the named interfaces now, so configuration problems show at once
    for (const iface of Object.keys(opts.interfaces)) this.decodersFor(iface);
    if (this.emitList) for (const n of this.emitList) if (!this.outIndex.has(n)) this.problem('warning', `emit: no configured source provides "${n}"`);
  }

  /** Decodes one batch; returns the full-rate samples and the down-sampled points it closed. */
  decode(batch: FrameBatch): DecodeOutput {
    const { decoders, index: ii } = this.ifaceOf(batch.iface);
    const st = this.lastVehicle?.vehicle === batch.vehicle ? this.lastVehicle : (this.lastVehicle = this.vehicle(batch.vehicle));
    if (decoders === undefined) {
      this.nUnconfigured += batch.count;
      return { full: undefined, down: undefined };
    }
    this.nFrames += batch.count;
    this.router.cur = st;
    this.curIface = batch.iface;
    this.curIfaceIdx = ii;
    for (const d of decoders) d.decode(batch, this.router);
    const full = this.takeFull(st, batch.iface);
    if (batch.count > 0 && st.ds) {
      const last = batch.t[batch.count - 1]!;
      if (!(last <= (st.watermark[ii] ?? Number.NEGATIVE_INFINITY))) st.watermark[ii] = last;
      st.ds.advance(st.watermark[ii]!, st.sigIface, ii);
    }
    return { full, down: this.takeDown(st) };
  }

  /** Closes every open down-sampling window (end of a log, node closing). */
  flush(vehicle?: string): DecodeOutput[] {
    const out: DecodeOutput[] = [];
    for (const st of this.vehicles.values()) {
      if (vehicle !== undefined && st.vehicle !== vehicle) continue;
      const full = this.takeFull(st);
      st.ds?.flush();
      const down = this.takeDown(st);
      if (full || down) out.push({ full, down });
    }
    return out;
  }

  counters(): DecodeCounters {
    const ids: UnknownId[] = [];
    for (const [iface, m] of this.unknownIds) for (const [key, count] of m) ids.push({ iface, id: key & 0x7fffffff, ext: key > 0x7fffffff, count });
    ids.sort((a, b) => b.count - a.count || a.iface.localeCompare(b.iface) || a.id - b.id);
    let late = 0;
    for (const st of this.vehicles.values()) late += st.ds?.late ?? 0;
    return {
      frames: this.nFrames,
      decoded: this.router.decodedFrames,
      unknown: this.nUnknown,
      short: this.router.shortFrames,
      unconfigured: this.nUnconfigured,
      samples: this.nSamples,
      late,
      unknownIds: ids,
      unknownOther: this.nUnknownOther,
    };
  }

  /** Number of distinct unknown ids seen (capped at maxUnknownIds, plus 1 if others were dropped). */
  get unknownIdCount(): number {
    return this.nUnknownDistinct;
  }

  // ---- building ---------------------------------------------------------------------------------

  private problem(severity: EngineProblem['severity'], message: string): void {
    const key = severity + message;
    if (this.problemSet.has(key)) return;
    this.problemSet.add(key);
    this.problems.push({ severity, message });
  }

  private allDbs(): Database[] {
    const out: Database[] = [];
    for (const c of Object.values(this.opts.interfaces)) for (const db of c.dbc ?? []) if (!out.includes(db)) out.push(db);
    return out;
  }

  private obdAvailable(): boolean {
    return this.protocols.obd !== undefined && Object.values(this.opts.interfaces).some((c) => c.obd);
  }

  private addOut(info: SignalInfo, emit: boolean): number {
    const have = this.outIndex.get(info.name);
    if (have !== undefined) {
      if (emit) {
        this.emitFlag[have] = true;
        this.router.outputChanged(have);
      }
      return have;
    }
    const i = this.signals.length;
    this.signals.push(info);
    this.emitFlag.push(emit);
    this.outIndex.set(info.name, i);
    this.deriveFrom.push(undefined);
    this.router.outputChanged(i);
    return i;
  }

  private wantOut(name: string): boolean {
    return this.emitMode === 'list' ? this.emitList!.has(name) : true;
  }

  private addRoute(out: number, factor: number, offset: number): number {
    return this.router.addRoute(out, factor, offset);
  }

  /** Picks each VSS signal's source (first available candidate) and registers outputs. */
  private resolveMap(): void {
    const map = this.opts.map;
    if (!map) return;
    const dbs = this.allDbs();
    const hasDbcSignal = (ref: string): boolean => {
      const [m, s] = ref.split('.') as [string, string];
      return dbs.some((db) => db.messages.some((msg) => msg.name === m && msg.idValid && msg.signal(s) !== undefined));
    };
    const obdOn = this.obdAvailable();
    if (Object.values(this.opts.interfaces).some((c) => c.obd) && !this.protocols.obd) {
      this.problem('warning', 'OBD-II decoding is asked for but this build has no OBD-II decoder (edge/dbc/obd): OBD-II sources are not available');
    }
    const memo = new Map<string, SourceSpec | null>();
    const visiting = new Set<string>();
    const resolve = (name: string): SourceSpec | null => {
      if (memo.has(name)) return memo.get(name)!;
      const spec = map.signals[name];
      if (!spec || visiting.has(name)) return null;
      visiting.add(name);
      let pick: SourceSpec | null = null;
      for (const src of spec.from) {
        if ('dbc' in src && hasDbcSignal(src.dbc)) pick = src;
        else if ('obd' in src && obdOn) pick = src;
        else if ('derive' in src && resolve(src.of) !== null) pick = src;
        if (pick) break;
      }
      visiting.delete(name);
      memo.set(name, pick);
      return pick;
    };
    for (const name of Object.keys(map.signals)) resolve(name);

    // outputs in map order; derived ones after their inputs exist
    for (const [name, spec] of Object.entries(map.signals)) {
      const src = memo.get(name) ?? null;
      if (src === null) {
        this.chosen.set(name, '');
        if (this.emitList?.has(name) || this.emitMode !== 'list') this.problem('warning', `${map.source}: ${name}: none of its sources is available with this configuration`);
        continue;
      }
      if ('dbc' in src) {
        const out = this.addOut({ name, unit: spec.unit, derived: false, source: `DBC ${src.dbc}` }, this.wantOut(name));
        const list = this.dbcRoutes.get(src.dbc) ?? [];
        list.push({ out, src });
        this.dbcRoutes.set(src.dbc, list);
        this.chosen.set(name, `dbc ${src.dbc}`);
      } else if ('obd' in src) {
        const pid = parsePid(src.obd)!;
        const from = src.unit ?? this.protocols.obdUnit?.(pid) ?? OBD_PID_UNITS[pid];
        const hex = '0x' + pid.toString(16).toUpperCase().padStart(2, '0');
        if (from === undefined) {
          this.problem('error', `${map.source}: ${name}: OBD-II PID ${hex} has no known unit here; give "unit" in the source`);
          continue;
        }
        const c = conversion(from, spec.unit);
        if (typeof c === 'string') {
          this.problem('error', `${map.source}: ${name}: OBD-II PID ${hex}: ${c}`);
          continue;
        }
        const out = this.addOut({ name, unit: spec.unit, derived: false, source: `OBD-II PID ${hex}` }, this.wantOut(name));
        const r = this.addRoute(out, c.factor * (src.factor ?? 1), c.offset * (src.factor ?? 1) + (src.offset ?? 0));
        const list = this.obdRouteMap.get(pid) ?? [];
        list.push(r);
        this.obdRouteMap.set(pid, list);
        this.chosen.set(name, `obd ${hex}`);
      }
    }
    // derivations: after every direct signal has its output id
    const pending = Object.entries(map.signals).filter(([name]) => {
      const s = memo.get(name);
      return s !== null && s !== undefined && 'derive' in s;
    });
    let progress = true;
    while (pending.length > 0 && progress) {
      progress = false;
      for (let k = 0; k < pending.length; k++) {
        const [name, spec] = pending[k]!;
        const src = memo.get(name) as DeriveSource;
        const from = this.outIndex.get(src.of);
        if (from === undefined) continue;
        const r = rateOf(this.signals[from]!.unit)!;
        const c = conversion(r.unit, spec.unit);
        if (typeof c === 'string') {
          this.problem('error', `${map.source}: ${name}: ${c}`);
        } else {
          const out = this.addOut({ name, unit: spec.unit, derived: true, source: `rate of ${src.of} over ${src.window ?? 2} s (least squares)` }, this.wantOut(name));
          const d: Deriver = { from, out, factor: r.factor * c.factor, offset: c.offset, spec: src };
          this.derivers.push(d);
          (this.deriveFrom[from] ??= []).push(this.derivers.length - 1);
          this.router.outputChanged(from);
          this.chosen.set(name, `derived from ${src.of}`);
        }
        pending.splice(k--, 1);
        progress = true;
      }
    }
  }

  private readonly ctx: FrameDecoderContext = {
    planFor: (m, db) => this.planFor(m, db),
    obdRoutes: (pid) => this.obdRouteMap.get(pid) ?? [],
  };

  private planFor(m: Message, db: Database): MessagePlan {
    const have = this.plans.get(m);
    if (have) return have;
    const sig: number[] = [];
    const route: number[] = [];
    const when: number[] = [];
    // each pair's route as numbers: output id, factor, offset
    const outId: number[] = [];
    const factor: number[] = [];
    const offset: number[] = [];
    const addPair = (signal: number, out: number, f: number, o: number, w: number): void => {
      sig.push(signal);
      route.push(this.addRoute(out, f, o));
      when.push(w);
      outId.push(out);
      factor.push(f);
      offset.push(o);
    };
    const file = path.basename(db.file);
    const idText = '0x' + m.id.toString(16).toUpperCase();
    for (const s of m.signals) {
      const ref = `${m.name}.${s.name}`;
      for (const { out, src } of this.dbcRoutes.get(ref) ?? []) {
        const from = src.unit ?? s.unit;
        const target = this.signals[out]!;
        if (from.trim() === '') {
          this.problem('error', `${this.opts.map!.source}: ${target.name}: ${file}: ${ref} (id ${idText}) has no unit; give "unit" in the source`);
          continue;
        }
        const c = conversion(from, target.unit);
        if (typeof c === 'string') {
          this.problem('error', `${this.opts.map!.source}: ${target.name}: ${file}: ${ref} (id ${idText}): ${c}`);
          continue;
        }
        let w = -1;
        if (src.when !== undefined) {
          const ws = m.signal(src.when);
          if (ws === undefined) this.problem('error', `${this.opts.map!.source}: ${target.name}: when: ${file}: message ${m.name} (id ${idText}) has no signal ${src.when}`);
          else w = ws.index;
        }
        addPair(s.index, out, c.factor * (src.factor ?? 1), c.offset * (src.factor ?? 1) + (src.offset ?? 0), w);
        this.noteSource(out, file, ref, idText);
      }
      if (this.rawWanted(ref)) {
        const out = this.addOut({ name: ref, unit: s.unit, derived: false, source: '' }, true);
        this.noteSource(out, file, ref, idText);
        addPair(s.index, out, 1, 0, -1);
      }
    }
    const plan: MessagePlan = {
      message: m,
      out: new Float64Array(m.signals.length),
      n: sig.length,
      sig: Int32Array.from(sig),
      route: Int32Array.from(route),
      when: Int32Array.from(when),
      outId: Int32Array.from(outId),
      factor: Float64Array.from(factor),
      offset: Float64Array.from(offset),
    };
    this.plans.set(m, plan);
    return plan;
  }

  /** source of an output: `file: Message.Signal (id 0x.., 0x..)`, listing every id it comes from */
  private noteSource(out: number, file: string, ref: string, idText: string): void {
    const cur = this.signals[out]!;
    const head = `${file}: ${ref} (id `;
    let source: string;
    if (cur.source?.startsWith(head)) {
      const ids = cur.source.slice(head.length, -1).split(', ');
      if (ids.includes(idText)) return;
      source = `${head}${[...ids, idText].join(', ')})`;
    } else source = `${head}${idText})`;
    this.signals[out] = { ...cur, source };
  }

  private ifaceOf(iface: string): { decoders: FrameDecoder[] | undefined; index: number } {
    let s = this.ifaces.get(iface);
    if (s === undefined) {
      const decoders = this.decodersFor(iface);
      s = { decoders, index: decoders === undefined ? -1 : this.configuredIfaces++ };
      this.ifaces.set(iface, s);
    }
    return s;
  }

  private decodersFor(iface: string): FrameDecoder[] | undefined {
    const have = this.ifaceDecoders.get(iface);
    if (have) return have;
    const cfg = this.opts.interfaces[iface] ?? this.opts.interfaces['*'];
    if (cfg === undefined) return undefined;
    const list: FrameDecoder[] = [];
    const obd = cfg.obd && this.protocols.obd ? this.protocols.obd(this.ctx) : undefined;
    const dbs = cfg.dbc ?? [];
    if (cfg.j1939 && dbs.length > 0 && this.protocols.j1939) list.push(this.protocols.j1939(dbs, this.ctx));
    else {
      if (cfg.j1939) this.problem('warning', `${iface}: J1939 mode is asked for but this build has no J1939 decoder (edge/dbc/j1939): messages are matched by exact CAN id`);
      // also with no DBC: then every frame not left to the OBD-II decoder is counted as unknown
      list.push(new DbcFrameDecoder(dbs, this.ctx, obd ? (this.protocols.obdTraffic ?? isObdId) : undefined));
    }
    if (obd) list.push(obd);
    if (dbs.length === 0 && !obd) this.problem('warning', `${iface}: nothing to decode with (no DBC${cfg.obd ? ', no OBD-II decoder in this build' : ''})`);
    this.ifaceDecoders.set(iface, list);
    return list;
  }

  // ---- running ----------------------------------------------------------------------------------

  private vehicle(name: string): VehicleState {
    let st = this.vehicles.get(name);
    if (!st) {
      st = new VehicleState(name, this.derivers, this.opts.downsample);
      this.vehicles.set(name, st);
    }
    return st;
  }

  private countUnknown(id: number, ext: boolean): void {
    this.nUnknown++;
    let m = this.unknownIds.get(this.curIface);
    if (m === undefined) {
      m = new Map();
      this.unknownIds.set(this.curIface, m);
    }
    const key = ext ? (id | 0x80000000) >>> 0 : id;
    const c = m.get(key);
    if (c !== undefined) m.set(key, c + 1);
    else if (this.nUnknownDistinct < this.maxUnknownIds) {
      m.set(key, 1);
      this.nUnknownDistinct++;
    } else this.nUnknownOther++;
  }

  /** The full-rate batch decoded since the last call (undefined when it has neither samples nor
   * texts); feeds the down-sampler with its samples first, in the order they were decoded.
   * source: the interface the samples came from (the consumers' time merge keeps one run per source) */
  private takeFull(st: VehicleState, source?: string): SignalBatch | undefined {
    if (st.full.count === 0 && st.dict.size === 0 && st.texts === 0) return undefined;
    st.texts = 0;
    let full = st.full.take(source);
    if (st.ds) this.downsample(st, st.ds, full);
    if (!ascending(full.t, full.count)) full = sortByTime(full);
    this.nSamples += full.count;
    st.dict.clear();
    return full.count + full.texts.length > 0 ? full : undefined;
  }

  /** Feeds a batch's samples (all of the current interface) to the down-sampler. */
  private downsample(st: VehicleState, ds: Downsampler, b: SignalBatch): void {
    const outOf = st.dict.outs; // batch dictionary index -> output id
    for (let k = 0; k < st.dict.size; k++) st.sigIface[outOf[k]!] = this.curIfaceIdx;
    const { t, signal, value } = b;
    for (let i = 0; i < b.count; i++) ds.add(t[i]!, outOf[signal[i]!]!, value[i]!);
  }

  /** The down-sampled points closed since the last call (undefined when none or down-sampling is off). */
  private takeDown(st: VehicleState): SignalBatch | undefined {
    if (!st.ds || st.ds.pending === 0) return undefined;
    const p = st.ds.take();
    for (let i = 0; i < p.t.length; i++) {
      const o = p.signal[i]!;
      let d = st.downDict.index[o];
      if (d === undefined || d < 0) d = st.downDict.add(o, st.down, this.signals[o]!);
      st.down.push(p.t[i]!, d, p.value[i]!);
    }
    st.downDict.clear();
    return st.down.take();
  }
}

/** Whether t[0 .. n) never goes back (decoders of one interface may interleave). */
function ascending(t: Float64Array, n: number): boolean {
  for (let i = 1; i < n; i++) if (t[i]! < t[i - 1]!) return false;
  return true;
}

/** Stable sort of a batch's samples by time (only when decoders of one interface interleave). */
function sortByTime(b: SignalBatch): SignalBatch {
  const idx = Array.from({ length: b.count }, (_, i) => i);
  idx.sort((x, y) => b.t[x]! - b.t[y]! || x - y);
  const t = new Float64Array(b.count);
  const s = new Uint16Array(b.count);
  const v = new Float64Array(b.count);
  idx.forEach((j, i) => {
    t[i] = b.t[j]!;
    s[i] = b.signal[j]!;
    v[i] = b.value[j]!;
  });
  return { ...b, t, signal: s, value: v };
}
