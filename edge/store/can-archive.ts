// Raw CAN archive: every FrameBatch appended as candump -L lines (the project's writer, byte-exact
// and readable by candump-file.ts and can-utils), rotated into gzip files whose names carry the
// time range they hold, capped in total size and pruned by age, so a window (an incident, a trip)
// can be extracted exactly and replayed.
//
// Layout: <dir>/current.log (plain, being written; fsync'd on rotation) and closed files
//   can-<firstUs>-<lastUs>.log.gz      (microseconds since the epoch, the frames' own time)
// A file rotates when it reaches segmentBytes or spans segmentSeconds of data time. Cap and retention
// delete whole oldest files; retention is measured from the newest archived frame's time (data
// time, so replaying an old log does not delete itself). A current.log left by a crash is compressed
// on the next start (its readable lines are kept).
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { promisify } from 'node:util';
import type { FrameBatch } from '../can/frame.js';
import { formatBatch } from '../can/candump.js';

const gzip = promisify(zlib.gzip);
const gunzip = promisify(zlib.gunzip);

export interface ArchiveOptions {
  dir: string;
  /** uncompressed bytes per file (default 16 MiB) */
  segmentBytes?: number;
  /** data-time span per file in seconds (default 3600) */
  segmentSeconds?: number;
  /** total bytes of closed files (default 2 GiB) */
  capBytes?: number;
  /** keep files whose newest frame is at most this old relative to the newest archived frame (default 30) */
  retentionDays?: number;
  onWarning?: (msg: string) => void;
}

export interface ArchiveFile {
  file: string;
  fromUs: number;
  toUs: number;
  bytes: number;
}

const NAME = /^can-(\d+)-(\d+)\.log\.gz$/;

export class CanArchive {
  readonly dir: string;
  private readonly segBytes: number;
  private readonly segUs: number;
  private readonly cap: number;
  private readonly retentionUs: number;
  private readonly warn: (m: string) => void;
  private fd: number | undefined;
  private curBytes = 0;
  private curMin = Number.POSITIVE_INFINITY;
  private curMax = Number.NEGATIVE_INFINITY;
  private newestUs = Number.NEGATIVE_INFINITY;
  private pending: Promise<void> = Promise.resolve();
  /** time ranges (µs) of files waiting for or in background compression */
  private compressing: Array<{ lo: number; hi: number }> = [];
  private closed = false;
  frames = 0;
  deleted = 0;

  constructor(opts: ArchiveOptions) {
    this.dir = path.resolve(opts.dir);
    this.segBytes = Math.max(1024, opts.segmentBytes ?? 16 * 1024 * 1024);
    this.segUs = Math.max(1, opts.segmentSeconds ?? 3600) * 1e6;
    this.cap = opts.capBytes ?? 2 * 1024 * 1024 * 1024;
    this.retentionUs = (opts.retentionDays ?? 30) * 86400 * 1e6;
    this.warn = opts.onWarning ?? (() => undefined);
    fs.mkdirSync(this.dir, { recursive: true });
    for (const f of this.list()) this.newestUs = Math.max(this.newestUs, f.toUs);
    const cur = path.join(this.dir, 'current.log');
    if (fs.existsSync(cur)) {
      // left by a crash: compress what is readable under its own time range
      const data = fs.readFileSync(cur);
      const end = data.lastIndexOf(10) + 1; // drop a torn last line
      fs.rmSync(cur);
      if (end > 0) this.seal(data.subarray(0, end));
    }
  }

