// Replays candump -L logs as a FrameSource: real time, xN, or as fast as possible, optionally looping.
//
// Frames keep their log timestamps (never the host clock); the host clock only decides *when* a frame
// is handed on (pacing) and when a batch leaves (Batcher age), so the batches' content is the log's.
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { Batcher, DEFAULT_BATCH, type BatchOptions, type Lane } from './batcher.js';
import { readCandumpFile, READ_CHUNK, type CandumpChunk } from './candump-file.js';
import { FrameFlag } from './frame.js';
import {
  emptyCounters,
  type FrameBatch,
  type FrameSource,
  type SourceCounters,
  type SourceStatus,
  type SourceWarning,
} from './source.js';

/** read size of a paced replay: a saturated bus is ~0.2 MB/s of log, so 64 KB is ~0.3 s of it; each
 * bus holds a few chunks at a time (read ahead, being parsed, parsed frames waiting for their time) */
const PACED_READ_CHUNK = 64 * 1024;

export interface ReplayOptions {
  vehicle: string;
  /** candump -L files (plain, .gz or .xz), replayed one after the other */
  files: string[];
  /** 1 = real time, 10 = ten times faster, 'max' = as fast as the consumer takes it */
  speed: number | 'max';
  loop?: boolean;
  batch?: BatchOptions;
  /** rename log interfaces to logical ones, e.g. { can1: 'gnss' } */
  ifaceMap?: Record<string, string>;
  /** replay only these interfaces (log or logical names) */
  ifaces?: string[];
  /** longest wait between two frames when paced, in log seconds (default 5): gaps between files or
   * recordings are cut short instead of stalling the replay for hours */
  maxGapS?: number;
  /** malformed lines reported one by one per file (all are counted); default 100 */
  maxWarnings?: number;
  /** asked between chunks: a promise holds the replay until the consumer has caught up (stdout
   * draining, a CAN sender's queue emptying); undefined means go on */
  throttle?: () => Promise<void> | undefined;
}

export class ReplaySource extends EventEmitter implements FrameSource {
  private readonly batcher: Batcher;
  private readonly c: SourceCounters = emptyCounters();
  private st: SourceStatus = { state: 'starting' };
  private readonly speed: number; // 0 = as fast as possible
  private readonly maxGap: number;
  private readonly mapIface: (logIface: string) => string | undefined;
  private running: Promise<void> | undefined;
  private closing = false;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private wake: (() => void) | undefined;
  private readonly closed: Promise<void>;
  private signalClosed: () => void = () => undefined;
  // pacing: log time anchorT is due at wall time anchorWall (ms); prevT is the last frame's time
  private anchorT = Number.NaN;
  private anchorWall = 0;
  private prevT = Number.NaN;
  // time range of the current pass, for the loop shift
  private passMin = Infinity;
  private passMax = -Infinity;
  private passFrames = 0;

  constructor(private readonly opts: ReplayOptions) {
    super();
    if (!Array.isArray(opts.files) || opts.files.length === 0) throw new Error('replay files: name at least one candump log');
    if (opts.speed === 'max') this.speed = 0;
    else if (typeof opts.speed === 'number' && Number.isFinite(opts.speed) && opts.speed > 0) this.speed = opts.speed;
    else throw new Error(`replay speed: expected a positive number or 'max', got ${String(opts.speed)}`);
    this.maxGap = opts.maxGapS ?? 5;
    const map = opts.ifaceMap ?? {};
    const only = opts.ifaces && opts.ifaces.length > 0 ? new Set(opts.ifaces) : undefined;
    this.mapIface = (log) => {
      const name = Object.hasOwn(map, log) ? map[log]! : log;
      return only && !only.has(name) && !only.has(log) ? undefined : name;
    };
    this.batcher = new Batcher(opts.vehicle, opts.batch ?? DEFAULT_BATCH, (b) => this.emitBatch(b));
    this.closed = new Promise((resolve) => (this.signalClosed = resolve));
  }

  start(): void {
    if (this.running || this.closing) return;
    this.running = this.run().catch((e: unknown) => {
      // run() handles its own errors; this is a last guard so a bug never becomes an unhandled rejection
      this.setStatus({ state: 'ended', reason: `replay failed: ${e instanceof Error ? e.message : String(e)}` });
    });
  }

  async close(): Promise<void> {
    if (this.closing) {
      await this.running;
      return;
    }
    this.closing = true;
    this.signalClosed();
    this.cancelWait();
    await this.running;
    this.batcher.close();
    this.setStatus({ state: 'closed', reason: 'closed' });
  }

  counters(): SourceCounters {
    let bits = 0;
    for (const b of this.batcher.bitsByIface().values()) bits += b;
    return { ...this.c, bits };
  }

  status(): SourceStatus {
    return { ...this.st };
  }

