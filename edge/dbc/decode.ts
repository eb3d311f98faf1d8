// Compiled decoders. A message is turned once into a JavaScript function whose body is, per signal,
// a few loads, shifts, masks and one multiply-add, with every constant inlined; V8 then compiles it to
// machine code. Only numbers are ever written into the generated source (never names or strings from
// the DBC), so a hostile DBC cannot inject code.
//
// Raw values up to 32 bits use 32-bit integer operations; 33..64-bit values are read as two 32-bit
// halves and combined as hi * 2^32 + lo, which is exact up to 53 bits and correctly rounded above
// (rawBigInt() gives the exact value of any signal). Signals over 64 bits (cantools allows them) fall
// back to BigInt arithmetic.

import { splitAt32, type Segment } from './layout.js';
import type { MessageInfo, Signal } from './model.js';

/** Decodes one payload, data[off .. off+len), into out[signal.index] (physical values; NaN for a
 * signal that the multiplexer does not select or that lies beyond len). Returns DecodeStatus bits. */
export type DecodeFn = (data: Uint8Array, off: number, len: number, out: Float64Array) => number;

export const DecodeStatus = {
  OK: 0,
  /** the payload was shorter than some selected signal needs: those are NaN */
  TRUNCATED: 1,
} as const;

// scratch for reinterpreting IEEE bits; shared, never escapes a call
const scratch = new ArrayBuffer(8);
const u32 = new Uint32Array(scratch);
const f32 = new Float32Array(scratch);
const f64 = new Float64Array(scratch);
const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const LO = LITTLE ? 0 : 1;
const HI = LITTLE ? 1 : 0;

function lit(x: number): string {
  if (!Number.isFinite(x)) throw new RangeError(`non-finite constant ${x}`);
  return Object.is(x, -0) ? '0' : x < 0 ? `(${String(x)})` : String(x);
}

function byteRef(b: number): string {
  return b === 0 ? 'd[o]' : `d[o + ${b}]`;
}

/** OR of the segments' contributions to one 32-bit word */
function wordExpr(segs: readonly Segment[]): string {
  if (segs.length === 0) return '0';
  return segs
    .map((s) => {
      let x = byteRef(s.byte);
      if (s.shift > 0) x = `(${x} >>> ${s.shift})`;
      if (s.shift + s.width < 8) x = `(${x} & ${(1 << s.width) - 1})`;
      if (s.pos > 0) x = `(${x} << ${s.pos})`;
      return x;
    })
    .join(' | ');
}

/** statements leaving the signal's raw value (a number) in r */
function rawStatements(sig: Signal, bigIndex: number): string {
  const len = sig.length;
  if (sig.valueType === 'float') return `u32[0] = ${wordExpr(sig.segments)}; r = f32[0];`;
  if (sig.valueType === 'double') {
    const { lo, hi } = splitAt32(sig.segments);
    return `u32[${LO}] = ${wordExpr(lo)}; u32[${HI}] = ${wordExpr(hi)}; r = f64[0];`;
  }
  if (len > 64) return `r = big(${bigIndex}, d, o);`;
  if (len <= 32) {
    const w = wordExpr(sig.segments);
    if (sig.signed) return len === 32 ? `r = (${w}) | 0;` : `r = ((${w}) << ${32 - len}) >> ${32 - len};`;
    return len === 32 ? `r = (${w}) >>> 0;` : `r = ${w};`;
  }
  const { lo, hi } = splitAt32(sig.segments);
  const hw = len - 32;
  let hiStmt: string;
  if (sig.signed) hiStmt = hw === 32 ? `hi = (${wordExpr(hi)}) | 0;` : `hi = ((${wordExpr(hi)}) << ${32 - hw}) >> ${32 - hw};`;
  else hiStmt = hw === 32 ? `hi = (${wordExpr(hi)}) >>> 0;` : `hi = ${wordExpr(hi)};`;
  return `lo = (${wordExpr(lo)}) >>> 0; ${hiStmt} r = hi * 4294967296 + lo;`;
}

function rangeCondition(v: string, ranges: ReadonlyArray<readonly [number, number]>): string {
  if (ranges.length === 0) return 'false';
  return ranges.map(([a, b]) => (a === b ? `${v} === ${lit(a)}` : `(${v} >= ${lit(a)} && ${v} <= ${lit(b)})`)).join(' || ');
}

