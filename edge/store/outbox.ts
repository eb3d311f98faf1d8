// Durable outbox: a general on-disk queue with named streams (store-and-forward).
//
// Each stream is a directory of append-only segment files; a record is framed as
//   [u32 length][u32 crc32(seq, payload)][f64 seq][payload]
// so a torn tail (power cut mid-write) or a damaged record is detected on restart, and the
// readable records around it are kept. A consumer takes records in order from a read position and
// acknowledges a prefix; the acknowledged position (cursor) is persisted, so after a crash or
// restart delivery resumes at the first unacknowledged record (at-least-once; InfluxDB writes of the
// same point are idempotent, so a redelivered batch does not duplicate anything).
//
// append() writes with a synchronous write(2) before it returns, so an acknowledged record survives
// the process being killed; power loss is bounded by the fsync policy:
//   'always'   fdatasync before the append's promise resolves (group commit within one tick)
//   'interval' fdatasync of dirty segments every fsyncIntervalMs (default 500 ms: loss window <= ~0.5 s
//              plus the time the fdatasync takes); it runs on libuv's thread pool, so appends and the
//              writer go on while the disk flushes
//   'never'    left to the OS
//
// The cursor (what the consumer acknowledged) is written at most every cursorIntervalMs (200 ms) per
// stream, and at close: a crash redelivers at most that much already-delivered data, which is
// harmless under at-least-once (each cursor write is a rename, which ext4 makes flush the new file).
//
// The total size is capped. When an append would pass the cap, whole oldest segments are dropped,
// lowest dropPriority first, and only from streams whose priority is not above the appending
// stream's own (a signal never pushes out a gateway point); streams with dropPriority 'never' are
// never dropped: they may pass the cap (reported) rather than lose data. Every dropped record is
// counted per stream, persisted in drops.json and reported through the 'drop' event.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { crc32Range } from './crc32.js';

export type FsyncPolicy = 'always' | 'interval' | 'never';

export interface StreamOptions {
  /** lower drops first when the cap is reached; 'never' is never dropped */
  dropPriority: number | 'never';
}

export interface OutboxOptions {
  dir: string;
  /** total bytes on disk for all streams (default 256 MiB) */
  capBytes?: number;
  /** a segment is sealed and a new one started past this size (default 4 MiB) */
  segmentBytes?: number;
  fsync?: FsyncPolicy;
  fsyncIntervalMs?: number;
  /** known streams; others are created on first append with `defaultStream` */
  streams?: Record<string, StreamOptions>;
  defaultStream?: StreamOptions;
  /** records kept in memory per stream for take() without a disk read (default 100000): the objects
   *  handed to append(), or else the framed bytes written (also capped at memBytes, default 32 MiB) */
  memRecords?: number;
  memBytes?: number;
  /** the acknowledged position is persisted at most this often per stream (default 200 ms) and at close */
  cursorIntervalMs?: number;
}

export interface DropInfo {
  stream: string;
  records: number;
  bytes: number;
  reason: 'cap' | 'disk full' | 'corrupt';
}

export interface StreamStats {
  pending: number;
  bytes: number;
  dropped: number;
  appended: number;
  acked: number;
}

export interface OutboxStats {
  bytes: number;
  capBytes: number;
  pending: number;
  dropped: number;
  overCap: boolean;
  streams: Record<string, StreamStats>;
}

export interface Taken {
  /** the records' bytes; empty when `objects` is given */
  records: Buffer[];
  /** the objects handed to append() for these records, when still in memory (no disk read, no decode) */
  objects?: unknown[];
  /** seq of the first record */
  first: number;
  /** seq after the last record: pass it to ack() */
  next: number;
}

/** Records taken as one buffer: their payloads joined by a separator byte (what an HTTP body wants). */
export interface TakenJoined {
  body: Buffer;
  /** end offset in body of each record's payload; record i starts at ends[i - 1] + 1 (0 for the first) */
  ends: number[];
  first: number;
  next: number;
}

export interface RecoveryReport {
  stream: string;
  segment: string;
  /** bytes that could not be read (damaged records skipped) */
  corruptBytes: number;
  /** a torn tail cut off (partial last write) */
  tornBytes: number;
}

interface Segment {
  first: number;
  /** seq after the last record in the segment */
  end: number;
  count: number;
  bytes: number;
  file: string;
}

interface Stream {
  name: string;
  dir: string;
  opts: StreamOptions;
  segments: Segment[];
  fd: number | undefined; // active (last) segment, open for append
  dirty: boolean;
  ackSeq: number;
  readSeq: number;
  nextSeq: number;
  // reader position: segment index and byte offset of the record whose seq is readSeq
  rSeg: number;
  rPos: number;
  dropped: number;
  appended: number;
  acked: number;
  cursorDirty: boolean;
  /** host ms of the last cursor write */
  cursorAt: number;
  /** recently appended objects (write-through cache: the disk copy is for restarts and outages) */
  mem: MemWindow;
  /** or the bytes of recent appends, when they came without objects (off the JS heap: no GC cost) */
  frames: MemFrames;
}

/** Objects of a contiguous run of seqs [first, first + count), in two parallel arrays from `head`. */
class MemWindow {
  first = 0;
  head = 0;
  objs: unknown[] = [];
  sizes: number[] = [];

  get count(): number {
    return this.objs.length - this.head;
  }

  get(seq: number): number {
    if (seq < this.first) return -1;
    const i = this.head + (seq - this.first);
    return i < this.objs.length ? i : -1;
  }

  push(seq: number, objs: readonly unknown[], sizes: readonly number[], limit: number): void {
    if (this.count === 0 || this.first + this.count !== seq) this.reset(seq);
    for (let i = 0; i < objs.length; i++) {
      this.objs.push(objs[i]);
      this.sizes.push(sizes[i]!);
    }
    if (this.count > limit) this.releaseBelow(this.first + (this.count - limit));
  }

