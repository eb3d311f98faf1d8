// Opening candump log files: plain, gzip (.gz, Node's zlib) and xz (the `xz` command; Node has no
// xz decoder). Compression is recognised by the file's magic bytes, not its name, so a mislabelled
// file still reads.
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { PassThrough, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { SourceWarning } from './source.js';
import { CandumpParser, LogCollector, type CandumpLog } from './candump.js';

export type Compression = 'none' | 'gzip' | 'xz';

export interface LogInput {
  /** decompressed bytes */
  stream: Readable;
  compression: Compression;
  /** stops reading and kills a decompressor process; resolves once that process has exited */
  dispose(): Promise<void>;
}

/** bytes per read (and so per parsed chunk) by default: big enough for full-speed parsing */
export const READ_CHUNK = 256 * 1024;

export async function detectCompression(path: string): Promise<Compression> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(6);
    const { bytesRead } = await fh.read(head, 0, 6, 0);
    if (bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
    if (bytesRead === 6 && head.equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
    return 'none';
  } finally {
    await fh.close();
  }
}

/** Opens a log for reading; rejects when the file cannot be opened (ENOENT, EACCES ...). `chunkBytes`
 * is the size of the reads (and of the decompressed chunks). */
export async function openLog(path: string, chunkBytes = READ_CHUNK): Promise<LogInput> {
  const compression = await detectCompression(path);
  if (compression === 'none') {
    const stream = createReadStream(path, { highWaterMark: chunkBytes });
    return {
      stream,
      compression,
      dispose: async () => {
        stream.destroy();
      },
    };
  }
  if (compression === 'gzip') {
    const file = createReadStream(path, { highWaterMark: chunkBytes });
    const gunzip = createGunzip({ chunkSize: chunkBytes });
    file.on('error', (e) => gunzip.destroy(e));
    file.pipe(gunzip);
    return {
      stream: gunzip,
      compression,
      dispose: async () => {
        file.destroy();
        gunzip.destroy();
      },
    };
  }
  return openXz(path, chunkBytes);
}

function openXz(path: string, chunkBytes: number): LogInput {
  const out = new PassThrough({ highWaterMark: chunkBytes });
  const child = spawn('xz', ['-dc', '--', path], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let done = false;
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => {
    if (stderr.length < 2000) stderr += s;
  });
  child.on('error', (e: NodeJS.ErrnoException) => {
    done = true;
    const why =
      e.code === 'ENOENT'
        ? `cannot decompress ${path}: the 'xz' command is not installed (apt install xz-utils), or use a .gz log`
        : `cannot decompress ${path}: ${e.message}`;
    out.destroy(new Error(why));
  });
  // 'close': the process has exited and its stdio pipes are closed (what dispose() waits for)
  let childClosed = false;
  child.once('close', () => (childClosed = true));
  child.stdout.pipe(out, { end: false });
  // end only after both the data and the exit status are in, so a corrupt file is an error
  let exitCode: number | null | undefined;
  let stdoutEnded = false;
  const finish = (): void => {
    if (done || exitCode === undefined || !stdoutEnded) return;
    done = true;
    if (exitCode === 0) out.end();
    else out.destroy(new Error(`cannot decompress ${path}: xz exited with ${exitCode}: ${stderr.trim()}`));
  };
  child.stdout.on('end', () => {
    stdoutEnded = true;
    finish();
  });
  child.on('exit', (code, signal) => {
    exitCode = code ?? (signal ? -1 : 0);
    finish();
  });
  return {
    stream: out,
    compression: 'xz',
    dispose: async () => {
      done = true;
      const running = child.exitCode === null && child.signalCode === null;
      // wait for 'close' so a closed reader leaves no process or pipe behind: also when xz has already
      // exited but its pipes are still closing (a short file read to its end); spawn failures never close
      const wait = !childClosed && child.pid !== undefined;
      const closed = wait ? new Promise<void>((r) => child.once('close', () => r())) : Promise.resolve();
      if (running) child.kill();
      child.stdout.unpipe(out);
      child.stdout.destroy();
      child.stderr.destroy();
      out.destroy();
      await closed;
      // libuv frees the process handle in the close phase, which follows the check phase of the turn
      // 'close' came in: two immediates land after it (one would still see the handle)
      if (wait) await new Promise<void>((r) => setImmediate(() => setImmediate(r)));
    },
  };
}

/** The whole decompressed content of a log file. */
export async function readLogBytes(path: string): Promise<Buffer> {
  const input = await openLog(path);
  try {
    const parts: Buffer[] = [];
    for await (const chunk of input.stream) parts.push(chunk as Buffer);
    return Buffer.concat(parts);
  } finally {
    await input.dispose();
  }
}

export interface ReadOptions {
  vehicle?: string;
  maxWarnings?: number;
  onWarning?: (w: SourceWarning) => void;
  /** rename log interfaces (return undefined to drop one) */
  mapIface?: (logIface: string) => string | undefined;
  /** read size (default READ_CHUNK); a paced replay needs far less than full-speed parsing */
  chunkBytes?: number;
}

export interface CandumpChunk extends Pick<CandumpLog, 'batches' | 'order' | 'frames'> {
  /** totals of the file so far */
  lines: number;
  malformed: number;
}

/**
 * Streams a candump log file as parsed chunks (one per read of the decompressed stream), so memory
 * stays flat whatever the file size. Malformed lines go to onWarning; an unreadable file rejects.
 */
export async function* readCandumpFile(path: string, opts: ReadOptions = {}): AsyncGenerator<CandumpChunk> {
  const input = await openLog(path, opts.chunkBytes);
  const col = new LogCollector(opts.vehicle ?? '', opts.mapIface);
  const parser = new CandumpParser(col, {
    file: path,
    ...(opts.maxWarnings !== undefined ? { maxWarnings: opts.maxWarnings } : {}),
    ...(opts.onWarning ? { onWarning: opts.onWarning } : {}),
  });
  try {
    for await (const chunk of input.stream) {
      parser.push(chunk as Buffer);
      if (col.count > 0) yield { ...col.take(), lines: parser.lines, malformed: parser.malformed };
    }
    parser.end();
    yield { ...col.take(), lines: parser.lines, malformed: parser.malformed };
  } finally {
    await input.dispose();
  }
}