/** Signals in an order where every multiplexer switch comes before the signals it selects. */
export function decodeOrder(msg: MessageInfo): Signal[] {
  const byName = new Map(msg.signals.map((s) => [s.name, s]));
  const done = new Set<Signal>();
  const order: Signal[] = [];
  let progress = true;
  while (order.length < msg.signals.length && progress) {
    progress = false;
    for (const s of msg.signals) {
      if (done.has(s)) continue;
      const sw = s.multiplexer === undefined ? undefined : byName.get(s.multiplexer);
      if (sw === undefined || sw === s || done.has(sw)) {
        done.add(s);
        order.push(s);
        progress = true;
      }
    }
  }
  // a cycle of switches (a broken file): those signals are decoded unconditionally last
  for (const s of msg.signals) if (!done.has(s)) order.push(s);
  return order;
}

/** Signals that select others (named as a multiplexer by some other signal). */
export function switchesOf(msg: MessageInfo): Set<Signal> {
  const byName = new Map(msg.signals.map((s) => [s.name, s]));
  const out = new Set<Signal>();
  for (const s of msg.signals) {
    const sw = s.multiplexer === undefined ? undefined : byName.get(s.multiplexer);
    if (sw !== undefined && sw !== s) out.add(sw);
  }
  return out;
}

/** The generated function's source (exposed for tests and for reading what a DBC compiles to). */
export function decoderSource(msg: MessageInfo): string {
  const byName = new Map(msg.signals.map((s) => [s.name, s]));
  const lines: string[] = ['var st = 0, lo = 0, hi = 0, r = 0;'];
  // every signal some other signal names as its switch (SG_MUL_VAL_ may name one without an M)
  const switches = switchesOf(msg);
  for (const s of switches) lines.push(`var m${s.index} = NaN;`);
  let bigCount = 0;
  for (const s of decodeOrder(msg)) {
    const i = s.index;
    const raw = rawStatements(s, s.length > 64 && s.valueType === 'integer' ? bigCount++ : -1);
    const finite = Number.isFinite(s.factor) && Number.isFinite(s.offset); // else a problem on db.problems
    const phys = !finite ? 'NaN' : s.factor === 1 && s.offset === 0 ? 'r' : s.offset === 0 ? `r * ${lit(s.factor)}` : `r * ${lit(s.factor)} + ${lit(s.offset)}`;
    const keep = switches.has(s) ? ` m${i} = r;` : '';
    if (s.segments.length === 0) {
      lines.push(`out[${i}] = NaN;`);
      continue;
    }
    let body = `if (n >= ${s.bytesNeeded}) { ${raw} out[${i}] = ${phys};${keep} } else { out[${i}] = NaN; st = 1; }`;
    const sw = s.multiplexer === undefined ? undefined : byName.get(s.multiplexer);
    if (sw !== undefined && sw !== s && s.multiplexerRanges !== undefined) {
      body = `if (${rangeCondition(`m${sw.index}`, s.multiplexerRanges)}) { ${body} } else out[${i}] = NaN;`;
    }
    lines.push(body);
  }
  lines.push('return st;');
  return lines.join('\n');
}

/** Exact raw value of any signal as a BigInt (two's complement applied for signed integers; for
 * IEEE signals the bit pattern). Slow path: tests, >53-bit integers, tools. */
export function rawBigInt(sig: Signal, data: Uint8Array, off: number): bigint {
  let v = 0n;
  for (const s of sig.segments) {
    const bits = (data[off + s.byte]! >>> s.shift) & ((1 << s.width) - 1);
    v |= BigInt(bits) << BigInt(s.pos);
  }
  return sig.signed && sig.valueType === 'integer' ? BigInt.asIntN(sig.length, v) : v;
}

export function compileDecoder(msg: MessageInfo): DecodeFn {
  const wide = msg.signals.filter((s) => s.length > 64 && s.valueType === 'integer');
  const big = (k: number, d: Uint8Array, o: number): number => Number(rawBigInt(wide[k]!, d, o));
  const src = decoderSource(msg);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- numbers only, see header
  const make = new Function('u32', 'f32', 'f64', 'big', `"use strict"; return function decode(d, o, n, out) {\n${src}\n};`) as (
    a: Uint32Array,
    b: Float32Array,
    c: Float64Array,
    e: typeof big,
  ) => DecodeFn;
  return make(u32, f32, f64, big);
}
