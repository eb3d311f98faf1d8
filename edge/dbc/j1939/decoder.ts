// J1939 decoding of a bus: DBC messages matched by PGN (whatever the source address and priority of
// the frame; a DBC's J1939 id carries one SA and priority, real buses vary both), transport protocol
// reassembly, DM1, VIN and the tachograph's driver identification (DI). One decoder per bus
// (interface): TP sessions are per bus.

import type { FrameBatch } from '../../can/frame.js';
import { FrameFlag } from '../../can/frame.js';
import type { Database, Message } from '../database.js';
import { DecodeStatus } from '../decode.js';
import { decodeDm1, type Dm1, type LegacySpnLayout } from './dm1.js';
import { destinationOf, pgnOf, PGN } from './pgn.js';
import { TransportReassembler, type TpCounters, type TpTimeouts } from './transport.js';
import { decodeDriverId, type DriverIdentification } from './driver-id.js';
import { decodeVin } from './vin.js';

export interface J1939Sink {
  /** A DBC message (single frame or reassembled). data and values are reused: copy what you keep. */
  message?(t: number, sa: number, da: number, msg: Message, data: Uint8Array, values: Float64Array): void;
  dm1?(t: number, sa: number, dm1: Dm1): void;
  vin?(t: number, sa: number, vin: string): void;
  /** DI (PGN 65131) with at least one usable driver field (see driver-id.ts), every time one arrives */
  driverId?(t: number, sa: number, di: DriverIdentification): void;
  /** a PGN neither the DBC nor this decoder knows (called per frame or reassembled message) */
  unknown?(t: number, pgn: number, sa: number): void;
}

export interface J1939DecoderOptions {
  /** SPN layout for DTCs with conversion method 1 (see dm1.ts); default 'v4' */
  legacySpn?: LegacySpnLayout;
  /** transport protocol timeouts in seconds (default J1939-21's) */
  timeouts?: Partial<TpTimeouts>;
}

export interface J1939Counters {
  /** frames looked at */
  frames: number;
  /** 11-bit, remote and error frames: not J1939, skipped */
  notJ1939: number;
  /** DBC messages decoded (single frame and reassembled) */
  decoded: number;
  /** of those, shorter than the DBC message: signals past the end are NaN */
  truncated: number;
  /** frames / reassembled messages of PGNs nobody knows */
  unknown: number;
  dm1: number;
  /** DM1 payloads too short to hold the lamp bytes */
  badDm1: number;
  vin: number;
  badVin: number;
  /** DI messages passed on */
  driverId: number;
  /** DI messages with a junk, over-long or "not available" driver field (passed on if the other is usable) */
  badDriverId: number;
  tp: TpCounters;
}

interface Entry {
  readonly msg: Message;
  readonly values: Float64Array;
}

/** key of the PGN table: the PGN and a source address, or 256 for "any source" */
const ANY_SA = 256;
const key = (pgn: number, sa: number): number => pgn * 512 + sa;

export class J1939Decoder {
  private readonly byPgn = new Map<number, Entry>();
  private readonly tp: TransportReassembler;
  private readonly legacySpn: LegacySpnLayout;
  private readonly c = { frames: 0, notJ1939: 0, decoded: 0, truncated: 0, unknown: 0, dm1: 0, badDm1: 0, vin: 0, badVin: 0, driverId: 0, badDriverId: 0 };
  /** one 64-byte buffer and a view of it per length: single frames reach the sink without allocation */
  private readonly scratch = new Uint8Array(64);
  private readonly views: Uint8Array[] = [];
  private sink: J1939Sink = {};

  constructor(db: Database | undefined, opts: J1939DecoderOptions = {}) {
    this.legacySpn = opts.legacySpn ?? 'v4';
    for (let n = 0; n <= 64; n++) this.views.push(this.scratch.subarray(0, n));
    // Every 29-bit message of the DBC is taken as a parameter group (DBCs mark J1939 inconsistently:
    // VFrameFormat J1939PG, or ExtendedCAN with a ProtocolType attribute). A message whose id names
    // a source address wins for frames from that address; the first one of a PGN serves all others.
    for (const msg of db?.messages ?? []) {
      if (!msg.extended || !msg.idValid) continue;
      const pgn = pgnOf(msg.id);
      const entry: Entry = { msg, values: new Float64Array(msg.signals.length) };
      const exact = key(pgn, msg.id & 0xff);
      if (!this.byPgn.has(exact)) this.byPgn.set(exact, entry);
      if (!this.byPgn.has(key(pgn, ANY_SA))) this.byPgn.set(key(pgn, ANY_SA), entry);
    }
    this.tp = new TransportReassembler((t, pgn, sa, da, data) => this.payload(t, pgn, sa, da, data, 0, data.length, false), opts.timeouts);
  }

