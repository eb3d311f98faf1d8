// Shared bench input: the real ~40-minute car drive (css-electronics 3BA199E2-*, OBD-II on can0,
// GNSS/IMU on can1) from the workplace's shared data, else the bundled first file; written as one
// plain candump -L log, optionally repeated with rising timestamps (each repetition starts one mean
// frame interval after the previous one ended, as ubi-can-in's loop does).
import fs from 'node:fs';
import path from 'node:path';
import { readCandumpFile } from '../../edge/can/candump-file.js';
import { CandumpEncoder } from '../../edge/can/candump.js';
import { sharedDataDir } from '../../test/support/shared-data.js';

export const ROOT = path.resolve(__dirname, '..', '..', '..');

export function driveFiles(): string[] {
  const env = process.env.UBI_BENCH_LOGS;
  if (env) return env.split(',');
  const dir = path.join(sharedDataDir(), 'candump', 'css-electronics');
  if (fs.existsSync(dir)) {
    const car = fs
      .readdirSync(dir)
      .filter((f) => /^3BA199E2-.*\.log(\.gz|\.xz)?$/.test(f))
      .sort()
      .map((f) => path.join(dir, f));
    if (car.length > 0) return car;
  }
  return [path.join(ROOT, 'assets/logs/3BA199E2-00000164-00000001-60FE3F04.log.gz')];
}

export function gnssDbc(): string {
  return path.join(ROOT, 'assets', 'dbc', 'gnss.dbc');
}

export interface WrittenLog {
  file: string;
  frames: number;
  /** log seconds from the first to the last frame */
  span: number;
  first: number;
}

/** Writes `files` as one plain candump log, `repeat` times with rising timestamps (`gapS` log seconds of
 * silence between repetitions: a parked vehicle, so each repetition is its own trip); at most `limit` frames. */
export async function writeDriveLog(files: string[], out: string, repeat = 1, limit = Infinity, gapS = 0): Promise<WrittenLog> {
  const enc = new CandumpEncoder();
  const fd = fs.openSync(out, 'w');
  let frames = 0;
  let shiftUs = 0;
  let first = Infinity;
  let last = -Infinity;
  try {
    for (let r = 0; r < repeat && frames < limit; r++) {
      let pMin = Infinity;
      let pMax = -Infinity;
      let pFrames = 0;
      for (const f of files) {
        for await (const c of readCandumpFile(f, { vehicle: 'bench' })) {
          const pos = new Uint32Array(c.batches.length);
          for (let k = 0; k < c.order.length && frames < limit; k++) {
            const j = c.order[k]!;
            const b = c.batches[j]!;
            const i = pos[j]!++;
            const t0 = b.t[i]!;
            const t = shiftUs === 0 ? t0 : (Math.round(t0 * 1e6) + shiftUs) / 1e6;
            if (t0 < pMin) pMin = t0;
            if (t0 > pMax) pMax = t0;
            if (t < first) first = t;
            if (t > last) last = t;
            enc.line(t, b.iface, b.id[i]!, b.flags[i]!, b.data, b.offset[i]!, b.len[i]!, b.dlc[i]!);
            frames++;
            pFrames++;
          }
          fs.writeSync(fd, enc.take());
        }
      }
      const span = pMax - pMin;
      shiftUs += Math.round((span + gapS + (pFrames > 1 ? span / (pFrames - 1) : 1)) * 1e6);
    }
  } finally {
    fs.closeSync(fd);
  }
  return { file: out, frames, span: last - first, first };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
