// Frames written the way candump prints them, and a sink that records what a J1939Decoder reports.
import path from 'node:path';
import type { CanFrame, FrameBatch } from '../../edge/can/frame.js';
import { fromFrames } from '../../edge/can/frame.js';
import type { Message } from '../../edge/dbc/index.js';
import type { Dm1 } from '../../edge/dbc/j1939/dm1.js';
import type { J1939Sink } from '../../edge/dbc/j1939/decoder.js';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const FIX = path.join(ROOT, 'test', 'fixtures');

export function hex(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
}

/** [t, 'ID#HEX'] pairs, ids with more than 3 hex digits are 29-bit as in candump */
export function batchOf(frames: ReadonlyArray<readonly [number, string]>): FrameBatch {
  const list: CanFrame[] = frames.map(([t, s]) => {
    const [id, data] = s.split('#') as [string, string];
    return { t, id: parseInt(id, 16), ext: id.length > 3, fd: false, data: hex(data) };
  });
  return fromFrames('v', 'can0', list);
}

export interface Seen {
  messages: { t: number; sa: number; da: number; name: string; data: number[]; values: Record<string, number> }[];
  dm1: { t: number; sa: number; dm1: Dm1 }[];
  vin: { t: number; sa: number; vin: string }[];
  unknown: { t: number; pgn: number; sa: number }[];
}

export function recorder(): { seen: Seen; sink: J1939Sink } {
  const seen: Seen = { messages: [], dm1: [], vin: [], unknown: [] };
  const sink: J1939Sink = {
    message(t: number, sa: number, da: number, msg: Message, data: Uint8Array, values: Float64Array) {
      const v: Record<string, number> = {};
      for (const s of msg.signals) v[s.name] = values[s.index]!;
      seen.messages.push({ t, sa, da, name: msg.name, data: [...data], values: v });
    },
    dm1: (t, sa, dm1) => seen.dm1.push({ t, sa, dm1 }),
    vin: (t, sa, vin) => seen.vin.push({ t, sa, vin }),
    unknown: (t, pgn, sa) => seen.unknown.push({ t, pgn, sa }),
  };
  return { seen, sink };
}
