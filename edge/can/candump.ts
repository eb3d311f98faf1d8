// candump -L log lines: reader (straight from bytes) and writer, byte-exact round trip.
//
//   (1436509052.249713) vcan0 123#11223344          classic, 11-bit id (3 hex digits)
//   (1436509052.249713) vcan0 12345678#1122         29-bit id (8 hex digits)
//   (1436509052.249713) vcan0 123#R   123#R5        remote request, optional requested length
//   (1436509052.249713) vcan0 123#R8_E              RTR with len8_dlc
//   (1436509052.249713) vcan0 123#1122334455667788_E  classic 8 bytes with raw DLC 9..15 (len8_dlc)
//   (1436509052.249713) vcan0 123##1112233          CAN FD: flags nibble (BRS=1, ESI=2, FDF=4), data
//   (1436509052.249713) vcan0 20000080#0000000000000000  error frame: 8 digits with CAN_ERR_FLAG
//
// Semantics follow can-utils lib.c (parse_canframe / snprintf_canframe): 3 digits = standard id,
// 8 digits = extended id unless CAN_ERR_FLAG (0x20000000) is set, then an error frame whose id keeps
// the CAN_ERR_* class bits; '.' separators between data bytes are accepted; hex in either case.
// We are stricter than lib.c where it silently truncates (more than 8/64 bytes, trailing junk, a
// bad _dlc): such a line is reported and skipped rather than half-read.
//
// Tolerated because real logs contain them: CRLF endings, blank lines, leading/trailing blanks,
// several spaces before the interface (candump pads names to the longest one), a trailing " T"/" R"
// direction mark (candump -x), and a leading line counter ("12 (1612...) vcan0 ...", as in some
// published test logs). CAN XL lines (5-digit prio id) are reported as unsupported.
//
// The writer prints what candump prints: seconds zero-padded to 10 digits, 6 decimals, upper-case
// hex. A line candump wrote comes back byte for byte; a tolerated variant comes back normalised.
import { FrameBatchBuilder, FrameFlag, fromFrames, type CanFrame, type FrameBatch } from './frame.js';
import type { SourceWarning } from './source.js';
import type { Batcher, Lane } from './batcher.js';

const CAN_ERR_FLAG = 0x20000000;
const CAN_ERR_MASK = 0x1fffffff;
/** longest line we buffer while looking for its end; longer input is garbage, not a log line */
export const MAX_LINE = 4096;

const SP = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const LF = 0x0a;
const HASH = 0x23;
const DOT = 0x2e;
const USCORE = 0x5f;
const LPAREN = 0x28;
const RPAREN = 0x29;

/** hex digit value by byte, 255 when not a hex digit */
const HEX = new Uint8Array(256).fill(255);
for (let i = 0; i < 10; i++) HEX[0x30 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[0x41 + i] = 10 + i;
  HEX[0x61 + i] = 10 + i;
}
const HEXCHR = Buffer.from('0123456789ABCDEF', 'latin1');

// --- reader ----------------------------------------------------------------------------------

/** Where parsed frames go. L is whatever handle the sink wants per interface (a Batcher lane ...). */
export interface CandumpSink<L> {
  /** Called once per interface name per parser; undefined drops that interface's frames. */
  lane(iface: string): L | undefined;
  /** data[0 .. len) is the payload (not for RTR, where len is the requested length); data is reused. */
  frame(lane: L, t: number, id: number, flags: number, data: Uint8Array, len: number, dlc: number): void;
}

export interface ParserOptions {
  /** name used in warnings (file path or '<buffer>') */
  file?: string;
  /** report at most this many malformed lines one by one (all are counted); default 100 */
  maxWarnings?: number;
  onWarning?: (w: SourceWarning) => void;
}