  private async run(): Promise<void> {
    this.setStatus({ state: 'running', reason: `replaying ${this.opts.files.length} file(s)` });
    let shiftUs = 0;
    let passes = 0;
    let lastError = '';
    for (;;) {
      this.passMin = Infinity;
      this.passMax = -Infinity;
      this.passFrames = 0;
      for (const file of this.opts.files) {
        if (this.closing) return;
        let malformedSoFar = 0;
        try {
          const chunks = readCandumpFile(file, {
            vehicle: this.opts.vehicle,
            mapIface: this.mapIface,
            maxWarnings: this.opts.maxWarnings ?? 100,
            onWarning: (w) => this.emitWarning(w),
            chunkBytes: this.speed > 0 ? PACED_READ_CHUNK : READ_CHUNK,
          });
          for await (const chunk of chunks) {
            this.c.malformed += chunk.malformed - malformedSoFar;
            malformedSoFar = chunk.malformed;
            await this.release(chunk, shiftUs);
            if (this.closing) break; // leaving the loop disposes the file stream / xz process
            await this.holdForConsumer();
            if (this.speed === 0 && !this.closing) await this.yieldToLoop();
          }
        } catch (e) {
          lastError = `${file}: ${e instanceof Error ? e.message : String(e)}`;
          this.emitWarning({ where: file, message: `cannot read: ${e instanceof Error ? e.message : String(e)}` });
        }
        if (this.closing) return;
      }
      passes++;
      if (!this.opts.loop || this.passFrames === 0) break;
      // Looping shifts every timestamp of the next pass by the pass's span plus one mean frame
      // interval, so time keeps increasing: consumers (trip/score detectors, InfluxDB points keyed
      // by time) would otherwise see time jump backwards, or overwrite the first pass's points.
      // The shift is a whole number of microseconds, applied in integer microseconds, so a shifted
      // time is still the double nearest its microsecond decimal (written-back logs stay exact).
      const span = this.passMax - this.passMin;
      const step = this.passFrames > 1 ? span / (this.passFrames - 1) : 1;
      shiftUs += Math.round((span + step) * 1e6);
    }
    this.batcher.flush();
    const reason =
      this.c.frames > 0
        ? `end of log: ${this.c.frames} frames from ${this.opts.files.length} file(s)${passes > 1 ? ` in ${passes} passes` : ''}`
        : `no frames replayed${lastError ? ` (${lastError})` : ''}`;
    this.setStatus({ state: 'ended', reason });
  }

  /** Hands one parsed chunk to the batcher, pacing it when a speed is set. */
  private async release(chunk: CandumpChunk, shiftUs: number): Promise<void> {
    const { batches, order } = chunk;
    const lanes: Lane[] = batches.map((b) => this.batcher.lane(b.iface));
    const cursor = new Uint32Array(batches.length);
    const paced = this.speed > 0;
    for (let k = 0; k < order.length; k++) {
      if (this.closing) return;
      const j = order[k]!;
      const b = batches[j]!;
      const i = cursor[j]!++;
      const t = shiftUs === 0 ? b.t[i]! : (Math.round(b.t[i]! * 1e6) + shiftUs) / 1e6;
      if (paced) {
        const wait = this.dueIn(t);
        if (wait >= 1) {
          await this.sleep(wait);
          if (this.closing) return;
        }
      }
      const flags = b.flags[i]!;
      this.batcher.push(lanes[j]!, t, b.id[i]!, flags, b.data, b.offset[i]!, b.len[i]!, b.dlc[i]!);
      this.c.frames++;
      if (flags & FrameFlag.ERR) this.c.errorFrames++;
      this.passFrames++;
      if (t < this.passMin) this.passMin = t;
      if (t > this.passMax) this.passMax = t;
      this.prevT = t;
    }
  }

  /** Milliseconds until the frame at log time t is due (<= 0: now). */
  private dueIn(t: number): number {
    const now = performance.now();
    const prev = this.prevT;
    // first frame, or a jump larger than maxGap either way (next file, clock reset): re-anchor so the
    // frame is due after at most maxGap instead of hours later (or everything at once)
    if (Number.isNaN(this.anchorT) || Number.isNaN(prev) || t - prev > this.maxGap || prev - t > this.maxGap) {
      const first = Number.isNaN(prev) || Number.isNaN(this.anchorT);
      const prevWall = first ? now : this.wallOf(prev);
      const gap = first ? 0 : Math.min(Math.max(t - prev, 0), this.maxGap);
      this.anchorT = t;
      this.anchorWall = Math.max(now, prevWall + (gap * 1000) / this.speed);
    }
    return this.wallOf(t) - now;
  }

  private wallOf(t: number): number {
    return this.anchorWall + ((t - this.anchorT) * 1000) / this.speed;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.wake = undefined;
        resolve();
      }, ms);
    });
  }

  /** Waits while opts.throttle says the consumer is behind; close() ends the wait. */
  private async holdForConsumer(): Promise<void> {
    const throttle = this.opts.throttle;
    if (!throttle || this.closing) return;
    try {
      const hold = throttle();
      if (hold) await Promise.race([hold, this.closed]);
    } catch (e) {
      this.emitWarning({ where: 'replay throttle', message: e instanceof Error ? e.message : String(e) });
    }
  }

  /** Lets I/O and timers run between chunks when replaying as fast as possible. */
  private yieldToLoop(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.immediate = setImmediate(() => {
        this.immediate = undefined;
        this.wake = undefined;
        resolve();
      });
    });
  }

  private cancelWait(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private emitBatch(b: FrameBatch): void {
    this.c.batches++;
    try {
      this.emit('batch', b);
    } catch (e) {
      // a throwing listener must not stop the replay; say so instead
      this.emitWarning({ where: `batch listener (${b.iface})`, message: e instanceof Error ? e.message : String(e) });
    }
  }

  private emitWarning(w: SourceWarning): void {
    try {
      this.emit('warning', w);
    } catch {
      // nothing sensible left to do with a failing warning listener
    }
  }

  private setStatus(s: SourceStatus): void {
    this.st = s;
    try {
      this.emit('status', { ...s });
    } catch (e) {
      this.emitWarning({ where: 'status listener', message: e instanceof Error ? e.message : String(e) });
    }
  }
}