  /** The DBC message serving a PGN from a source address, if any. */
  messageFor(pgn: number, sa: number): Message | undefined {
    return (this.byPgn.get(key(pgn, sa)) ?? this.byPgn.get(key(pgn, ANY_SA)))?.msg;
  }

  /** Decodes a batch of one bus in order; the sink is called synchronously. Never throws for bad
   * frames (they are counted); a throwing sink propagates. */
  decode(batch: FrameBatch, sink: J1939Sink): void {
    this.sink = sink;
    const { count, id, flags, len, offset, data, t } = batch;
    for (let i = 0; i < count; i++) {
      this.c.frames++;
      const fl = flags[i]!;
      if ((fl & (FrameFlag.EXT | FrameFlag.RTR | FrameFlag.ERR)) !== FrameFlag.EXT) {
        this.c.notJ1939++;
        continue;
      }
      const fid = id[i]!;
      const pgn = pgnOf(fid);
      const sa = fid & 0xff;
      const da = destinationOf(fid);
      if (pgn === PGN.TP_CM) this.tp.control(t[i]!, sa, da, data, offset[i]!, len[i]!);
      else if (pgn === PGN.TP_DT) this.tp.data(t[i]!, sa, da, data, offset[i]!, len[i]!);
      else this.payload(t[i]!, pgn, sa, da, data, offset[i]!, len[i]!, true);
    }
    if (count > 0) this.tp.expire(t[count - 1]!);
  }

  /** Lets sessions time out when no frames come (e.g. on a quiet bus, from a periodic tick). */
  expire(now: number): void {
    this.tp.expire(now);
  }

  counters(): J1939Counters {
    return { ...this.c, tp: { ...this.tp.counters } };
  }

  /** open transport sessions */
  get openSessions(): number {
    return this.tp.active;
  }

  private payload(t: number, pgn: number, sa: number, da: number, data: Uint8Array, off: number, len: number, single: boolean): void {
    const sink = this.sink;
    let known = false;
    const e = this.byPgn.get(key(pgn, sa)) ?? this.byPgn.get(key(pgn, ANY_SA));
    if (e !== undefined) {
      known = true;
      this.c.decoded++;
      if (e.msg.decode(data, off, len, e.values) & DecodeStatus.TRUNCATED) this.c.truncated++;
      if (sink.message) sink.message(t, sa, da, e.msg, single ? this.view(data, off, len) : data, e.values);
    }
    if (pgn === PGN.DM1) {
      known = true;
      const dm1 = decodeDm1(data, off, len, this.legacySpn);
      if (dm1 === undefined) this.c.badDm1++;
      else {
        this.c.dm1++;
        sink.dm1?.(t, sa, dm1);
      }
    } else if (pgn === PGN.VI) {
      known = true;
      const vin = decodeVin(data, off, len);
      if (vin === undefined) this.c.badVin++;
      else {
        this.c.vin++;
        sink.vin?.(t, sa, vin);
      }
    } else if (pgn === PGN.DI) {
      known = true;
      const di = decodeDriverId(data, off, len);
      if (di.driver1 === undefined || di.driver2 === undefined) this.c.badDriverId++;
      if (di.driver1 !== undefined || di.driver2 !== undefined) {
        this.c.driverId++;
        sink.driverId?.(t, sa, di);
      }
    }
    if (!known) {
      this.c.unknown++;
      sink.unknown?.(t, pgn, sa);
    }
  }

  /** a frame's payload copied into the scratch buffer, seen through the view of its length */
  private view(data: Uint8Array, off: number, len: number): Uint8Array {
    const n = len > 64 ? 64 : len;
    const s = this.scratch;
    for (let k = 0; k < n; k++) s[k] = data[off + k]!;
    return this.views[n]!;
  }
}
