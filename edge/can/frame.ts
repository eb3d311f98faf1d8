// CAN frames and the columnar FrameBatch that travels between nodes.
//
// Columnar because a saturated bus carries thousands of frames a second: one typed array per field
// means no object per frame, cheap cloning when Node-RED copies a message to a second wire, and
// decoders that read payload bytes in place.

/** Bits of FrameBatch.flags. */
export const FrameFlag = {
  /** 29-bit identifier */
  EXT: 1,
  /** CAN FD frame */
  FD: 2,
  /** remote transmission request (classic CAN only) */
  RTR: 4,
  /** error frame (id holds the CAN_ERR_* class bits) */
  ERR: 8,
  /** CAN FD bit-rate switch */
  BRS: 16,
  /** CAN FD error state indicator */
  ESI: 32,
  /** the log marked the FD frame with CANFD_FDF (newer kernels write `##4`/`##5`); kept so logs round-trip */
  FDF: 64,
} as const;

export const CAN_MAX_DLEN = 8;
export const CANFD_MAX_DLEN = 64;

/** One frame as a plain object: for tests, function nodes and anything not on the hot path. */
export interface CanFrame {
  /** seconds since the epoch, from the frame's own timestamp (kernel or log) */
  t: number;
  id: number;
  ext: boolean;
  fd: boolean;
  rtr?: boolean;
  err?: boolean;
  brs?: boolean;
  esi?: boolean;
  /** classic CAN: DLC 9..15 carried by a _dlc suffix in candump (len8_dlc); RTR: the requested length */
  dlc?: number;
  data: Uint8Array;
}

/** Frames of one interface of one vehicle, in arrival order. */
export interface FrameBatch {
  vehicle: string;
  iface: string;
  count: number;
  /** seconds since the epoch (microsecond resolution survives a float64 at today's epochs) */
  t: Float64Array;
  id: Uint32Array;
  /** FrameFlag bits */
  flags: Uint8Array;
  /** payload length in bytes; for RTR frames the requested length */
  len: Uint8Array;
  /** classic CAN DLC above 8 (len8_dlc), else 0 */
  dlc: Uint8Array;
  /** start of each frame's payload in data */
  offset: Uint32Array;
  /** payloads back to back */
  data: Uint8Array;
}

/** Fills one FrameBatch at a time without allocating per frame. */
export class FrameBatchBuilder {
  private t: Float64Array;
  private id: Uint32Array;
  private flags: Uint8Array;
  private len: Uint8Array;
  private dlc: Uint8Array;
  private offset: Uint32Array;
  private data: Uint8Array;
  private n = 0;
  private bytes = 0;
  /** timestamp of the first frame in the batch being built (NaN when empty) */
  firstT = Number.NaN;

  constructor(
    readonly vehicle: string,
    readonly iface: string,
    private capacity = 1024,
  ) {
    this.t = new Float64Array(capacity);
    this.id = new Uint32Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.len = new Uint8Array(capacity);
    this.dlc = new Uint8Array(capacity);
    this.offset = new Uint32Array(capacity);
    this.data = new Uint8Array(capacity * CAN_MAX_DLEN);
  }

  get count(): number {
    return this.n;
  }

  /** Appends a frame; its payload is copied from src[srcOff .. srcOff+len). */
  push(t: number, id: number, flags: number, src: ArrayLike<number>, srcOff: number, len: number, dlc = 0): void {
    if (this.n === this.capacity) this.grow();
    const i = this.n;
    if (i === 0) this.firstT = t;
    this.t[i] = t;
    this.id[i] = id;
    this.flags[i] = flags;
    const payload = flags & FrameFlag.RTR ? 0 : len;
    this.len[i] = len;
    this.dlc[i] = dlc;
    this.offset[i] = this.bytes;
    if (this.bytes + payload > this.data.length) this.growData(this.bytes + payload);
    const d = this.data;
    let o = this.bytes;
    for (let k = 0; k < payload; k++) d[o++] = src[srcOff + k]!;
    this.bytes = o;
    this.n = i + 1;
  }