// Error codes of parseLine (0 = ok); the message is built only on the error path.
const E_BLANK = -1;
const E_NO_TS = 1;
const E_TS = 2;
const E_NO_IFACE = 3;
const E_NO_FRAME = 4;
const E_ID_CHAR = 5;
const E_ID_LEN = 6;
const E_SFF_RANGE = 7;
const E_ID_FLAGS = 8;
const E_XL = 9;
const E_RTR_LEN = 10;
const E_FD_FLAGS = 11;
const E_DATA_CHAR = 12;
const E_ODD = 13;
const E_TOO_LONG = 14;
const E_DLC = 15;
const E_TRAILING = 16;
const E_LONG_LINE = 17;

/**
 * Streaming candump -L parser: feed it byte chunks (any split), it calls the sink per frame.
 * Never throws on bad input: a malformed line is counted, reported (file:line) and skipped.
 */
export class CandumpParser<L> {
  readonly file: string;
  /** lines seen so far (including blank and malformed) */
  lines = 0;
  frames = 0;
  malformed = 0;
  private readonly maxWarnings: number;
  private readonly onWarning: ((w: SourceWarning) => void) | undefined;
  private readonly data = new Uint8Array(64);
  private carry: Buffer | undefined;
  private skipping = false;
  // interface cache: names as bytes, their strings and the sink's lanes
  private readonly ifBytes: Buffer[] = [];
  private readonly ifLanes: (L | undefined)[] = [];
  private last = -1;
  // results of parseLine, kept in fields so the hot path allocates nothing
  private t = 0;
  private id = 0;
  private flags = 0;
  private len = 0;
  private dlc = 0;
  private ifIdx = 0;
  private errAt = 0;

  constructor(
    private readonly sink: CandumpSink<L>,
    opts: ParserOptions = {},
  ) {
    this.file = opts.file ?? '<buffer>';
    this.maxWarnings = opts.maxWarnings ?? 100;
    this.onWarning = opts.onWarning;
  }

  /** Parses every complete line of chunk; keeps an unterminated tail for the next call. */
  push(chunk: Uint8Array): void {
    const buf = chunk instanceof Buffer ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let pos = 0;
    const end = buf.length;
    if (this.carry !== undefined || this.skipping) {
      const nl = buf.indexOf(LF);
      if (nl < 0) {
        if (!this.skipping) {
          const joined = Buffer.concat([this.carry!, buf]);
          if (joined.length > MAX_LINE) this.startSkipping(joined);
          else this.carry = joined;
        }
        return;
      }
      if (this.skipping) {
        this.skipping = false;
      } else {
        const head = Buffer.concat([this.carry!, buf.subarray(0, nl + 1)]);
        this.carry = undefined;
        if (head.length > MAX_LINE + 1) this.reportLong(head);
        else this.parseRange(head, 0, head.length);
      }
      pos = nl + 1;
    }
    const lastNl = buf.lastIndexOf(LF);
    if (lastNl >= pos) {
      this.parseRange(buf, pos, lastNl + 1);
      pos = lastNl + 1;
    }
    if (pos < end) {
      const tail = buf.subarray(pos);
      if (tail.length > MAX_LINE) this.startSkipping(tail);
      else this.carry = Buffer.from(tail); // copy: the caller may reuse its chunk
    }
  }

  /** Parses the last line if the input did not end with a newline. */
  end(): void {
    if (this.carry !== undefined) {
      const c = this.carry;
      this.carry = undefined;
      this.parseRange(c, 0, c.length);
    }
    this.skipping = false;
  }

  /** Parses complete lines in buf[start, end): end must be just past a '\n' or the end of input. */
  parseRange(buf: Buffer, start: number, end: number): void {
    let pos = start;
    const sink = this.sink;
    const lanes = this.ifLanes;
    while (pos < end) {
      let nl = buf.indexOf(LF, pos);
      if (nl < 0 || nl >= end) nl = end;
      this.lines++;
      const r = this.parseLine(buf, pos, nl);
      if (r === 0) {
        const lane = lanes[this.ifIdx];
        if (lane !== undefined) {
          this.frames++;
          sink.frame(lane, this.t, this.id, this.flags, this.data, this.len, this.dlc);
        }
      } else if (r > 0) {
        this.fail(r, buf, pos, nl);
      }
      pos = nl + 1;
    }
  }