  releaseBelow(seq: number): void {
    if (seq <= this.first) return;
    const n = Math.min(seq - this.first, this.count);
    for (let i = this.head; i < this.head + n; i++) this.objs[i] = undefined;
    this.head += n;
    this.first += n;
    if (this.count === 0) this.reset(seq);
    else if (this.head > 4096 && this.head * 2 > this.objs.length) {
      this.objs = this.objs.slice(this.head);
      this.sizes = this.sizes.slice(this.head);
      this.head = 0;
    }
  }

  reset(seq: number): void {
    this.first = seq;
    this.head = 0;
    this.objs = [];
    this.sizes = [];
  }
}

/** The framed bytes of a run of appends, as written to the segment, by seq. */
interface FrameChunk {
  first: number;
  count: number;
  buf: Buffer;
  /** offs[i]: where record i's header starts in buf; offs[count] = buf.length */
  offs: Uint32Array;
}

class MemFrames {
  chunks: FrameChunk[] = [];
  head = 0;
  records = 0;
  bytes = 0;
  private hint = 0;

  has(seq: number): boolean {
    if (this.head >= this.chunks.length) return false;
    const last = this.chunks[this.chunks.length - 1]!;
    return seq >= this.chunks[this.head]!.first && seq < last.first + last.count;
  }

  /** Index of the chunk holding seq (has(seq) must hold). */
  locate(seq: number): number {
    const h = this.chunks[this.hint];
    if (this.hint >= this.head && h && seq >= h.first && seq < h.first + h.count) return this.hint;
    let lo = this.head;
    let hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.chunks[mid]!.first <= seq) lo = mid;
      else hi = mid - 1;
    }
    return (this.hint = lo);
  }

  push(c: FrameChunk, maxRecords: number, maxBytes: number): void {
    if (this.head < this.chunks.length) {
      const last = this.chunks[this.chunks.length - 1]!;
      if (last.first + last.count !== c.first) this.reset();
    }
    this.chunks.push(c);
    this.records += c.count;
    this.bytes += c.buf.length;
    while (this.head < this.chunks.length - 1 && (this.records > maxRecords || this.bytes > maxBytes)) this.dropHead();
  }

  releaseBelow(seq: number): void {
    while (this.head < this.chunks.length) {
      const c = this.chunks[this.head]!;
      if (c.first + c.count > seq) break;
      this.dropHead();
    }
  }

  private dropHead(): void {
    const c = this.chunks[this.head]!;
    this.records -= c.count;
    this.bytes -= c.buf.length;
    this.chunks[this.head++] = undefined as unknown as FrameChunk; // let the buffer go
    if (this.head === this.chunks.length) this.reset();
    else if (this.head > 64 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.hint = Math.max(0, this.hint - this.head);
      this.head = 0;
    }
  }

  reset(): void {
    this.chunks = [];
    this.head = 0;
    this.hint = 0;
    this.records = 0;
    this.bytes = 0;
  }
}

const HDR = 16;
const MAX_RECORD = 64 * 1024 * 1024;
/** appends up to this (worst case) are framed in one reused buffer */
const SCRATCH_MAX = 8 * 1024 * 1024;
const STREAM_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const openDirs = new Set<string>();

export class OutboxError extends Error {}

export class Outbox extends EventEmitter {
  readonly dir: string;
  private readonly cap: number;
  private readonly segBytes: number;
  private readonly policy: FsyncPolicy;
  private readonly streams = new Map<string, Stream>();
  private readonly streamOpts: Record<string, StreamOptions>;
  private readonly defaultStream: StreamOptions;
  private readonly memLimit: number;
  private readonly memBytes: number;
  private total = 0;
  private timer: NodeJS.Timeout | undefined;
  private syncWaiters: Array<() => void> = [];
  private syncScheduled = false;
  private closed = false;
  private dropsFile: string;
  private dirsToSync = new Set<string>();
  private overCapWarned = false;
  private readonly cursorMs: number;
  private cursorTimer: NodeJS.Timeout | undefined;
  /** async fdatasyncs in flight per fd, and fds to close once theirs are done */
  private readonly syncing = new Map<number, number>();
  private readonly closeAfterSync = new Set<number>();
  /** delivered segments being unlinked in the background */
  private readonly unlinking = new Set<string>();
  private scratch = Buffer.allocUnsafe(64 * 1024);
  readonly recovery: RecoveryReport[] = [];

  constructor(opts: OutboxOptions) {
    super();
    this.dir = path.resolve(opts.dir);
    this.cap = opts.capBytes ?? 256 * 1024 * 1024;
    this.segBytes = Math.max(1024, opts.segmentBytes ?? 4 * 1024 * 1024);
    this.policy = opts.fsync ?? 'interval';
    this.streamOpts = opts.streams ?? {};
    this.defaultStream = opts.defaultStream ?? { dropPriority: 'never' };
    this.memLimit = Math.max(0, opts.memRecords ?? 100000);
    this.memBytes = Math.max(0, opts.memBytes ?? 32 * 1024 * 1024);
    this.cursorMs = Math.max(0, opts.cursorIntervalMs ?? 200);
    this.dropsFile = path.join(this.dir, 'drops.json');
    if (openDirs.has(this.dir)) throw new OutboxError(`outbox ${this.dir}: already open in this process`);
    fs.mkdirSync(this.dir, { recursive: true });
    this.lock();
    openDirs.add(this.dir);
    try {
      const drops = this.readDrops();
      for (const e of fs.readdirSync(this.dir, { withFileTypes: true })) {
        if (e.isDirectory() && STREAM_NAME.test(e.name)) this.openStream(e.name, drops[e.name] ?? 0);
      }
    } catch (e) {
      this.releaseLock();
      openDirs.delete(this.dir);
      throw e;
    }
    if (this.policy === 'interval') {
      this.timer = setInterval(() => this.syncDirtyAsync(), Math.max(10, opts.fsyncIntervalMs ?? 500));
      this.timer.unref();
    }
  }