  /** Appends a plain frame (copies its payload). */
  pushFrame(f: CanFrame): void {
    const flags =
      (f.ext ? FrameFlag.EXT : 0) |
      (f.fd ? FrameFlag.FD : 0) |
      (f.rtr ? FrameFlag.RTR : 0) |
      (f.err ? FrameFlag.ERR : 0) |
      (f.brs ? FrameFlag.BRS : 0) |
      (f.esi ? FrameFlag.ESI : 0);
    if (f.rtr) this.push(f.t, f.id, flags, f.data, 0, f.dlc ?? 0, 0);
    else this.push(f.t, f.id, flags, f.data, 0, f.data.length, f.dlc ?? 0);
  }

  /** Hands out the batch built so far (copies trimmed to size) and starts a new one. */
  take(): FrameBatch {
    const n = this.n;
    const batch: FrameBatch = {
      vehicle: this.vehicle,
      iface: this.iface,
      count: n,
      t: this.t.slice(0, n),
      id: this.id.slice(0, n),
      flags: this.flags.slice(0, n),
      len: this.len.slice(0, n),
      dlc: this.dlc.slice(0, n),
      offset: this.offset.slice(0, n),
      data: this.data.slice(0, this.bytes),
    };
    this.n = 0;
    this.bytes = 0;
    this.firstT = Number.NaN;
    return batch;
  }

  private grow(): void {
    const c = this.capacity * 2;
    this.t = copyInto(new Float64Array(c), this.t);
    this.id = copyInto(new Uint32Array(c), this.id);
    this.flags = copyInto(new Uint8Array(c), this.flags);
    this.len = copyInto(new Uint8Array(c), this.len);
    this.dlc = copyInto(new Uint8Array(c), this.dlc);
    this.offset = copyInto(new Uint32Array(c), this.offset);
    this.capacity = c;
  }

  private growData(min: number): void {
    let c = this.data.length * 2;
    while (c < min) c *= 2;
    this.data = copyInto(new Uint8Array(c), this.data);
  }
}

function copyInto<T extends Float64Array | Uint32Array | Uint8Array>(dst: T, src: T): T {
  (dst as Uint8Array).set(src as Uint8Array);
  return dst;
}

/** The payload of frame i, as a view (no copy). */
export function payload(b: FrameBatch, i: number): Uint8Array {
  const len = b.flags[i]! & FrameFlag.RTR ? 0 : b.len[i]!;
  return b.data.subarray(b.offset[i]!, b.offset[i]! + len);
}

/** Frame i as a plain object (copies the payload). */
export function frameAt(b: FrameBatch, i: number): CanFrame {
  const fl = b.flags[i]!;
  const f: CanFrame = {
    t: b.t[i]!,
    id: b.id[i]!,
    ext: (fl & FrameFlag.EXT) !== 0,
    fd: (fl & FrameFlag.FD) !== 0,
    data: payload(b, i).slice(),
  };
  if (fl & FrameFlag.RTR) f.rtr = true;
  if (fl & FrameFlag.ERR) f.err = true;
  if (fl & FrameFlag.BRS) f.brs = true;
  if (fl & FrameFlag.ESI) f.esi = true;
  if (b.dlc[i]) f.dlc = b.dlc[i]!;
  if (f.rtr) f.dlc = b.len[i]!;
  return f;
}

/** All frames of a batch as plain objects. */
export function toFrames(b: FrameBatch): CanFrame[] {
  const out = new Array<CanFrame>(b.count);
  for (let i = 0; i < b.count; i++) out[i] = frameAt(b, i);
  return out;
}

/** Builds a batch from plain frames (tests, function nodes). */
export function fromFrames(vehicle: string, iface: string, frames: readonly CanFrame[]): FrameBatch {
  const b = new FrameBatchBuilder(vehicle, iface, Math.max(1, frames.length));
  for (const f of frames) b.pushFrame(f);
  return b.take();
}
