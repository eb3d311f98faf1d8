// OBD-II (SAE J1979 over ISO 15765-4) responses seen on a bus: service 01 current data (PIDs with
// their formulas, supported-PID bitmaps) and service 09 PID 02 (VIN). Responses come from the ECUs'
// physical ids 0x7E8..0x7EF (11-bit) or 0x18DAF1xx (29-bit, ECU address in the low byte), as single
// frames or, where the answer is longer than 7 bytes (VIN, several PIDs at once), multi-frame.
// Requests (0x7DF functional, 0x7E0..0x7E7 / 0x18DB33F1 / 0x18DAxxF1) are counted and skipped.

import type { FrameBatch } from '../../can/frame.js';
import { FrameFlag } from '../../can/frame.js';
import { decodeVin } from '../j1939/vin.js';
import { IsoTpObserver, type IsoTpCounters } from './isotp.js';
import { PIDS, isSupportedPidsPid, supportedPids } from './pids.js';

export interface ObdSink {
  /** one value of a service 01 PID; ecu is the CAN id of the response (0x7E8.., 0x18DAF1xx) */
  pid(t: number, ecu: number, pid: number, name: string, value: number, unit: string): void;
  vin?(t: number, ecu: number, vin: string): void;
  /** a "PIDs supported" answer: base 0x00, 0x20, ... and the PIDs it lists */
  supported?(t: number, ecu: number, base: number, pids: number[]): void;
}

export interface ObdDecoderOptions {
  /** also take 29-bit responses 0x18DAF1xx (default true) */
  extended?: boolean;
}

export interface ObdCounters {
  frames: number;
  /** frames from response ids */
  responses: number;
  /** request frames (0x7DF, 0x7E0..0x7E7, 29-bit requests) */
  requests: number;
  /** values given to the sink */
  values: number;
  /** PIDs not in the table (their answer cannot be parsed further) */
  unknownPid: number;
  /** PID answers shorter than the PID's data */
  shortPid: number;
  /** negative responses (0x7F) */
  negative: number;
  /** other services (not 01 / 09) */
  otherService: number;
  vin: number;
  isotp: IsoTpCounters;
}

export function isObdResponseId(id: number, ext: boolean): boolean {
  return ext ? (id & 0x1fffff00) === 0x18daf100 : id >= 0x7e8 && id <= 0x7ef;
}

function isObdRequestId(id: number, ext: boolean): boolean {
  return ext ? id === 0x18db33f1 || (id & 0x1fff00ff) === 0x18da00f1 : id === 0x7df || (id >= 0x7e0 && id <= 0x7e7);
}

export class ObdDecoder {
  private readonly isotp = new IsoTpObserver();
  private readonly extended: boolean;
  private readonly c = { frames: 0, responses: 0, requests: 0, values: 0, unknownPid: 0, shortPid: 0, negative: 0, otherService: 0, vin: 0 };
  /** unknown PID -> times seen */
  readonly unknownPids = new Map<number, number>();
  private sink: ObdSink | undefined;
  private readonly deliver = (t: number, id: number, data: Uint8Array, off: number, len: number): void => this.message(t, id, data, off, len);

  constructor(opts: ObdDecoderOptions = {}) {
    this.extended = opts.extended ?? true;
  }

  /** Decodes one bus's batch in order, calling the sink synchronously; never throws for bad frames. */
  decode(batch: FrameBatch, sink: ObdSink): void {
    this.sink = sink;
    const { count, id, flags, len, offset, data, t } = batch;
    for (let i = 0; i < count; i++) {
      this.c.frames++;
      const fl = flags[i]!;
      if (fl & (FrameFlag.RTR | FrameFlag.ERR)) continue;
      const ext = (fl & FrameFlag.EXT) !== 0;
      const fid = id[i]!;
      if (ext && !this.extended) continue;
      if (isObdResponseId(fid, ext)) {
        this.c.responses++;
        this.isotp.frame(t[i]!, fid, data, offset[i]!, len[i]!, this.deliver);
      } else if (isObdRequestId(fid, ext)) this.c.requests++;
    }
    if (count > 0) this.isotp.expire(t[count - 1]!);
  }

  counters(): ObdCounters {
    return { ...this.c, isotp: { ...this.isotp.counters } };
  }

  private message(t: number, ecu: number, d: Uint8Array, off: number, len: number): void {
    const sink = this.sink!;
    const sid = d[off]!;
    if (sid === 0x41) {
      // one or more (PID, data) pairs
      let p = off + 1;
      const end = off + len;
      while (p < end) {
        const pid = d[p]!;
        if (isSupportedPidsPid(pid)) {
          if (p + 5 > end) {
            this.c.shortPid++;
            return;
          }
          sink.supported?.(t, ecu, pid, supportedPids(pid, d[p + 1]!, d[p + 2]!, d[p + 3]!, d[p + 4]!));
          p += 5;
          continue;
        }
        const info = PIDS[pid];
        if (info === undefined) {
          this.c.unknownPid++;
          this.unknownPids.set(pid, (this.unknownPids.get(pid) ?? 0) + 1);
          return;
        }
        if (p + 1 + info.bytes > end) {
          this.c.shortPid++;
          return;
        }
        const a = d[p + 1]!;
        const b = info.bytes > 1 ? d[p + 2]! : 0;
        const c = info.bytes > 2 ? d[p + 3]! : 0;
        const e = info.bytes > 3 ? d[p + 4]! : 0;
        for (const o of info.outputs) {
          this.c.values++;
          sink.pid(t, ecu, pid, o.name, o.f(a, b, c, e), o.unit);
        }
        p += 1 + info.bytes;
      }
    } else if (sid === 0x49) {
      // 49 02 <number of data items> VIN (17 characters); some ECUs pad the VIN with leading NULs
      if (len >= 2 && d[off + 1] === 0x02) {
        const vin = len >= 20 ? decodeVin(d, off + 3, len - 3) : decodeVin(d, off + 2, len - 2);
        if (vin !== undefined) {
          this.c.vin++;
          sink.vin?.(t, ecu, vin);
        }
      } else this.c.otherService++;
    } else if (sid === 0x7f) this.c.negative++;
    else this.c.otherService++;
  }
}