  /** Appends a batch (synchronous write: on disk in the page cache when it returns). */
  append(b: FrameBatch): void {
    if (this.closed || b.count === 0) return;
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < b.count; i++) {
      const t = b.t[i]!;
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    }
    const loUs = Math.round(lo * 1e6);
    const hiUs = Math.round(hi * 1e6);
    if (this.fd !== undefined && (this.curBytes >= this.segBytes || Math.max(hiUs, this.curMax) - Math.min(loUs, this.curMin) >= this.segUs)) this.rotate();
    const text = formatBatch(b);
    if (this.fd === undefined) {
      this.fd = fs.openSync(path.join(this.dir, 'current.log'), 'a');
      this.curBytes = 0;
      this.curMin = Number.POSITIVE_INFINITY;
      this.curMax = Number.NEGATIVE_INFINITY;
    }
    fs.writeSync(this.fd, text);
    this.curBytes += text.length;
    this.curMin = Math.min(this.curMin, loUs);
    this.curMax = Math.max(this.curMax, hiUs);
    this.newestUs = Math.max(this.newestUs, hiUs);
    this.frames += b.count;
  }

  /** Closes the current file: it is compressed in the background under its time range. */
  rotate(): void {
    if (this.fd === undefined) return;
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    this.fd = undefined;
    const cur = path.join(this.dir, 'current.log');
    const tmp = path.join(this.dir, `closing-${this.curMin}-${this.curMax}.log`);
    fs.renameSync(cur, tmp);
    const [a, b] = [this.curMin, this.curMax];
    this.queueCompress(tmp, a, b);
  }

  /** Waits for background compression (tests, close). */
  async settle(): Promise<void> {
    await this.pending;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.rotate();
    this.closed = true;
    await this.pending;
  }

  /** Closed files, oldest first. */
  list(): ArchiveFile[] {
    const out: ArchiveFile[] = [];
    for (const f of fs.readdirSync(this.dir)) {
      const m = NAME.exec(f);
      if (!m) continue;
      out.push({ file: path.join(this.dir, f), fromUs: Number(m[1]), toUs: Number(m[2]), bytes: fs.statSync(path.join(this.dir, f)).size });
    }
    return out.sort((x, y) => x.fromUs - y.fromUs || x.toUs - y.toUs);
  }

  /**
   * The frames with fromUs <= t < toUs (µs since the epoch), as candump -L lines in archive order:
   * byte-identical to the lines written, ready for ReplaySource or canplayer.
   */
  async extract(fromUs: number, toUs: number): Promise<Buffer> {
    // a file being compressed in the background is read once it is done, and only when the window
    // reaches into it (an incident's window is usually in the current file: no wait behind a gzip)
    if (this.compressing.some((c) => c.hi >= fromUs && c.lo < toUs)) await this.pending;
    const parts: Buffer[] = [];
    const files = this.list().filter((f) => f.toUs >= fromUs && f.fromUs < toUs);
    for (const f of files) parts.push(filterLines(await gunzip(fs.readFileSync(f.file)), fromUs, toUs));
    if (this.fd !== undefined && this.curMax >= fromUs && this.curMin < toUs) parts.push(filterLines(fs.readFileSync(path.join(this.dir, 'current.log')), fromUs, toUs));
    return Buffer.concat(parts);
  }

  private seal(data: Buffer): void {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    forEachLine(data, (t) => {
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    });
    if (!Number.isFinite(lo)) return;
    const tmp = path.join(this.dir, `closing-${lo}-${hi}.log`);
    fs.writeFileSync(tmp, data);
    this.newestUs = Math.max(this.newestUs, hi);
    this.queueCompress(tmp, lo, hi);
  }

  private queueCompress(tmp: string, lo: number, hi: number): void {
    const range = { lo, hi };
    this.compressing.push(range);
    this.pending = this.pending
      .then(() => this.compress(tmp, lo, hi))
      .catch((e: unknown) => this.warn(`archive: ${(e as Error).message}`))
      .finally(() => {
        this.compressing = this.compressing.filter((r) => r !== range);
      });
  }

  private async compress(tmp: string, lo: number, hi: number): Promise<void> {
    const data = await fs.promises.readFile(tmp);
    const gz = await gzip(data, { level: 6 });
    let name = `can-${lo}-${hi}.log.gz`;
    for (let k = 1; fs.existsSync(path.join(this.dir, name)); k++) name = `can-${lo}-${hi + k}.log.gz`; // same range twice (a replay)
    const out = path.join(this.dir, name);
    await fs.promises.writeFile(out + '.tmp', gz);
    const fh = await fs.promises.open(out + '.tmp', 'r');
    await fh.sync();
    await fh.close();
    await fs.promises.rename(out + '.tmp', out);
    await fs.promises.rm(tmp, { force: true });
    this.prune();
  }

  /** Deletes whole oldest files past the cap or the retention. */
  private prune(): void {
    const files = this.list();
    let total = files.reduce((a, f) => a + f.bytes, 0);
    const oldestKept = this.newestUs - this.retentionUs;
    for (const f of files) {
      if (total <= this.cap && f.toUs >= oldestKept) continue;
      fs.rmSync(f.file, { force: true });
      total -= f.bytes;
      this.deleted++;
    }
  }
}

/** Calls fn with each line's timestamp (µs, exact from the text). */
function forEachLine(buf: Buffer, fn: (tUs: number, start: number, end: number) => void): void {
  let start = 0;
  while (start < buf.length) {
    let end = buf.indexOf(10, start);
    if (end < 0) end = buf.length;
    const t = lineTime(buf, start, end);
    if (t !== undefined) fn(t, start, end);
    start = end + 1;
  }
}

/** "(1600000000.010000) can0 ..." -> 1600000000010000; undefined when the line has no timestamp. */
function lineTime(buf: Buffer, start: number, end: number): number | undefined {
  if (buf[start] !== 0x28) return undefined;
  let sec = 0;
  let i = start + 1;
  for (; i < end && buf[i] !== 0x2e; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return undefined;
    sec = sec * 10 + d;
  }
  let us = 0;
  let digits = 0;
  for (i++; i < end && buf[i] !== 0x29; i++, digits++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return undefined;
    us = us * 10 + d;
  }
  while (digits < 6) {
    us *= 10;
    digits++;
  }
  return sec * 1e6 + us;
}

function filterLines(buf: Buffer, fromUs: number, toUs: number): Buffer {
  const parts: Buffer[] = [];
  forEachLine(buf, (t, s, e) => {
    if (t >= fromUs && t < toUs) parts.push(buf.subarray(s, Math.min(e + 1, buf.length)));
  });
  return Buffer.concat(parts);
}