  /** Interface names seen so far, in order of first appearance. */
  ifaces(): string[] {
    return this.ifBytes.map((b) => b.toString('latin1'));
  }

  private parseLine(b: Buffer, s: number, e: number): number {
    // trim: trailing CR / blanks, a trailing " T" / " R" direction mark, leading blanks
    while (e > s && (b[e - 1] === SP || b[e - 1] === TAB || b[e - 1] === CR)) e--;
    while (s < e && (b[s] === SP || b[s] === TAB)) s++;
    if (s === e) return E_BLANK;
    if (e - s > 2 && (b[e - 1] === 0x54 || b[e - 1] === 0x52) && (b[e - 2] === SP || b[e - 2] === TAB)) {
      e -= 2;
      while (e > s && (b[e - 1] === SP || b[e - 1] === TAB)) e--;
    }
    let p = s;
    let c = b[p]!;
    if (c !== LPAREN) {
      // a leading line counter: digits, blanks, then the timestamp
      if (c < 0x30 || c > 0x39) return this.err(E_NO_TS, p);
      while (p < e && (c = b[p]!) >= 0x30 && c <= 0x39) p++;
      if (p === e || (c !== SP && c !== TAB)) return this.err(E_NO_TS, s);
      while (p < e && ((c = b[p]!) === SP || c === TAB)) p++;
      if (p === e || c !== LPAREN) return this.err(E_NO_TS, s);
    }
    // (seconds.fraction)
    p++;
    let sec = 0;
    const s0 = p;
    while (p < e && (c = b[p]!) >= 0x30 && c <= 0x39) {
      sec = sec * 10 + (c - 0x30);
      p++;
    }
    if (p === s0 || p - s0 > 12 || p >= e || c !== DOT) return this.err(E_TS, s0 - 1);
    p++;
    let frac = 0;
    const f0 = p;
    while (p < e && (c = b[p]!) >= 0x30 && c <= 0x39) {
      frac = frac * 10 + (c - 0x30);
      p++;
    }
    const nf = p - f0;
    if (nf === 0 || nf > 9 || p >= e || c !== RPAREN) return this.err(E_TS, s0 - 1);
    // (sec*1e6 + usec) / 1e6 is exact integer / exact power of ten: one correctly rounded
    // division, so t is the double nearest to the decimal, the same as parseFloat would give.
    const scale = nf === 6 ? 1e6 : 10 ** nf;
    const num = sec * scale + frac;
    // past 2^53 (seconds beyond ~9e9 with 6 decimals) the integer is inexact: rare, take the slow path
    this.t = num <= Number.MAX_SAFE_INTEGER ? num / scale : Number.parseFloat(b.toString('latin1', s0, p));
    p++;
    // interface
    const b0 = p;
    while (p < e && ((c = b[p]!) === SP || c === TAB)) p++;
    if (p === b0 || p === e) return this.err(E_NO_IFACE, p);
    const i0 = p;
    while (p < e && (c = b[p]!) !== SP && c !== TAB) p++;
    if (p === e) return this.err(E_NO_FRAME, p);
    this.ifIdx = this.lookupIface(b, i0, p);
    while (p < e && ((c = b[p]!) === SP || c === TAB)) p++;
    // CAN id
    const d0 = p;
    let id = 0;
    while (p < e && (c = b[p]!) !== HASH) {
      const v = HEX[c]!;
      if (v > 15) return this.err(E_ID_CHAR, p);
      id = id * 16 + v;
      p++;
    }
    if (p === e) return this.err(E_NO_FRAME, d0);
    const nd = p - d0;
    let flags = 0;
    if (nd === 3) {
      if (id > 0x7ff) return this.err(E_SFF_RANGE, d0);
    } else if (nd === 8) {
      if (id > 0x3fffffff) return this.err(E_ID_FLAGS, d0);
      if (id >= CAN_ERR_FLAG) {
        flags = FrameFlag.ERR;
        id -= CAN_ERR_FLAG;
      } else flags = FrameFlag.EXT;
    } else if (nd === 5) return this.err(E_XL, d0);
    else return this.err(E_ID_LEN, d0);
    this.id = id;
    p++; // '#'
    this.dlc = 0;
    c = p < e ? b[p]! : 0;
    if (c === 0x52 || c === 0x72) {
      // remote request: R, R<len 0..8>, R8_<dlc 9..F>
      flags |= FrameFlag.RTR;
      p++;
      let len = 0;
      if (p < e) {
        len = HEX[b[p]!]!;
        if (len > 8) return this.err(E_RTR_LEN, p);
        p++;
        if (p < e && b[p] === USCORE) {
          const d = p + 1 < e ? HEX[b[p + 1]!]! : 255;
          if (len !== 8 || d < 9 || d > 15 || p + 2 !== e) return this.err(E_DLC, p);
          this.dlc = d;
          p += 2;
        }
      }
      if (p !== e) return this.err(E_TRAILING, p);
      this.flags = flags;
      this.len = len;
      return 0;
    }
    let max = 8;
    if (c === HASH) {
      p++;
      const fl = p < e ? HEX[b[p]!]! : 255;
      if (fl > 7) return this.err(E_FD_FLAGS, p);
      flags |= FrameFlag.FD;
      if (fl & 1) flags |= FrameFlag.BRS;
      if (fl & 2) flags |= FrameFlag.ESI;
      if (fl & 4) flags |= FrameFlag.FDF;
      max = 64;
      p++;
    }
    const data = this.data;
    let n = 0;
    while (p < e) {
      c = b[p]!;
      if (c === DOT) {
        p++;
        continue;
      }
      if (c === USCORE) break;
      const hi = HEX[c]!;
      if (hi > 15) return this.err(E_DATA_CHAR, p);
      if (p + 1 === e) return this.err(E_ODD, p);
      const lo = HEX[b[p + 1]!]!;
      if (lo > 15) return this.err(b[p + 1] === USCORE ? E_ODD : E_DATA_CHAR, p + 1);
      if (n === max) return this.err(E_TOO_LONG, p);
      data[n++] = (hi << 4) | lo;
      p += 2;
    }
    if (p < e) {
      // '_' raw DLC: classic frames with exactly 8 bytes only
      const d = p + 1 < e ? HEX[b[p + 1]!]! : 255;
      if (max !== 8 || n !== 8 || d < 9 || d > 15) return this.err(E_DLC, p);
      if (p + 2 !== e) return this.err(E_TRAILING, p + 2);
      this.dlc = d;
    }
    this.flags = flags;
    this.len = n;
    return 0;
  }

