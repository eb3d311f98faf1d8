// The sending side of J1939-21 transport: the frames a node puts on the bus to send one parameter
// group, as plain CanFrames. The appliance only listens (transport.ts reassembles as an observer);
// this is for simulators and tests that need real TP traffic: a single frame up to 8 bytes, BAM to
// global, or an RTS/CTS exchange with the responder's CTS frames and EndOfMsgAck included.

import type { CanFrame } from '../../can/frame.js';
import { GLOBAL_ADDRESS, PGN, j1939Id } from './pgn.js';
import { TP_MAX_SIZE, TpControl } from './transport.js';

export interface TpSendOptions {
  /** priority of the TP.CM / TP.DT frames (J1939-21 default 7) */
  priority?: number;
  /** seconds between consecutive frames (J1939-21 wants 50..200 ms between BAM packets) */
  gap?: number;
}

function frame(t: number, id: number, data: Uint8Array): CanFrame {
  return { t, id, ext: true, fd: false, data };
}

function pgnBytes(pgn: number): [number, number, number] {
  return [pgn & 0xff, (pgn >>> 8) & 0xff, (pgn >>> 16) & 0x03];
}

function checkSize(payload: Uint8Array): number {
  if (payload.length < 1 || payload.length > TP_MAX_SIZE) throw new RangeError(`TP payload of ${payload.length} bytes (1..${TP_MAX_SIZE})`);
  return Math.ceil(payload.length / 7);
}

/** TP.DT packet n (1-based): sequence number and 7 bytes, the last padded with 0xFF. */
function packet(payload: Uint8Array, n: number): Uint8Array {
  const d = new Uint8Array(8).fill(0xff);
  d[0] = n;
  const at = (n - 1) * 7;
  for (let k = 0; k < 7 && at + k < payload.length; k++) d[1 + k] = payload[at + k]!;
  return d;
}

/** BAM: announce to global, then the packets `gap` apart (the first `gap` after the announce). */
export function bamFrames(pgn: number, sa: number, payload: Uint8Array, t0: number, o: TpSendOptions = {}): CanFrame[] {
  const packets = checkSize(payload);
  const prio = o.priority ?? 7;
  const gap = o.gap ?? 0.05;
  const [p0, p1, p2] = pgnBytes(pgn);
  const cmId = j1939Id(prio, PGN.TP_CM, sa, GLOBAL_ADDRESS);
  const dtId = j1939Id(prio, PGN.TP_DT, sa, GLOBAL_ADDRESS);
  const out = [frame(t0, cmId, Uint8Array.of(TpControl.BAM, payload.length & 0xff, payload.length >>> 8, packets, 0xff, p0, p1, p2))];
  for (let n = 1; n <= packets; n++) out.push(frame(t0 + n * gap, dtId, packet(payload, n)));
  return out;
}

/** RTS/CTS from sa to da: RTS, then per window the responder's CTS and up to `perCts` packets,
 * then the responder's EndOfMsgAck. Frames `gap` apart. */
export function rtsCtsFrames(pgn: number, sa: number, da: number, payload: Uint8Array, t0: number, o: TpSendOptions & { perCts?: number } = {}): CanFrame[] {
  const packets = checkSize(payload);
  const prio = o.priority ?? 7;
  const gap = o.gap ?? 0.01;
  const perCts = Math.max(1, Math.min(255, o.perCts ?? 255));
  const [p0, p1, p2] = pgnBytes(pgn);
  const size = [payload.length & 0xff, payload.length >>> 8] as const;
  const fromSender = j1939Id(prio, PGN.TP_CM, sa, da);
  const fromResponder = j1939Id(prio, PGN.TP_CM, da, sa);
  const dtId = j1939Id(prio, PGN.TP_DT, sa, da);
  let t = t0;
  const out = [frame(t, fromSender, Uint8Array.of(TpControl.RTS, size[0], size[1], packets, perCts, p0, p1, p2))];
  for (let next = 1; next <= packets; next += perCts) {
    const n = Math.min(perCts, packets - next + 1);
    out.push(frame((t += gap), fromResponder, Uint8Array.of(TpControl.CTS, n, next, 0xff, 0xff, p0, p1, p2)));
    for (let k = next; k < next + n; k++) out.push(frame((t += gap), dtId, packet(payload, k)));
  }
  out.push(frame((t += gap), fromResponder, Uint8Array.of(TpControl.EOMA, size[0], size[1], packets, 0xff, p0, p1, p2)));
  return out;
}

/** One parameter group from sa: a single frame (padded with 0xFF) up to 8 bytes, else by BAM. */
export function broadcastFrames(pgn: number, sa: number, payload: Uint8Array, t0: number, o: TpSendOptions = {}): CanFrame[] {
  if (payload.length > 8) return bamFrames(pgn, sa, payload, t0, o);
  const d = new Uint8Array(8).fill(0xff);
  d.set(payload);
  // a single frame goes at the priority given, else 6 (the usual one of broadcast information PGs)
  return [frame(t0, j1939Id(o.priority ?? 6, pgn, sa), d)];
}
