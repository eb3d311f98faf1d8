// Statistics over candump logs, for `ubi-edge stats <log>`: frames, interfaces, ids, time range, rate.
// Counts straight from the parser (no batches, no frame objects), so large logs stream through.
import { openLog } from './candump-file.js';
import { CandumpParser, type CandumpSink } from './candump.js';
import { FrameFlag } from './frame.js';
import type { SourceWarning } from './source.js';

export interface IdStats {
  /** CAN id (for error frames: the CAN_ERR_* class bits) */
  id: number;
  ext: boolean;
  err: boolean;
  fd: boolean;
  frames: number;
  /** id as candump writes it: 3 or 8 hex digits (error frames with CAN_ERR_FLAG) */
  hex: string;
}

export interface IfaceStats {
  iface: string;
  frames: number;
  errorFrames: number;
  rtrFrames: number;
  fdFrames: number;
  firstT: number;
  lastT: number;
  /** distinct ids on this interface, most frequent first */
  ids: IdStats[];
}

export interface LogStats {
  files: string[];
  lines: number;
  frames: number;
  malformed: number;
  errorFrames: number;
  /** earliest and latest frame time (seconds since the epoch; NaN without frames) */
  firstT: number;
  lastT: number;
  /** lastT - firstT in seconds */
  duration: number;
  /** frames per second over the duration (0 when it is 0) */
  rate: number;
  /** frames whose time is earlier than the frame before (same file), a sign of a merged or broken log */
  backwards: number;
  ifaces: IfaceStats[];
  /** malformed lines as reported (capped per file), and files that could not be read */
  warnings: SourceWarning[];
}

interface IfaceAcc {
  iface: string;
  frames: number;
  err: number;
  rtr: number;
  fd: number;
  firstT: number;
  lastT: number;
  /** key: id + 2^32 * kind (0 std, 1 ext, 2 err) -> [count, fd count] */
  ids: Map<number, number>;
  fdIds: Set<number>;
}

class StatsSink implements CandumpSink<IfaceAcc> {
  readonly byName = new Map<string, IfaceAcc>();
  frames = 0;
  backwards = 0;
  prevT = -Infinity;

  lane(iface: string): IfaceAcc {
    let a = this.byName.get(iface);
    if (!a) {
      a = { iface, frames: 0, err: 0, rtr: 0, fd: 0, firstT: Infinity, lastT: -Infinity, ids: new Map(), fdIds: new Set() };
      this.byName.set(iface, a);
    }
    return a;
  }

  frame(a: IfaceAcc, t: number, id: number, flags: number): void {
    this.frames++;
    a.frames++;
    if (t < a.firstT) a.firstT = t;
    if (t > a.lastT) a.lastT = t;
    if (t < this.prevT) this.backwards++;
    this.prevT = t;
    const kind = flags & FrameFlag.ERR ? 2 : flags & FrameFlag.EXT ? 1 : 0;
    const key = kind * 0x100000000 + id;
    a.ids.set(key, (a.ids.get(key) ?? 0) + 1);
    if (flags & FrameFlag.ERR) a.err++;
    if (flags & FrameFlag.RTR) a.rtr++;
    if (flags & FrameFlag.FD) {
      a.fd++;
      a.fdIds.add(key);
    }
  }
}

export interface StatsOptions {
  maxWarnings?: number;
  onWarning?: (w: SourceWarning) => void;
}

/** Reads one or more logs (plain, .gz, .xz) and sums them up. Unreadable files become warnings. */
export async function logStats(paths: string | string[], opts: StatsOptions = {}): Promise<LogStats> {
  const files = typeof paths === 'string' ? [paths] : paths;
  const sink = new StatsSink();
  const warnings: SourceWarning[] = [];
  const warn = (w: SourceWarning): void => {
    warnings.push(w);
    opts.onWarning?.(w);
  };
  let lines = 0;
  let malformed = 0;
  for (const file of files) {
    sink.prevT = -Infinity;
    const parser = new CandumpParser(sink, { file, maxWarnings: opts.maxWarnings ?? 20, onWarning: warn });
    try {
      const input = await openLog(file);
      try {
        for await (const chunk of input.stream) parser.push(chunk as Buffer);
        parser.end();
      } finally {
        await input.dispose();
      }
    } catch (e) {
      warn({ where: file, message: `cannot read: ${e instanceof Error ? e.message : String(e)}` });
    }
    lines += parser.lines;
    malformed += parser.malformed;
  }
  return summarise(files, sink, lines, malformed, warnings);
}