  private err(code: number, at: number): number {
    this.errAt = at;
    return code;
  }

  private lookupIface(b: Buffer, s: number, e: number): number {
    const names = this.ifBytes;
    const n = e - s;
    const last = this.last;
    if (last >= 0 && sameBytes(names[last]!, b, s, n)) return last;
    for (let i = 0; i < names.length; i++) {
      if (i !== last && sameBytes(names[i]!, b, s, n)) return (this.last = i);
    }
    const bytes = Buffer.from(b.subarray(s, e));
    names.push(bytes);
    this.ifLanes.push(this.sink.lane(bytes.toString('latin1')));
    return (this.last = names.length - 1);
  }

  private fail(code: number, b: Buffer, s: number, e: number): void {
    this.malformed++;
    if (this.malformed > this.maxWarnings) return;
    const where = `${this.file}:${this.lines}`;
    let text = b.toString('latin1', s, e).replace(/\r$/, '');
    const col = this.errAt - s + 1;
    if (text.length > 80) text = text.slice(0, 77) + '...';
    let message = `${describe(code)} (column ${col}): ${JSON.stringify(text)}`;
    if (this.malformed === this.maxWarnings) message += ` — further malformed lines in ${this.file} are counted, not reported`;
    this.onWarning?.({ where, message });
  }

