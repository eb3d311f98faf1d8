// Encoding: signal values -> payload bytes, for simulation, tests and pollers. Not on a hot path, so
// it works on BigInt raw values (exact for every length) using the same segments as the decoder.

import { decodeOrder, switchesOf } from './decode.js';
import type { MessageInfo, Signal } from './model.js';

/** A physical value, a BigInt (exact physical integer, for signals over 53 bits), or a choice label. */
export type SignalInput = number | bigint | string;

export interface EncodeOptions {
  /** check physical values against the signal's [min|max] (cantools' strict encode) */
  strict?: boolean;
  /** signals not given take their GenSigStartValue (or raw 0) instead of being an error */
  fill?: boolean;
}

export class EncodeError extends Error {
  override readonly name = 'EncodeError';
}

const scratch = new ArrayBuffer(8);
const dv = new DataView(scratch);

function rawFor(msg: MessageInfo, s: Signal, v: SignalInput, strict: boolean): bigint {
  if (typeof v === 'string') {
    if (s.choices !== undefined) for (const [raw, label] of s.choices) if (label === v) return BigInt(raw);
    throw new EncodeError(`signal ${s.name} of message ${msg.name} has no choice "${v}"`);
  }
  if (strict && typeof v === 'number') {
    if (s.min !== undefined && v < s.min) throw new EncodeError(`signal ${s.name} of message ${msg.name}: ${v} is below its minimum ${s.min}`);
    if (s.max !== undefined && v > s.max) throw new EncodeError(`signal ${s.name} of message ${msg.name}: ${v} is above its maximum ${s.max}`);
  }
  if (s.valueType !== 'integer') {
    const x = (Number(v) - s.offset) / s.factor;
    if (s.valueType === 'float') {
      dv.setFloat32(0, x);
      return BigInt(dv.getUint32(0));
    }
    dv.setFloat64(0, x);
    return dv.getBigUint64(0);
  }
  if (typeof v === 'bigint' && s.factor === 1 && s.offset === 0) return v;
  const x = Math.round((Number(v) - s.offset) / s.factor);
  if (!Number.isFinite(x)) throw new EncodeError(`signal ${s.name} of message ${msg.name}: ${String(v)} is not a finite value`);
  return BigInt(x);
}

export function encodeMessage(msg: MessageInfo, values: Readonly<Record<string, SignalInput>>, opts: EncodeOptions = {}): Uint8Array {
  if (msg.length > 4096) throw new EncodeError(`message ${msg.name} is ${msg.length} bytes long; not encodable`);
  const out = new Uint8Array(msg.length);
  const switchRaw = new Map<string, number>();
  const byName = new Map(msg.signals.map((s) => [s.name, s]));
  const switches = switchesOf(msg);
  for (const s of decodeOrder(msg)) {
    const sw = s.multiplexer === undefined ? undefined : byName.get(s.multiplexer);
    if (sw !== undefined && sw !== s && s.multiplexerRanges !== undefined) {
      const m = switchRaw.get(sw.name);
      if (m === undefined || !s.multiplexerRanges.some(([a, b]) => m >= a && m <= b)) continue;
    }
    if (s.segments.length === 0 || s.bytesNeeded > msg.length) throw new EncodeError(`signal ${s.name} does not fit in message ${msg.name}`);
    const v = values[s.name];
    let raw: bigint;
    if (v === undefined) {
      if (!opts.fill) throw new EncodeError(`signal ${s.name} of message ${msg.name} has no value`);
      raw = BigInt(s.initialRaw ?? 0);
    } else raw = rawFor(msg, s, v, opts.strict === true);
    if (s.valueType === 'integer') {
      const n = BigInt(s.length);
      const lo = s.signed ? -(1n << (n - 1n)) : 0n;
      const hi = s.signed ? (1n << (n - 1n)) - 1n : (1n << n) - 1n;
      if (raw < lo || raw > hi) {
        throw new EncodeError(`signal ${s.name} of message ${msg.name}: raw value ${raw} does not fit ${s.length} ${s.signed ? 'signed' : 'unsigned'} bits`);
      }
    }
    const u = BigInt.asUintN(s.length, raw);
    for (const seg of s.segments) {
      const bits = Number((u >> BigInt(seg.pos)) & BigInt((1 << seg.width) - 1));
      out[seg.byte]! |= bits << seg.shift;
    }
    if (switches.has(s)) switchRaw.set(s.name, Number(s.signed ? BigInt.asIntN(s.length, raw) : raw));
  }
  return out;
}