/** Stats of a log already in memory. */
export function bufferStats(buf: Uint8Array, file = '<buffer>', opts: StatsOptions = {}): LogStats {
  const sink = new StatsSink();
  const warnings: SourceWarning[] = [];
  const parser = new CandumpParser(sink, {
    file,
    maxWarnings: opts.maxWarnings ?? 20,
    onWarning: (w) => {
      warnings.push(w);
      opts.onWarning?.(w);
    },
  });
  parser.push(buf);
  parser.end();
  return summarise([file], sink, parser.lines, parser.malformed, warnings);
}

function summarise(files: string[], sink: StatsSink, lines: number, malformed: number, warnings: SourceWarning[]): LogStats {
  const ifaces: IfaceStats[] = [];
  let firstT = Infinity;
  let lastT = -Infinity;
  let errorFrames = 0;
  for (const a of sink.byName.values()) {
    if (a.frames === 0) continue;
    const ids: IdStats[] = [];
    for (const [key, frames] of a.ids) {
      const kind = Math.floor(key / 0x100000000);
      const id = key % 0x100000000;
      const ext = kind === 1;
      const err = kind === 2;
      const hex = err ? (id + 0x20000000).toString(16).toUpperCase().padStart(8, '0') : id.toString(16).toUpperCase().padStart(ext ? 8 : 3, '0');
      ids.push({ id, ext, err, fd: a.fdIds.has(key), frames, hex });
    }
    ids.sort((x, y) => y.frames - x.frames || x.id - y.id);
    ifaces.push({ iface: a.iface, frames: a.frames, errorFrames: a.err, rtrFrames: a.rtr, fdFrames: a.fd, firstT: a.firstT, lastT: a.lastT, ids });
    if (a.firstT < firstT) firstT = a.firstT;
    if (a.lastT > lastT) lastT = a.lastT;
    errorFrames += a.err;
  }
  const frames = sink.frames;
  if (frames === 0) {
    firstT = Number.NaN;
    lastT = Number.NaN;
  }
  const duration = frames > 0 ? lastT - firstT : 0;
  return {
    files,
    lines,
    frames,
    malformed,
    errorFrames,
    firstT,
    lastT,
    duration,
    rate: duration > 0 ? frames / duration : 0,
    backwards: sink.backwards,
    ifaces,
    warnings,
  };
}

/** Human-readable report (what `ubi-edge stats` prints); topIds limits the id table per interface. */
export function formatStats(s: LogStats, topIds = 10): string {
  const out: string[] = [];
  const iso = (t: number): string => (Number.isFinite(t) ? new Date(t * 1000).toISOString() : '-');
  out.push(`files     ${s.files.join(', ')}`);
  out.push(`lines     ${s.lines}   frames ${s.frames}   malformed ${s.malformed}   error frames ${s.errorFrames}`);
  out.push(`time      ${iso(s.firstT)} .. ${iso(s.lastT)}  (log clock)`);
  out.push(`duration  ${s.duration.toFixed(3)} s   rate ${s.rate.toFixed(1)} frames/s`);
  if (s.backwards > 0) out.push(`note      ${s.backwards} frames are earlier than the frame before them`);
  for (const i of s.ifaces) {
    const d = i.lastT - i.firstT;
    out.push('');
    out.push(
      `${i.iface}: ${i.frames} frames, ${i.ids.length} ids, ${d > 0 ? (i.frames / d).toFixed(1) : '0'} frames/s` +
        (i.fdFrames ? `, ${i.fdFrames} FD` : '') +
        (i.rtrFrames ? `, ${i.rtrFrames} RTR` : '') +
        (i.errorFrames ? `, ${i.errorFrames} error frames` : ''),
    );
    for (const id of i.ids.slice(0, topIds)) {
      const rate = d > 0 ? (id.frames / d).toFixed(2) : '-';
      out.push(`  ${id.hex.padStart(8)}${id.err ? ' ERR' : id.fd ? ' FD ' : '    '} ${String(id.frames).padStart(9)}  ${rate.padStart(9)}/s`);
    }
    if (i.ids.length > topIds) out.push(`  ... ${i.ids.length - topIds} more ids`);
  }
  for (const w of s.warnings.slice(0, 20)) out.push(`warning   ${w.where}: ${w.message}`);
  return out.join('\n');
}