  /** Appends records to a stream; resolves once they are stored per the fsync policy. */
  append(stream: string, payloads: ReadonlyArray<Buffer | string>, objects?: readonly unknown[]): Promise<{ stored: number; dropped: number }> {
    if (this.closed) return Promise.reject(new OutboxError('outbox is closed'));
    if (payloads.length === 0) return Promise.resolve({ stored: 0, dropped: 0 });
    const s = this.stream(stream);
    const enc = this.encode(s, payloads);
    if (typeof enc === 'number') return Promise.reject(new OutboxError(`${stream}: record of ${enc} bytes is over ${MAX_RECORD}`));
    return this.commit(s, enc.frame, enc.lens, objects);
  }

  /**
   * append() of records given as one string, each followed by a one-character separator but the last
   * (e.g. lines joined by '\n'): ends[i] is where record i ends in `text` (UTF-16 offsets). The
   * caller builds `text` by concatenation and it is encoded in one go, not record by record: for
   * short records that is most of the cost (see encodeText()).
   */
  appendText(stream: string, text: string, ends: readonly number[]): Promise<{ stored: number; dropped: number }> {
    if (this.closed) return Promise.reject(new OutboxError('outbox is closed'));
    if (ends.length === 0) return Promise.resolve({ stored: 0, dropped: 0 });
    for (let i = 0, from = 0; i < ends.length; from = ends[i++]! + 1) {
      if (!(ends[i]! >= from)) return Promise.reject(new OutboxError(`${stream}: appendText: ends[${i}] = ${ends[i]} is before the record's start ${from}`));
    }
    if (ends[ends.length - 1] !== text.length) return Promise.reject(new OutboxError(`${stream}: appendText: the last record must end where the text ends`));
    const s = this.stream(stream);
    let enc = this.encodeText(s, text, ends);
    if (enc === undefined) {
      // not ASCII (or huge): record by record
      const recs = new Array<string>(ends.length);
      for (let i = 0; i < ends.length; i++) recs[i] = text.slice(i === 0 ? 0 : ends[i - 1]! + 1, ends[i]!);
      enc = this.encode(s, recs);
    }
    if (typeof enc === 'number') return Promise.reject(new OutboxError(`${stream}: record of ${enc} bytes is over ${MAX_RECORD}`));
    return this.commit(s, enc.frame, enc.lens);
  }