  private startSkipping(tail: Buffer): void {
    this.carry = undefined;
    this.skipping = true;
    this.lines++;
    this.errAt = 0;
    this.fail(E_LONG_LINE, tail, 0, Math.min(tail.length, 80));
  }

  private reportLong(head: Buffer): void {
    this.lines++;
    this.errAt = 0;
    this.fail(E_LONG_LINE, head, 0, Math.min(head.length, 80));
  }
}

function sameBytes(a: Buffer, b: Buffer, s: number, n: number): boolean {
  if (a.length !== n) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[s + i]) return false;
  return true;
}

function describe(code: number): string {
  switch (code) {
    case E_NO_TS:
      return "expected '(seconds.fraction)' timestamp at the start";
    case E_TS:
      return 'bad timestamp, expected (seconds.microseconds)';
    case E_NO_IFACE:
      return 'missing interface name after the timestamp';
    case E_NO_FRAME:
      return "missing CAN frame '<id>#<data>'";
    case E_ID_CHAR:
      return 'CAN id: not a hex digit';
    case E_ID_LEN:
      return 'CAN id: expected 3 (standard) or 8 (extended/error) hex digits';
    case E_SFF_RANGE:
      return 'CAN id: standard id above 0x7FF';
    case E_ID_FLAGS:
      return 'CAN id: bits above the 29-bit id set (only CAN_ERR_FLAG 0x20000000 is allowed)';
    case E_XL:
      return 'CAN XL frames are not supported';
    case E_RTR_LEN:
      return 'remote request: length must be one digit 0..8';
    case E_FD_FLAGS:
      return "CAN FD: expected a flags digit 0..7 after '##'";
    case E_DATA_CHAR:
      return 'data: not a hex digit';
    case E_ODD:
      return 'data: odd number of hex digits';
    case E_TOO_LONG:
      return 'data: too many bytes (classic CAN max 8, CAN FD max 64)';
    case E_DLC:
      return "raw DLC suffix: '_<9..F>' is only valid after exactly 8 data bytes of a classic frame";
    case E_TRAILING:
      return 'unexpected characters after the frame';
    case E_LONG_LINE:
      return `line longer than ${MAX_LINE} bytes (not a candump log?)`;
    default:
      return 'malformed line';
  }
}

/** A sink straight into a Batcher (the fast path: no copy between parse and batch). */
export class BatcherSink implements CandumpSink<Lane> {
  constructor(
    private readonly batcher: Batcher,
    private readonly mapIface: (logIface: string) => string | undefined = (x) => x,
  ) {}

  lane(iface: string): Lane | undefined {
    const name = this.mapIface(iface);
    return name === undefined ? undefined : this.batcher.lane(name);
  }

  frame(lane: Lane, t: number, id: number, flags: number, data: Uint8Array, len: number, dlc: number): void {
    this.batcher.push(lane, t, id, flags, data, 0, len, dlc);
  }
}

// --- whole buffers -----------------------------------------------------------------------------

/** A parsed log: frames per interface, plus the interleaving so the exact log order survives. */
export interface CandumpLog {
  /** one batch per interface, in order of first appearance */
  batches: FrameBatch[];
  /** for each frame in log order, the index into batches of its interface */
  order: Uint16Array;
  lines: number;
  frames: number;
  malformed: number;
  warnings: SourceWarning[];
}

/** Collects frames into per-interface builders and remembers their order (see CandumpLog). */
export class LogCollector implements CandumpSink<number> {
  private readonly builders: FrameBatchBuilder[] = [];
  private order = new Uint16Array(4096);
  private n = 0;

  constructor(
    private readonly vehicle = '',
    private readonly mapIface: (logIface: string) => string | undefined = (x) => x,
  ) {}

  lane(iface: string): number | undefined {
    const name = this.mapIface(iface);
    if (name === undefined) return undefined;
    let i = this.builders.findIndex((b) => b.iface === name);
    if (i < 0) {
      if (this.builders.length === 0xffff) return undefined;
      i = this.builders.push(new FrameBatchBuilder(this.vehicle, name, 1024)) - 1;
    }
    return i;
  }

