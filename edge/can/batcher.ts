// Groups frames into FrameBatches per interface and flushes them by size or age.
//
// Age is measured on the host clock on purpose: it only decides when a batch leaves (latency),
// never what is in it, so replays stay deterministic whatever the batch boundaries.
import { FrameBatchBuilder, type FrameBatch } from './frame.js';
import { frameBits } from './busload.js';

export interface BatchOptions {
  /** flush when a batch holds this many frames */
  maxFrames: number;
  /** flush a non-empty batch this many ms after its first frame arrived (0: only by size / flush()) */
  maxAgeMs: number;
}

export const DEFAULT_BATCH: BatchOptions = { maxFrames: 1000, maxAgeMs: 100 };

/** One interface's batch under construction and its wire-bit total (for bus load). */
export class Lane {
  bits = 0;
  constructor(readonly builder: FrameBatchBuilder) {}
}

export class Batcher {
  private readonly lanes = new Map<string, Lane>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly vehicle: string,
    private readonly opts: BatchOptions,
    private readonly emit: (b: FrameBatch) => void,
    private readonly dataRatio = 1,
  ) {}

  lane(iface: string): Lane {
    let l = this.lanes.get(iface);
    if (!l) {
      l = new Lane(new FrameBatchBuilder(this.vehicle, iface, Math.min(this.opts.maxFrames, 4096)));
      this.lanes.set(iface, l);
    }
    return l;
  }

  /** Appends a frame to iface's batch, emitting the batch when it is full. */
  push(l: Lane, t: number, id: number, flags: number, src: ArrayLike<number>, srcOff: number, len: number, dlc = 0): void {
    const b = l.builder;
    b.push(t, id, flags, src, srcOff, len, dlc);
    l.bits += frameBits(flags, len, this.dataRatio);
    if (b.count >= this.opts.maxFrames) {
      this.emit(b.take());
    } else if (b.count === 1 && this.opts.maxAgeMs > 0 && !this.timer) {
      this.timer = setTimeout(() => this.onAge(), this.opts.maxAgeMs);
    }
  }

  /** Total wire bits per interface so far. */
  bitsByIface(): Map<string, number> {
    const m = new Map<string, number>();
    for (const [k, l] of this.lanes) m.set(k, l.bits);
    return m;
  }

  /** Emits every non-empty batch now. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    for (const l of this.lanes.values()) if (l.builder.count > 0) this.emit(l.builder.take());
  }

  close(): void {
    this.flush();
  }

  private onAge(): void {
    this.timer = undefined;
    this.flush();
  }
}