  /** Stores framed records (per the cap, disk space and fsync policy) and moves the stream on. */
  private commit(s: Stream, frame: Buffer, lens: number[], objects?: readonly unknown[]): Promise<{ stored: number; dropped: number }> {
    const stream = s.name;
    const n = lens.length;
    const size = frame.length;
    if (this.total + size > this.cap && !this.makeRoom(s, size)) {
      if (s.opts.dropPriority !== 'never') {
        this.countDrop(s, n, size, 'cap');
        return Promise.resolve({ stored: 0, dropped: n });
      }
      if (!this.overCapWarned) {
        this.overCapWarned = true;
        this.emit('warning', `outbox over its cap (${this.total} of ${this.cap} bytes): ${stream} is never dropped, so it is kept`);
      }
    } else if (this.total + size <= this.cap) this.overCapWarned = false;
    try {
      this.write(s, frame);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code !== 'ENOSPC' && err.code !== 'EDQUOT') throw new OutboxError(`${stream}: write failed: ${err.message}`);
      // disk full: drop droppable data, oldest and lowest priority first, until the write fits
      let stored = false;
      let last: Error = err;
      while (!stored && this.dropOne(s, 'disk full')) {
        try {
          this.write(s, frame);
          stored = true;
        } catch (e2) {
          last = e2 as Error;
        }
      }
      if (!stored) {
        if (s.opts.dropPriority !== 'never') {
          this.countDrop(s, n, size, 'disk full');
          return Promise.resolve({ stored: 0, dropped: n });
        }
        return Promise.reject(new OutboxError(`${stream}: disk full, ${n} record(s) not stored: ${last.message}`));
      }
    }
    if (objects && objects.length === n && this.memLimit > 0) {
      const sizes = new Array<number>(lens.length);
      for (let i = 0; i < lens.length; i++) sizes[i] = HDR + lens[i]!;
      s.mem.push(s.nextSeq, objects, sizes, this.memLimit);
      if (s.frames.records > 0) s.frames.reset();
    } else {
      if (s.mem.count > 0) s.mem.reset(s.nextSeq + n);
      if (this.memLimit > 0 && size <= this.memBytes) {
        // keep a copy of the frame (the scratch buffer is reused): take() reads it instead of the disk
        const offs = new Uint32Array(lens.length + 1);
        for (let i = 0; i < lens.length; i++) offs[i + 1] = offs[i]! + HDR + lens[i]!;
        const buf = Buffer.allocUnsafe(size);
        frame.copy(buf);
        s.frames.push({ first: s.nextSeq, count: lens.length, buf, offs }, this.memLimit, this.memBytes);
      } else if (s.frames.records > 0) s.frames.reset();
    }
    s.nextSeq += n;
    s.appended += n;
    const last = s.segments[s.segments.length - 1]!;
    last.end = s.nextSeq;
    last.count += n;
    last.bytes += size;
    this.total += size;
    if (last.bytes >= this.segBytes) this.rotate(s);
    this.emit('append', stream);
    if (this.policy === 'always') return this.syncSoon().then(() => ({ stored: n, dropped: 0 }));
    return Promise.resolve({ stored: n, dropped: 0 });
  }

  /** Takes up to max records (and about maxBytes) from the read position of a stream. */
  take(stream: string, max: number, maxBytes = 16 * 1024 * 1024): Taken | null {
    const s = this.streams.get(stream);
    if (!s || s.readSeq >= s.nextSeq) return null;
    if (s.mem.get(s.readSeq) >= 0) return this.takeMem(s, max);
    const records: Buffer[] = [];
    const first = this.read(s, max, maxBytes, (buf, a, b) => void records.push(buf.subarray(a, b)));
    return first < 0 ? null : { records, first, next: s.readSeq };
  }

  /**
   * take() as one buffer: the payloads joined by `sep` (default '\n'), copied once from memory (or
   * the disk) into it, with no object per record. The writer posts it as the body of a request.
   */
  takeJoined(stream: string, max: number, maxBytes = 16 * 1024 * 1024, sep = 0x0a): TakenJoined | null {
    const s = this.streams.get(stream);
    if (!s || s.readSeq >= s.nextSeq) return null;
    const bufs: Buffer[] = [];
    const from: number[] = [];
    const to: number[] = [];
    let total = 0;
    const first = this.read(s, max, maxBytes, (buf, a, b) => {
      bufs.push(buf);
      from.push(a);
      to.push(b);
      total += b - a;
    });
    if (first < 0) return null;
    const n = bufs.length;
    const body = Buffer.allocUnsafe(total + n - 1);
    const ends = new Array<number>(n);
    let pos = 0;
    for (let i = 0; i < n; i++) {
      if (i > 0) body[pos++] = sep;
      pos += bufs[i]!.copy(body, pos, from[i]!, to[i]!);
      ends[i] = pos;
    }
    return { body, ends, first, next: s.readSeq };
  }

  /**
   * Hands the records from the read position to visit(buf, payloadStart, payloadEnd), from the kept
   * frames or else the segment files, and moves the reader past them. Returns the first one's seq
   * (-1: none).
   */
  private read(s: Stream, max: number, maxBytes: number, visit: (buf: Buffer, a: number, b: number) => void): number {
    if (s.frames.has(s.readSeq)) return this.readFrames(s, max, maxBytes, visit);
    let n = 0;
    let first = -1;
    let bytes = 0;
    while (n < max && bytes < maxBytes && s.readSeq < s.nextSeq) {
      const seg = s.segments[s.rSeg];
      if (!seg) break;
      if (s.rPos >= seg.bytes) {
        if (s.rSeg + 1 >= s.segments.length) break;
        s.rSeg++;
        s.rPos = 0;
        s.readSeq = Math.max(s.readSeq, s.segments[s.rSeg]!.first);
        continue;
      }
      // about what `max - n` records take (the segment's mean record size, and some): not the rest
      // of a 4 MiB segment for a batch of a few thousand; a short read is simply continued
      const avg = seg.count > 0 ? Math.ceil(seg.bytes / seg.count) : HDR;
      const want = Math.min(seg.bytes - s.rPos, Math.max(HDR, maxBytes - bytes), Math.max(64 * 1024, Math.ceil((max - n) * avg * 1.1)));
      const buf = readAt(path.join(s.dir, seg.file), s.rPos, want);
      let off = 0;
      let bad = false;
      while (off + HDR <= buf.length && n < max) {
        const len = buf.readUInt32LE(off);
        if (off + HDR + len > buf.length) {
          if (off === 0 && HDR + len <= seg.bytes - s.rPos) {
            // one record bigger than the budget: read exactly it
            const one = readAt(path.join(s.dir, seg.file), s.rPos, HDR + len);
            const seq = checkRecord(one, 0);
            if (seq < 0) bad = true;
            else {
              if (first < 0) first = seq;
              visit(one, HDR, HDR + len);
              n++;
              s.readSeq = seq + 1;
              off = HDR + len;
              bytes += HDR + len;
            }
          }
          break;
        }
        const seq = checkRecord(buf, off);
        if (seq < 0) {
          bad = true;
          break;
        }
        if (first < 0) first = seq;
        visit(buf, off + HDR, off + HDR + len);
        n++;
        s.readSeq = seq + 1;
        off += HDR + len;
        bytes += HDR + len;
      }
      s.rPos += off;
      if (bad) {
        // damaged after start (bit rot): skip the rest of this segment and report it
        const lost = seg.bytes - s.rPos;
        const lostRecords = Math.max(0, seg.end - s.readSeq);
        this.emit('warning', `${s.name}/${seg.file}: damaged record at byte ${s.rPos}; ${lostRecords} record(s), ${lost} bytes skipped`);
        if (lostRecords > 0) this.countDrop(s, lostRecords, lost, 'corrupt');
        s.rPos = seg.bytes;
        s.readSeq = Math.max(s.readSeq, seg.end);
      }
      if (off === 0 && !bad) break;
    }
    return first;
  }

  /** read() from the kept frames: no disk read, no CRC check (these are the bytes just written). */
  private readFrames(s: Stream, max: number, maxBytes: number, visit: (buf: Buffer, a: number, b: number) => void): number {
    const first = s.readSeq;
    let n = 0;
    let bytes = 0;
    while (n < max && bytes < maxBytes && s.readSeq < s.nextSeq && s.frames.has(s.readSeq)) {
      const c = s.frames.chunks[s.frames.locate(s.readSeq)]!;
      const i = s.readSeq - c.first;
      const a = c.offs[i]!;
      const b = c.offs[i + 1]!;
      let seg = s.segments[s.rSeg]!;
      while (s.rPos >= seg.bytes && s.rSeg + 1 < s.segments.length) {
        s.rSeg++;
        s.rPos = 0;
        seg = s.segments[s.rSeg]!;
      }
      visit(c.buf, a + HDR, b);
      s.rPos += b - a;
      bytes += b - a;
      s.readSeq++;
      n++;
    }
    return first;
  }

  /** take() from the in-memory copies: advances the reader over the records' bytes without reading them. */
  private takeMem(s: Stream, max: number): Taken {
    const first = s.readSeq;
    const objects: unknown[] = [];
    while (objects.length < max && s.readSeq < s.nextSeq) {
      const mi = s.mem.get(s.readSeq);
      if (mi < 0) break;
      let seg = s.segments[s.rSeg]!;
      while (s.rPos >= seg.bytes && s.rSeg + 1 < s.segments.length) {
        s.rSeg++;
        s.rPos = 0;
        seg = s.segments[s.rSeg]!;
      }
      objects.push(s.mem.objs[mi]);
      s.rPos += s.mem.sizes[mi]!;
      s.readSeq++;
    }
    return { records: [], objects, first, next: s.readSeq };
  }

  /** Marks everything before `next` as delivered: the cursor moves and fully delivered segments go. */
  ack(stream: string, next: number): void {
    const s = this.streams.get(stream);
    if (!s || next <= s.ackSeq) return;
    s.acked += Math.min(next, s.nextSeq) - s.ackSeq;
    s.ackSeq = Math.min(next, s.nextSeq);
    s.cursorDirty = true;
    s.mem.releaseBelow(s.ackSeq);
    s.frames.releaseBelow(s.ackSeq);
    this.cursorSoon(s);
    while (s.segments.length > 1 && s.segments[0]!.end <= s.ackSeq) this.deleteFirst(s);
    // the active segment too, once fully delivered and big enough to be worth a new file
    if (s.segments.length === 1 && s.segments[0]!.end <= s.ackSeq && s.segments[0]!.bytes > 0 && s.segments[0]!.bytes >= this.segBytes / 4) {
      this.rotate(s, false);
      this.deleteFirst(s);
    }
  }

  /** Forgets what was taken but not acknowledged: the next take() starts again at the cursor. */
  rewind(stream: string): void {
    const s = this.streams.get(stream);
    if (!s) return;
    this.seekReader(s, s.ackSeq);
  }

  pending(stream: string): number {
    const s = this.streams.get(stream);
    return s ? this.pendingOf(s) : 0;
  }

  /** Records appended and not yet taken. */
  available(stream: string): number {
    const s = this.streams.get(stream);
    return s ? Math.max(0, s.nextSeq - s.readSeq) : 0;
  }

  streamNames(): string[] {
    return [...this.streams.keys()];
  }

  stats(): OutboxStats {
    const streams: Record<string, StreamStats> = {};
    let pending = 0;
    let dropped = 0;
    for (const s of this.streams.values()) {
      const p = this.pendingOf(s);
      pending += p;
      dropped += s.dropped;
      streams[s.name] = { pending: p, bytes: s.segments.reduce((a, g) => a + g.bytes, 0), dropped: s.dropped, appended: s.appended, acked: s.acked };
    }
    return { bytes: this.total, capBytes: this.cap, pending, dropped, overCap: this.total > this.cap, streams };
  }

  /** fdatasync everything now (the close path and 'always' use it). */
  flushSync(): void {
    for (const s of this.streams.values()) {
      // also when an async fdatasync is still on its way: this one returns only once it is on disk
      if (s.fd !== undefined && (s.dirty || this.syncing.has(s.fd))) {
        fs.fdatasyncSync(s.fd);
        s.dirty = false;
      }
    }
    // rotated-out segments whose async fdatasync has not come back yet
    for (const fd of this.closeAfterSync) fs.fdatasyncSync(fd);
    this.syncDirsSync();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.cursorTimer) clearTimeout(this.cursorTimer);
    try {
      if (this.policy !== 'never') this.flushSync();
    } finally {
      for (const s of this.streams.values()) {
        if (s.cursorDirty) this.writeCursor(s);
        if (s.fd !== undefined) this.closeFd(s.fd);
        s.fd = undefined;
      }
      // unlinks still on their way: done here, so the directory is as it should be when close() returns
      for (const f of this.unlinking) fs.rmSync(f, { force: true });
      this.unlinking.clear();
      for (const w of this.syncWaiters.splice(0)) w();
      this.releaseLock();
      openDirs.delete(this.dir);
    }
  }

  // ---- internals ----

  private pendingOf(s: Stream): number {
    let n = 0;
    for (const g of s.segments) {
      if (g.end <= s.ackSeq) continue;
      n += g.first >= s.ackSeq ? g.count : Math.max(0, g.end - s.ackSeq);
    }
    return n;
  }

  private stream(name: string): Stream {
    let s = this.streams.get(name);
    if (!s) {
      if (!STREAM_NAME.test(name)) throw new OutboxError(`stream name "${name}": use a-z, 0-9, _ and - (max 64)`);
      s = this.openStream(name, this.readDrops()[name] ?? 0);
    }
    return s;
  }

  private openStream(name: string, dropped: number): Stream {
    const dir = path.join(this.dir, name);
    fs.mkdirSync(dir, { recursive: true });
    const opts = this.streamOpts[name] ?? this.defaultStream;
    const files = fs
      .readdirSync(dir)
      .filter((f) => /^\d{16}\.seg$/.test(f))
      .sort();
    for (const f of fs.readdirSync(dir)) if (f.endsWith('.tmp')) fs.rmSync(path.join(dir, f), { force: true });
    const segments: Segment[] = [];
    for (let i = 0; i < files.length; i++) {
      const seg = this.scanSegment(name, dir, files[i]!, i === files.length - 1);
      if (seg.count === 0 && i < files.length - 1) {
        fs.rmSync(path.join(dir, seg.file), { force: true });
        continue;
      }
      segments.push(seg);
    }
    let ackSeq = readCursor(path.join(dir, 'cursor'));
    const lastEnd = segments.length > 0 ? segments[segments.length - 1]!.end : ackSeq;
    const firstSeq = segments.length > 0 ? segments[0]!.first : ackSeq;
    let nextSeq = Math.max(lastEnd, ackSeq);
    if (ackSeq < firstSeq) ackSeq = firstSeq;
    const s: Stream = {
      name,
      dir,
      opts,
      segments,
      fd: undefined,
      dirty: false,
      ackSeq,
      readSeq: ackSeq,
      nextSeq,
      rSeg: 0,
      rPos: 0,
      dropped,
      appended: 0,
      acked: 0,
      cursorDirty: false,
      cursorAt: 0,
      mem: new MemWindow(),
      frames: new MemFrames(),
    };
    // drop segments entirely before the cursor
    while (s.segments.length > 0 && s.segments[0]!.end <= s.ackSeq && s.segments[0]!.count > 0) {
      const g = s.segments.shift()!;
      fs.rmSync(path.join(dir, g.file), { force: true });
    }
    if (s.segments.length === 0) s.segments.push(this.newSegmentFile(s, nextSeq));
    for (const g of s.segments) this.total += g.bytes;
    s.fd = fs.openSync(path.join(dir, s.segments[s.segments.length - 1]!.file), 'a');
    nextSeq = Math.max(nextSeq, s.segments[s.segments.length - 1]!.end);
    s.nextSeq = nextSeq;
    this.streams.set(name, s);
    this.seekReader(s, s.ackSeq);
    return s;
  }

  /** Reads a segment, keeps every valid record, cuts a torn tail, skips damaged stretches. */
  private scanSegment(stream: string, dir: string, file: string, isLast: boolean): Segment {
    const full = path.join(dir, file);
    const first = Number(file.slice(0, 16));
    const buf = fs.readFileSync(full);
    let off = 0;
    let count = 0;
    let lastSeq = first - 1;
    let corrupt = 0;
    let goodEnd = 0;
    const keep: Buffer[] = [];
    let rewrite = false;
    while (off < buf.length) {
      const seq = checkRecord(buf, off);
      if (seq >= 0 && seq > lastSeq) {
        const len = HDR + buf.readUInt32LE(off);
        keep.push(buf.subarray(off, off + len));
        lastSeq = seq;
        count++;
        off += len;
        goodEnd = off;
        continue;
      }
      // resynchronise: the next offset where a valid record with a later seq starts
      let next = -1;
      for (let p = off + 1; p + HDR <= buf.length; p++) {
        const q = checkRecord(buf, p);
        if (q >= 0 && q > lastSeq) {
          next = p;
          break;
        }
      }
      if (next < 0) {
        const rest = buf.length - off;
        if (isLast && corrupt === 0 && !rewrite) {
          // a torn tail of the last write: cut it off
          fs.truncateSync(full, off);
          this.recovery.push({ stream, segment: file, corruptBytes: 0, tornBytes: rest });
          this.emit('warning', `${stream}/${file}: cut a torn tail of ${rest} bytes (a write interrupted by a crash)`);
          return { first, end: lastSeq + 1, count, bytes: off, file };
        }
        corrupt += rest;
        rewrite = true;
        break;
      }
      corrupt += next - off;
      rewrite = true;
      off = next;
    }
    if (rewrite) {
      // rewrite the segment with the readable records only
      const tmp = full + '.tmp';
      const data = Buffer.concat(keep);
      fs.writeFileSync(tmp, data);
      fs.renameSync(tmp, full);
      this.recovery.push({ stream, segment: file, corruptBytes: corrupt, tornBytes: 0 });
      this.emit('warning', `${stream}/${file}: ${corrupt} damaged bytes skipped, ${count} record(s) recovered`);
      return { first, end: count > 0 ? lastSeq + 1 : first, count, bytes: data.length, file };
    }
    return { first, end: count > 0 ? lastSeq + 1 : first, count, bytes: goodEnd, file };
  }

  private seekReader(s: Stream, seq: number): void {
    s.readSeq = Math.max(seq, s.segments[0]?.first ?? seq);
    let i = s.segments.findIndex((g) => g.end > s.readSeq);
    if (i < 0) {
      s.rSeg = s.segments.length - 1;
      s.rPos = s.segments[s.rSeg]?.bytes ?? 0;
      s.readSeq = s.nextSeq;
      return;
    }
    const g = s.segments[i]!;
    s.rSeg = i;
    s.rPos = 0;
    if (s.readSeq <= g.first) {
      s.readSeq = g.first;
      return;
    }
    // walk the headers to the record with seq >= readSeq
    const buf = readAt(path.join(s.dir, g.file), 0, g.bytes);
    let off = 0;
    while (off + HDR <= buf.length) {
      const sq = buf.readDoubleLE(off + 8);
      if (sq >= s.readSeq) break;
      off += HDR + buf.readUInt32LE(off);
    }
    s.rPos = off;
  }

  /**
   * The records framed for the segment, numbered from the stream's next seq; or the byte length of
   * a record over MAX_RECORD. Strings are encoded straight into a reused scratch buffer sized for
   * their worst case (3 bytes per UTF-16 unit): measuring each one first (Buffer.byteLength) cost as
   * much as encoding it. The frame is only valid until the next append (it is written at once).
   */
  /**
   * encode() of records joined in one string (appendText), when it is ASCII (every line protocol
   * line of ours is, unless a tag or string holds other characters): the string is written once, at
   * the end of the scratch buffer, and each record is moved down to its place behind its header
   * (front to back, each move lands below the bytes still to move). Rebuilding per-record strings
   * and writing each one cost about twice as much. undefined: not ASCII or too big, do it record by
   * record.
   */
  private encodeText(s: Stream, text: string, ends: readonly number[]): { frame: Buffer; lens: number[] } | number | undefined {
    const n = ends.length;
    // ASCII: as many bytes as UTF-16 units; the frame is the text less separators plus headers
    const size = text.length - (n - 1) + n * HDR;
    const at = size - text.length; // where the text goes: >= one header ahead of every record
    if (size + 2 * text.length > SCRATCH_MAX) return undefined;
    if (this.scratch.length < size + 2 * text.length) this.scratch = Buffer.allocUnsafe(Math.min(SCRATCH_MAX, Math.max(size + 2 * text.length, 2 * this.scratch.length)));
    const out = this.scratch;
    // room for 3 bytes per unit: all of it is written, and byte count = unit count only if ASCII
    if (out.write(text, at, 'utf8') !== text.length) return undefined;
    const lens = new Array<number>(n);
    let off = 0;
    let from = 0;
    let seq = s.nextSeq;
    for (let i = 0; i < n; i++) {
      const len = ends[i]! - from;
      if (len > MAX_RECORD) return len;
      lens[i] = len;
      out.copyWithin(off + HDR, at + from, at + from + len);
      out.writeUInt32LE(len, off);
      out.writeDoubleLE(seq, off + 8);
      out.writeUInt32LE(crc32Range(out, off + 8, off + HDR + len), off + 4);
      off += HDR + len;
      from = ends[i]! + 1;
      seq++;
    }
    return { frame: out.subarray(0, off), lens };
  }

  private encode(s: Stream, bufs: ReadonlyArray<Buffer | string>): { frame: Buffer; lens: number[] } | number {
    let bound = 0;
    for (let i = 0; i < bufs.length; i++) {
      const b = bufs[i]!;
      // a string has at least as many UTF-8 bytes as UTF-16 units
      if (b.length > MAX_RECORD) return typeof b === 'string' ? Buffer.byteLength(b, 'utf8') : b.length;
      bound += HDR + (typeof b === 'string' ? 3 * b.length : b.length);
    }
    let out: Buffer;
    if (bound <= SCRATCH_MAX) {
      if (this.scratch.length < bound) this.scratch = Buffer.allocUnsafe(Math.min(SCRATCH_MAX, Math.max(bound, 2 * this.scratch.length)));
      out = this.scratch;
    } else out = Buffer.allocUnsafe(bound); // a huge append: its own buffer, not kept
    const lens = new Array<number>(bufs.length);
    let off = 0;
    let seq = s.nextSeq;
    for (let i = 0; i < bufs.length; i++) {
      const b = bufs[i]!;
      const len = typeof b === 'string' ? out.write(b, off + HDR, 'utf8') : b.copy(out, off + HDR);
      if (len > MAX_RECORD) return len;
      lens[i] = len;
      out.writeUInt32LE(len, off);
      out.writeDoubleLE(seq, off + 8);
      out.writeUInt32LE(crc32Range(out, off + 8, off + HDR + len), off + 4);
      off += HDR + len;
      seq++;
    }
    return { frame: out.subarray(0, off), lens };
  }

  private write(s: Stream, frame: Buffer): void {
    if (s.fd === undefined) throw new OutboxError(`${s.name}: not open`);
    const seg = s.segments[s.segments.length - 1]!;
    let off = 0;
    try {
      while (off < frame.length) off += fs.writeSync(s.fd, frame, off, frame.length - off);
    } catch (e) {
      // leave no partial record behind
      if (off > 0) {
        try {
          fs.ftruncateSync(s.fd, seg.bytes);
        } catch {
          /* the next restart's scan cuts it */
        }
      }
      throw e;
    }
    s.dirty = true;
  }

  /** Seals the active segment and starts a new one; `sync` false: the old one is being deleted (all delivered). */
  private rotate(s: Stream, sync = true): void {
    if (s.fd !== undefined) {
      // 'always': appends waiting for their sync look at the active segment only, so sync it now;
      // 'interval': in the background like the timer's (the fd is closed once that is done)
      if (sync && s.dirty && this.policy === 'always') fs.fdatasyncSync(s.fd);
      else if (sync && s.dirty && this.policy === 'interval') this.syncFdAsync(s, s.fd);
      this.closeFd(s.fd);
    }
    s.dirty = false;
    const seg = this.newSegmentFile(s, s.nextSeq);
    s.segments.push(seg);
    s.fd = fs.openSync(path.join(s.dir, seg.file), 'a');
  }

  private newSegmentFile(s: Stream, first: number): Segment {
    const file = String(first).padStart(16, '0') + '.seg';
    const full = path.join(s.dir, file);
    fs.closeSync(fs.openSync(full, 'a'));
    this.dirsToSync.add(s.dir);
    return { first, end: first, count: 0, bytes: fs.statSync(full).size, file };
  }

  private deleteFirst(s: Stream): void {
    const g = s.segments.shift()!;
    if (s.segments.length === 0) {
      // never leave a stream without an active segment
      s.segments.push(g);
      return;
    }
    // delivered data: unlinked in the background (freeing a 4 MiB file takes milliseconds here)
    const f = path.join(s.dir, g.file);
    this.unlinking.add(f);
    fs.rm(f, { force: true }, () => this.unlinking.delete(f));
    this.total -= g.bytes;
    this.dirsToSync.add(s.dir);
    // the reader was past that segment: same place, one segment less (no need to walk a segment's headers)
    if (s.readSeq >= g.end && s.rSeg > 0) s.rSeg--;
    else this.seekReader(s, Math.max(s.readSeq, g.end));
  }

  /** Drops oldest droppable segments until `size` more bytes fit under the cap. True when they fit. */
  private makeRoom(appending: Stream, size: number): boolean {
    while (this.total + size > this.cap) if (!this.dropOne(appending, 'cap')) return false;
    return true;
  }

  /** Drops the oldest segment of the lowest-priority stream the appending stream may push out. */
  private dropOne(appending: Stream, reason: 'cap' | 'disk full'): boolean {
    const own = appending.opts.dropPriority === 'never' ? Number.POSITIVE_INFINITY : appending.opts.dropPriority;
    const candidates = [...this.streams.values()]
      .filter((s) => s.opts.dropPriority !== 'never' && (s.opts.dropPriority as number) <= own && s.segments[0]!.bytes > 0)
      .sort((a, b) => (a.opts.dropPriority as number) - (b.opts.dropPriority as number));
    const s = candidates[0];
    if (!s) return false;
    if (s.segments.length === 1) this.rotate(s);
    const g = s.segments.shift()!;
    const lostRecords = Math.max(0, Math.min(g.count, g.end - Math.max(g.first, s.readSeq)));
    fs.rmSync(path.join(s.dir, g.file), { force: true });
    this.total -= g.bytes;
    this.dirsToSync.add(s.dir);
    if (s.ackSeq < g.end) {
      s.ackSeq = g.end;
      this.writeCursor(s);
    }
    this.seekReader(s, Math.max(s.readSeq, g.end));
    s.mem.releaseBelow(g.end);
    s.frames.releaseBelow(g.end);
    if (lostRecords > 0) this.countDrop(s, lostRecords, g.bytes, reason);
    return true;
  }

  private countDrop(s: Stream, records: number, bytes: number, reason: DropInfo['reason']): void {
    s.dropped += records;
    const drops = this.readDrops();
    drops[s.name] = s.dropped;
    try {
      const tmp = this.dropsFile + '.tmp';
      fs.writeFileSync(tmp, JSON.stringify(drops));
      fs.renameSync(tmp, this.dropsFile);
    } catch {
      /* counted in memory; the file is best effort on a full disk */
    }
    const info: DropInfo = { stream: s.name, records, bytes, reason };
    this.emit('drop', info);
  }

  private readDrops(): Record<string, number> {
    try {
      const j = JSON.parse(fs.readFileSync(this.dropsFile, 'utf8')) as unknown;
      if (typeof j === 'object' && j !== null) {
        const out: Record<string, number> = {};
        for (const [k, v] of Object.entries(j)) if (typeof v === 'number') out[k] = v;
        // in-memory counts are newer than the file
        for (const s of this.streams.values()) out[s.name] = s.dropped;
        return out;
      }
    } catch {
      /* none yet */
    }
    const out: Record<string, number> = {};
    for (const s of this.streams.values()) out[s.name] = s.dropped;
    return out;
  }

  /** Writes the cursor now, or within cursorIntervalMs of the last write. */
  private cursorSoon(s: Stream): void {
    const now = Date.now();
    if (now - s.cursorAt >= this.cursorMs) return this.writeCursor(s);
    if (this.cursorTimer) return;
    this.cursorTimer = setTimeout(() => {
      this.cursorTimer = undefined;
      if (this.closed) return;
      const t = Date.now();
      for (const x of this.streams.values()) if (x.cursorDirty) t - x.cursorAt >= this.cursorMs ? this.writeCursor(x) : this.cursorSoon(x);
    }, Math.max(1, s.cursorAt + this.cursorMs - now));
    this.cursorTimer.unref();
  }

  private writeCursor(s: Stream): void {
    const f = path.join(s.dir, 'cursor');
    s.cursorAt = Date.now();
    try {
      fs.writeFileSync(f + '.tmp', String(s.ackSeq));
      fs.renameSync(f + '.tmp', f);
      s.cursorDirty = false;
    } catch {
      // a stale cursor only means redelivery after a restart
      s.cursorDirty = true;
    }
  }

  private syncSoon(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.syncWaiters.push(resolve);
      if (this.syncScheduled) return;
      this.syncScheduled = true;
      setImmediate(() => {
        this.syncScheduled = false;
        const waiters = this.syncWaiters.splice(0);
        try {
          if (!this.closed) this.flushSync();
        } catch (e) {
          this.emit('warning', `fsync failed: ${(e as Error).message}`);
        }
        for (const w of waiters) w();
      });
    });
  }

  /** The 'interval' policy's flush: fdatasync of each dirty segment (and new directory entries) on the thread pool. */
  private syncDirtyAsync(): void {
    for (const s of this.streams.values()) {
      if (s.fd === undefined || !s.dirty) continue;
      s.dirty = false; // writes from now on make it dirty again, for the next round
      this.syncFdAsync(s, s.fd);
    }
    for (const d of this.dirsToSync) {
      fs.open(d, 'r', (err, fd) => {
        if (err) return; // directory fsync is not supported everywhere
        fs.fsync(fd, () => fs.close(fd, () => undefined));
      });
    }
    this.dirsToSync.clear();
  }

  private syncFdAsync(s: Stream, fd: number): void {
    this.syncing.set(fd, (this.syncing.get(fd) ?? 0) + 1);
    fs.fdatasync(fd, (err) => {
      const n = (this.syncing.get(fd) ?? 1) - 1;
      if (n > 0) this.syncing.set(fd, n);
      else this.syncing.delete(fd);
      if (err) {
        if (s.fd === fd) s.dirty = true; // try again next round
        this.emit('warning', `fsync failed: ${err.message}`);
      }
      if (n <= 0 && this.closeAfterSync.delete(fd)) fs.close(fd, () => undefined);
    });
  }

  /** Closes a segment's fd, or has it closed once the async fdatasync on it is done (never a reused fd number under it). */
  private closeFd(fd: number): void {
    if (this.syncing.has(fd)) this.closeAfterSync.add(fd);
    else fs.closeSync(fd);
  }

  private syncDirsSync(): void {
    for (const d of this.dirsToSync) {
      try {
        const fd = fs.openSync(d, 'r');
        try {
          fs.fsyncSync(fd);
        } finally {
          fs.closeSync(fd);
        }
      } catch {
        /* directory fsync is not supported everywhere */
      }
    }
    this.dirsToSync.clear();
  }

  private lock(): void {
    const f = path.join(this.dir, 'LOCK');
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = fs.openSync(f, 'wx');
        fs.writeSync(fd, String(process.pid));
        fs.closeSync(fd);
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const pid = Number(fs.readFileSync(f, 'utf8'));
        if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) throw new OutboxError(`outbox ${this.dir}: in use by process ${pid}`);
        fs.rmSync(f, { force: true }); // stale: its process is gone (crash, power cut)
      }
    }
    throw new OutboxError(`outbox ${this.dir}: cannot take the lock`);
  }

  private releaseLock(): void {
    try {
      fs.rmSync(path.join(this.dir, 'LOCK'), { force: true });
    } catch {
      /* gone */
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readCursor(f: string): number {
  try {
    const n = Number(fs.readFileSync(f, 'utf8').trim());
    return Number.isSafeInteger(n) && n >= 0 ? n : 0;
  } catch {
    return 0;
  }
}

function readAt(file: string, pos: number, len: number): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(len);
    let got = 0;
    while (got < len) {
      const n = fs.readSync(fd, buf, got, len - got, pos + got);
      if (n === 0) break;
      got += n;
    }
    return got === len ? buf : buf.subarray(0, got);
  } finally {
    fs.closeSync(fd);
  }
}

/** The seq of the whole, intact record at off (its payload is buf[off + HDR, off + HDR + len)); -1 if there is none. */
function checkRecord(buf: Buffer, off: number): number {
  if (off + HDR > buf.length) return -1;
  const len = buf.readUInt32LE(off);
  if (len > MAX_RECORD || off + HDR + len > buf.length) return -1;
  const seq = buf.readDoubleLE(off + 8);
  if (!Number.isSafeInteger(seq) || seq < 0) return -1;
  if (crc32Range(buf, off + 8, off + HDR + len) !== buf.readUInt32LE(off + 4)) return -1;
  return seq;
}
