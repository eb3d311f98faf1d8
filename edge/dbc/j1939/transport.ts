// SAE J1939-21 transport protocol, reassembled as a bus observer (we never answer: a gateway that
// listens must not take part in the handshake).
//
// TP.CM (PGN 60416, 8 bytes): byte 0 is the control byte, bytes 5..7 the PGN carried (little endian).
//   0x20 BAM   broadcast announce: bytes 1..2 total size, byte 3 packets; data follows unasked
//   0x10 RTS   request to send (originator -> responder): size, packets, byte 4 max packets per CTS
//   0x11 CTS   clear to send (responder -> originator): byte 1 packets allowed (0 = hold), byte 2 next
//   0x13 EndOfMsgAck (responder -> originator): size, packets
//   0xFF Abort (either side): byte 1 reason
// TP.DT (PGN 60160): byte 0 sequence number 1..255, bytes 1..7 data (last packet padded with 0xFF).
//
// A session is keyed by (originator SA, destination): one BAM per source to global and one RTS/CTS
// per pair, as J1939-21 allows. Timeouts (J1939-21 5.10.2.4) are judged on frame timestamps only:
//   T1 750 ms  between data packets while more are expected (BAM and inside a CTS window)
//   T2 1250 ms from a CTS to its first data packet
//   T3 1250 ms from the last packet of a window (or the RTS) to the next CTS
//   T4 1050 ms from a hold CTS (0 packets) to the next CTS; the responder repeats its hold every
//              Th = 500 ms, so an observer that missed one hold still waits out T4
// The message is delivered when its last data packet arrives (the observer has every byte then; an
// EndOfMsgAck that we might not see adds nothing). Everything odd is counted, never thrown.

export interface TpTimeouts {
  t1: number;
  t2: number;
  t3: number;
  t4: number;
}

/** J1939-21 timeouts in seconds (frame timestamps are seconds). */
export const J1939_TIMEOUTS: Readonly<TpTimeouts> = { t1: 0.75, t2: 1.25, t3: 1.25, t4: 1.05 };

export const TpControl = { RTS: 0x10, CTS: 0x11, EOMA: 0x13, BAM: 0x20, ABORT: 0xff } as const;

/** J1939-21 limits: at most 255 packets of 7 bytes. */
export const TP_MAX_SIZE = 1785;

export interface TpCounters {
  /** sessions announced (BAM, RTS) */
  bam: number;
  rts: number;
  /** messages reassembled and delivered */
  completed: number;
  /** sessions ended by an Abort from either side */
  aborted: number;
  /** sessions that ran out of time (T1..T4) */
  timeouts: number;
  /** data packets out of sequence or missing: the session is dropped */
  sequenceErrors: number;
  /** a new BAM/RTS on a pair whose session was still open (the old one is dropped) */
  superseded: number;
  /** BAM/RTS with an impossible size/packet count, or CTS asking for packets that do not exist */
  badAnnounce: number;
  /** unknown control byte */
  badControl: number;
  /** TP.CM / TP.DT frames shorter than the protocol needs */
  shortFrames: number;
  /** data packets with no open session (e.g. the announce was missed) */
  orphanData: number;
  /** CTS / EndOfMsgAck / Abort that match no open session */
  strayControl: number;
  /** RTS sent to the global address (J1939-21 wants BAM there); reassembled as a BAM */
  rtsToGlobal: number;
  /** data packets of an RTS/CTS session seen while no CTS window was open (a CTS we did not see) */
  dataWithoutCts: number;
  /** EndOfMsgAck seen for a session still missing packets (we lost frames the responder got) */
  incomplete: number;
}

export type TpDeliver = (t: number, pgn: number, sa: number, da: number, data: Uint8Array) => void;

const enum State {
  /** data packets expected (BAM, or inside a CTS window) */
  Data,
  /** RTS/CTS: waiting for the responder's CTS */
  AwaitCts,
  /** RTS/CTS: the responder asked to hold (CTS with 0 packets) */
  Hold,
}

interface Session {
  readonly sa: number;
  readonly da: number;
  readonly pgn: number;
  readonly size: number;
  readonly packets: number;
  readonly broadcast: boolean;
  readonly buf: Uint8Array;
  /** sequence number of the next data packet */
  next: number;
  /** last sequence number the current CTS window allows */
  windowEnd: number;
  state: State;
  /** frame time after which the session is dead */
  deadline: number;
}

export function emptyTpCounters(): TpCounters {
  return {
    bam: 0,
    rts: 0,
    completed: 0,
    aborted: 0,
    timeouts: 0,
    sequenceErrors: 0,
    superseded: 0,
    badAnnounce: 0,
    badControl: 0,
    shortFrames: 0,
    orphanData: 0,
    strayControl: 0,
    rtsToGlobal: 0,
    dataWithoutCts: 0,
    incomplete: 0,
  };
}

export class TransportReassembler {
  readonly counters: TpCounters = emptyTpCounters();
  private readonly sessions = new Map<number, Session>();
  private readonly to: TpTimeouts;

  constructor(
    private readonly deliver: TpDeliver,
    timeouts: Partial<TpTimeouts> = {},
  ) {
    this.to = { ...J1939_TIMEOUTS, ...timeouts };
  }

  /** open sessions */
  get active(): number {
    return this.sessions.size;
  }

