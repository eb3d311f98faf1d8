// ISO 15765-2 (ISO-TP) receive side, as a bus observer: the protocol control information (PCI) in
// the first byte(s) of each frame of one sender id.
//   0x0L           single frame, L data bytes (CAN FD: 0x00 then a length byte)
//   0x1L LL        first frame, 12-bit total length (0x10 0x00 then a 32-bit length on CAN FD)
//   0x2N           consecutive frame, sequence number N = 1, 2, ... 15, 0, 1, ...
//   0x3S           flow control (the other side's; nothing to reassemble)
// The receiver's N_Cr timeout (1000 ms between consecutive frames) ends a stalled message; judged
// on frame timestamps. Everything odd is counted, never thrown.

export interface IsoTpCounters {
  single: number;
  multi: number;
  /** consecutive frames out of sequence: the message is dropped */
  sequenceErrors: number;
  /** consecutive frames with no first frame before them */
  orphan: number;
  timeouts: number;
  /** frames too short for their PCI, impossible lengths, reserved PCI types */
  malformed: number;
  flowControl: number;
}

export const N_CR = 1.0;
/** 4095 is the classic limit; bigger (FD escape) messages are not what OBD sends */
const MAX_LEN = 4095;

interface Pending {
  buf: Uint8Array;
  got: number;
  sn: number;
  deadline: number;
}

export type IsoTpDeliver = (t: number, id: number, data: Uint8Array, off: number, len: number) => void;

export class IsoTpObserver {
  readonly counters: IsoTpCounters = { single: 0, multi: 0, sequenceErrors: 0, orphan: 0, timeouts: 0, malformed: 0, flowControl: 0 };
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly timeout = N_CR) {}

  /** One frame from `id`; complete messages go to deliver (payload valid during the call only). */
  frame(t: number, id: number, data: Uint8Array, off: number, len: number, deliver: IsoTpDeliver): void {
    if (len < 1) {
      this.counters.malformed++;
      return;
    }
    const pci = data[off]!;
    switch (pci >> 4) {
      case 0: {
        let n = pci & 0x0f;
        let start = off + 1;
        if (n === 0 && len > 8) {
          n = data[off + 1]!; // CAN FD escape
          start = off + 2;
        }
        if (n === 0 || start + n > off + len) {
          this.counters.malformed++;
          return;
        }
        this.counters.single++;
        deliver(t, id, data, start, n);
        return;
      }
      case 1: {
        if (len < 8) {
          this.counters.malformed++;
          return;
        }
        const size = ((pci & 0x0f) << 8) | data[off + 1]!;
        // a first frame must need more than one frame (> 7 bytes)
        if (size <= 7 || size > MAX_LEN) {
          this.counters.malformed++;
          return;
        }
        const buf = new Uint8Array(size);
        const first = Math.min(len - 2, size);
        for (let k = 0; k < first; k++) buf[k] = data[off + 2 + k]!;
        if (this.pending.has(id)) this.counters.sequenceErrors++; // a new message cut the old one short
        this.pending.set(id, { buf, got: first, sn: 1, deadline: t + this.timeout });
        return;
      }
      case 2: {
        const p = this.pending.get(id);
        if (p === undefined) {
          this.counters.orphan++;
          return;
        }
        if (t > p.deadline) {
          this.pending.delete(id);
          this.counters.timeouts++;
          this.counters.orphan++;
          return;
        }
        if ((pci & 0x0f) !== p.sn) {
          this.pending.delete(id);
          this.counters.sequenceErrors++;
          return;
        }
        const n = Math.min(len - 1, p.buf.length - p.got);
        for (let k = 0; k < n; k++) p.buf[p.got + k] = data[off + 1 + k]!;
        p.got += n;
        p.sn = (p.sn + 1) & 0x0f;
        p.deadline = t + this.timeout;
        if (p.got === p.buf.length) {
          this.pending.delete(id);
          this.counters.multi++;
          deliver(t, id, p.buf, 0, p.buf.length);
        }
        return;
      }
      case 3:
        this.counters.flowControl++;
        return;
      default:
        this.counters.malformed++;
    }
  }

  /** Drops messages stalled past N_Cr at frame time now. */
  expire(now: number): void {
    for (const [id, p] of this.pending) {
      if (now > p.deadline) {
        this.pending.delete(id);
        this.counters.timeouts++;
      }
    }
  }
}
