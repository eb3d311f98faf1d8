// A deliberately plain reference reader for candump -L lines (regex + parseFloat + Buffer hex), written
// from can-utils' documented format, to check the byte-level parser against something independent.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { sharedDataDir } from '../support/shared-data.js';
import { gunzipSync } from 'node:zlib';

export interface RefFrame {
  t: number;
  iface: string;
  id: number;
  ext: boolean;
  err: boolean;
  rtr: boolean;
  fd: boolean;
  /** the FD flags digit as written */
  fdFlags: number;
  len: number;
  dlc: number;
  data: number[];
}

const LINE = /^\((\d+\.\d+)\) +(\S+) ([0-9A-Fa-f]{3}|[0-9A-Fa-f]{8})#(.*)$/;

export function refParseLine(line: string): RefFrame | null {
  const m = LINE.exec(line);
  if (!m) return null;
  const [, ts, iface, idHex, rest] = m as unknown as [string, string, string, string, string];
  const raw = parseInt(idHex, 16);
  const err = idHex.length === 8 && (raw & 0x20000000) !== 0;
  const f: RefFrame = {
    t: parseFloat(ts),
    iface,
    id: err ? raw - 0x20000000 : raw,
    ext: idHex.length === 8 && !err,
    err,
    rtr: false,
    fd: false,
    fdFlags: 0,
    len: 0,
    dlc: 0,
    data: [],
  };
  let r: RegExpExecArray | null;
  if ((r = /^[Rr]([0-8])?(?:_([9A-Fa-f]))?$/.exec(rest))) {
    f.rtr = true;
    f.len = r[1] ? Number(r[1]) : 0;
    f.dlc = r[2] ? parseInt(r[2], 16) : 0;
    return f;
  }
  if ((r = /^#([0-7])((?:[0-9A-Fa-f]{2})*)$/.exec(rest))) {
    f.fd = true;
    f.fdFlags = Number(r[1]);
    f.data = [...Buffer.from(r[2]!, 'hex')];
    f.len = f.data.length;
    return f.len <= 64 ? f : null;
  }
  if ((r = /^((?:[0-9A-Fa-f]{2}){0,8})(?:_([9A-Fa-f]))?$/.exec(rest))) {
    f.data = [...Buffer.from(r[1]!, 'hex')];
    f.len = f.data.length;
    if (r[2]) {
      if (f.len !== 8) return null;
      f.dlc = parseInt(r[2], 16);
    }
    return f;
  }
  return null;
}

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'candump');
export const BUNDLED = path.join(ROOT, 'assets', 'logs', '3BA199E2-00000164-00000001-60FE3F04.log.gz');
export const SHARED = path.join(sharedDataDir(), 'candump');

/** Decompresses with tools other than the code under test: zlib for .gz, the xz command for .xz. */
export function decompress(file: string): Buffer {
  if (file.endsWith('.gz')) return gunzipSync(fs.readFileSync(file));
  if (file.endsWith('.xz')) return execFileSync('xz', ['-dc', file], { maxBuffer: 1 << 28 });
  return fs.readFileSync(file);
}

export function hasXz(): boolean {
  try {
    execFileSync('xz', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