  /** A TP.CM frame from sa to da (payload data[off .. off+len)). */
  control(t: number, sa: number, da: number, data: Uint8Array, off: number, len: number): void {
    if (len < 8) {
      this.counters.shortFrames++;
      return;
    }
    const c = data[off]!;
    const pgn = (data[off + 5]! | (data[off + 6]! << 8) | (data[off + 7]! << 16)) & 0x3ffff;
    switch (c) {
      case TpControl.BAM:
      case TpControl.RTS: {
        const size = data[off + 1]! | (data[off + 2]! << 8);
        const packets = data[off + 3]!;
        const broadcast = c === TpControl.BAM || da === 0xff;
        if (c === TpControl.BAM) this.counters.bam++;
        else this.counters.rts++;
        if (c === TpControl.RTS && da === 0xff) this.counters.rtsToGlobal++;
        const key = (sa << 8) | da;
        if (this.sessions.delete(key)) this.counters.superseded++;
        // J1939-21 wants 9..1785 bytes; fewer is odd but harmless, so only the packet count must fit
        if (size < 1 || size > TP_MAX_SIZE || packets !== Math.ceil(size / 7)) {
          this.counters.badAnnounce++;
          return;
        }
        this.sessions.set(key, {
          sa,
          da,
          pgn,
          size,
          packets,
          broadcast,
          buf: new Uint8Array(packets * 7),
          next: 1,
          windowEnd: broadcast ? packets : 0,
          state: broadcast ? State.Data : State.AwaitCts,
          deadline: t + (broadcast ? this.to.t1 : this.to.t3),
        });
        return;
      }
      case TpControl.CTS: {
        // sent by the responder: the session is keyed by its originator (our da)
        const s = this.live(t, (da << 8) | sa);
        if (s === undefined || s.broadcast || s.pgn !== pgn) {
          this.counters.strayControl++;
          return;
        }
        const n = data[off + 1]!;
        const next = data[off + 2]!;
        if (n === 0) {
          s.state = State.Hold;
          s.deadline = t + this.to.t4;
          return;
        }
        if (next < 1 || next + n - 1 > s.packets) {
          this.counters.badAnnounce++;
          this.sessions.delete((da << 8) | sa);
          return;
        }
        // next may be lower than expected: the responder asks for a retransmission
        s.next = next;
        s.windowEnd = next + n - 1;
        s.state = State.Data;
        s.deadline = t + this.to.t2;
        return;
      }
      case TpControl.EOMA: {
        const key = (da << 8) | sa;
        const s = this.live(t, key);
        if (s === undefined || s.pgn !== pgn) {
          // the usual case: the session was delivered and closed at its last packet
          if (s !== undefined) this.counters.strayControl++;
          return;
        }
        this.counters.incomplete++;
        this.sessions.delete(key);
        return;
      }
      case TpControl.ABORT: {
        // either side may abort: try the sender as originator, then as responder
        for (const key of [(sa << 8) | da, (da << 8) | sa]) {
          const s = this.live(t, key);
          if (s !== undefined && s.pgn === pgn && !s.broadcast) {
            this.sessions.delete(key);
            this.counters.aborted++;
            return;
          }
        }
        this.counters.strayControl++;
        return;
      }
      default:
        this.counters.badControl++;
    }
  }

  /** A TP.DT frame from sa to da. */
  data(t: number, sa: number, da: number, data: Uint8Array, off: number, len: number): void {
    if (len < 2) {
      this.counters.shortFrames++;
      return;
    }
    const key = (sa << 8) | da;
    const s = this.live(t, key);
    if (s === undefined) {
      this.counters.orphanData++;
      return;
    }
    const seq = data[off]!;
    if (seq !== s.next) {
      this.counters.sequenceErrors++;
      this.sessions.delete(key);
      return;
    }
    if (s.state !== State.Data) this.counters.dataWithoutCts++;
    const at = (seq - 1) * 7;
    const want = Math.min(7, s.size - at);
    if (len - 1 < want) {
      this.counters.shortFrames++;
      this.sessions.delete(key);
      return;
    }
    const buf = s.buf;
    for (let k = 0; k < want; k++) buf[at + k] = data[off + 1 + k]!;
    s.next = seq + 1;
    if (seq === s.packets) {
      this.sessions.delete(key);
      this.counters.completed++;
      this.deliver(t, s.pgn, s.sa, s.da, buf.subarray(0, s.size));
      return;
    }
    if (!s.broadcast && seq >= s.windowEnd) {
      s.state = State.AwaitCts;
      s.deadline = t + this.to.t3;
    } else {
      s.state = State.Data;
      s.deadline = t + this.to.t1;
    }
  }

  /** Drops sessions whose deadline passed by frame time `now` (call with the latest frame time). */
  expire(now: number): void {
    if (this.sessions.size === 0) return;
    for (const [key, s] of this.sessions) {
      if (now > s.deadline) {
        this.sessions.delete(key);
        this.counters.timeouts++;
      }
    }
  }

  /** Forgets every open session (e.g. the source restarted). */
  reset(): void {
    this.sessions.clear();
  }

  /** the open session for key, after dropping it if its deadline passed at t */
  private live(t: number, key: number): Session | undefined {
    const s = this.sessions.get(key);
    if (s !== undefined && t > s.deadline) {
      this.sessions.delete(key);
      this.counters.timeouts++;
      return undefined;
    }
    return s;
  }
}