  frame(lane: number, t: number, id: number, flags: number, data: Uint8Array, len: number, dlc: number): void {
    this.builders[lane]!.push(t, id, flags, data, 0, len, dlc);
    if (this.n === this.order.length) {
      const o = new Uint16Array(this.n * 2);
      o.set(this.order);
      this.order = o;
    }
    this.order[this.n++] = lane;
  }

  get count(): number {
    return this.n;
  }

  /** Hands out what was collected and starts afresh (interfaces keep their indexes). */
  take(): Pick<CandumpLog, 'batches' | 'order' | 'frames'> {
    const out = { batches: this.builders.map((b) => b.take()), order: this.order.slice(0, this.n), frames: this.n };
    this.n = 0;
    return out;
  }
}

export interface ParseOptions {
  file?: string;
  vehicle?: string;
  maxWarnings?: number;
}

/** Parses a whole candump -L text held in memory. */
export function parseCandump(buf: Uint8Array, opts: ParseOptions = {}): CandumpLog {
  const warnings: SourceWarning[] = [];
  const col = new LogCollector(opts.vehicle ?? '');
  const p = new CandumpParser(col, {
    file: opts.file ?? '<buffer>',
    maxWarnings: opts.maxWarnings ?? 100,
    onWarning: (w) => warnings.push(w),
  });
  p.push(buf);
  p.end();
  const r = col.take();
  return { ...r, lines: p.lines, malformed: p.malformed, warnings };
}

// --- writer -----------------------------------------------------------------------------------

export interface WriteOptions {
  /** right-align interface names to this width, as candump does with several interfaces (default 0) */
  ifaceWidth?: number;
}

/** Appends candump -L lines to a growing buffer; take() hands out the bytes. */
export class CandumpEncoder {
  private buf = Buffer.allocUnsafe(64 * 1024);
  private n = 0;
  private readonly ifaceWidth: number;
  private readonly names = new Map<string, Buffer>();

  constructor(opts: WriteOptions = {}) {
    this.ifaceWidth = opts.ifaceWidth ?? 0;
  }

  /** One frame; src[off .. off+len) is its payload (ignored for RTR, where len is the requested length). */
  line(t: number, iface: string, id: number, flags: number, src: ArrayLike<number>, off: number, len: number, dlc: number): void {
    let name = this.names.get(iface);
    if (name === undefined) {
      const pad = Math.max(0, this.ifaceWidth - iface.length);
      name = Buffer.from(' '.repeat(pad) + iface, 'latin1');
      this.names.set(iface, name);
    }
    // worst case: 2+20+1+6+2 timestamp, name, 1+8+2+1 id, 128 data, 2 dlc, 1 newline
    this.reserve(name.length + 180);
    const b = this.buf;
    let p = this.n;
    // timestamp: whole seconds zero-padded to 10 digits, then exactly 6 decimals
    let sec = Math.floor(t);
    let usec = Math.round((t - sec) * 1e6);
    if (usec >= 1e6) {
      sec += 1;
      usec -= 1e6;
    }
    if (!(sec >= 0)) {
      sec = 0; // negative or NaN time cannot be written in this format
      usec = 0;
    }
    b[p++] = LPAREN;
    let digits = 10;
    for (let x = Math.floor(sec / 1e10); x >= 1; x = Math.floor(x / 10)) digits++;
    for (let i = digits - 1, x = sec; i >= 0; i--) {
      b[p + i] = 0x30 + (x % 10);
      x = Math.floor(x / 10);
    }
    p += digits;
    b[p++] = DOT;
    for (let i = 5, x = usec; i >= 0; i--) {
      b[p + i] = 0x30 + (x % 10);
      x = (x / 10) | 0;
    }
    p += 6;
    b[p++] = RPAREN;
    b[p++] = SP;
    p += name.copy(b, p);
    b[p++] = SP;
    // id
    if (flags & FrameFlag.ERR) p = putHex(b, p, ((id & CAN_ERR_MASK) | CAN_ERR_FLAG) >>> 0, 8);
    else if (flags & FrameFlag.EXT) p = putHex(b, p, (id & CAN_ERR_MASK) >>> 0, 8);
    else p = putHex(b, p, id & 0x7ff, 3);
    b[p++] = HASH;
    if (flags & FrameFlag.RTR && !(flags & FrameFlag.FD)) {
      b[p++] = 0x52;
      if (len > 0 && len <= 8) {
        b[p++] = HEXCHR[len]!;
        if (len === 8 && dlc > 8 && dlc <= 15) {
          b[p++] = USCORE;
          b[p++] = HEXCHR[dlc]!;
        }
      }
    } else {
      const fd = (flags & FrameFlag.FD) !== 0;
      if (fd) {
        b[p++] = HASH;
        const nib =
          (flags & FrameFlag.BRS ? 1 : 0) | (flags & FrameFlag.ESI ? 2 : 0) | (flags & FrameFlag.FDF ? 4 : 0);
        b[p++] = HEXCHR[nib]!;
      }
      const n = Math.min(len, fd ? 64 : 8);
      for (let i = 0; i < n; i++) {
        const v = src[off + i]!;
        b[p++] = HEXCHR[v >> 4]!;
        b[p++] = HEXCHR[v & 15]!;
      }
      if (!fd && n === 8 && dlc > 8 && dlc <= 15) {
        b[p++] = USCORE;
        b[p++] = HEXCHR[dlc]!;
      }
    }
    b[p++] = LF;
    this.n = p;
  }

  batch(fb: FrameBatch): void {
    for (let i = 0; i < fb.count; i++) this.batchFrame(fb, i);
  }

  /** Frame i of a batch. */
  batchFrame(fb: FrameBatch, i: number): void {
    this.line(fb.t[i]!, fb.iface, fb.id[i]!, fb.flags[i]!, fb.data, fb.offset[i]!, fb.len[i]!, fb.dlc[i]!);
  }

  /** A plain frame (off the hot path: it goes through the batch builder, so the flag and RTR rules
   * live in one place, frame.ts). */
  frame(f: CanFrame, iface: string): void {
    this.batch(fromFrames('', iface, [f]));
  }

  /** A parsed log, frames interleaved in their original order. */
  log(l: Pick<CandumpLog, 'batches' | 'order'>): void {
    const cursor = new Uint32Array(l.batches.length);
    const order = l.order;
    for (let k = 0; k < order.length; k++) {
      const j = order[k]!;
      this.batchFrame(l.batches[j]!, cursor[j]!++);
    }
  }

  get length(): number {
    return this.n;
  }

  /** The bytes written so far (a copy); the encoder starts empty again. */
  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.n));
    this.n = 0;
    return out;
  }

  private reserve(extra: number): void {
    if (this.n + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.n + extra) size *= 2;
    const nb = Buffer.allocUnsafe(size);
    this.buf.copy(nb, 0, 0, this.n);
    this.buf = nb;
  }
}

function putHex(b: Buffer, p: number, v: number, digits: number): number {
  for (let i = digits - 1; i >= 0; i--) {
    b[p + i] = HEXCHR[v & 15]!;
    v >>>= 4;
  }
  return p + digits;
}

/** One candump -L line for a plain frame, without the newline. */
export function formatFrame(f: CanFrame, iface: string, opts: WriteOptions = {}): string {
  const e = new CandumpEncoder(opts);
  e.frame(f, iface);
  const b = e.take();
  return b.toString('latin1', 0, b.length - 1);
}

/** All frames of a batch as candump -L lines. */
export function formatBatch(b: FrameBatch, opts: WriteOptions = {}): Buffer {
  const e = new CandumpEncoder(opts);
  e.batch(b);
  return e.take();
}

/** A parsed log back to candump -L text, in its original line order. */
export function formatLog(l: Pick<CandumpLog, 'batches' | 'order'>, opts: WriteOptions = {}): Buffer {
  const e = new CandumpEncoder(opts);
  e.log(l);
  return e.take();
}
