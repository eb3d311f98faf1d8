// Helpers for the tests that run inside the VM (root, real kernel CAN, vcan0 = CAN FD, vcan1 = classic).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { toFrames, type CanFrame, type FrameBatch } from '../../../edge/can/frame.js';
import type { SourceStatus, SourceWarning } from '../../../edge/can/source.js';
import type { SocketCanSource } from '../../../edge/can/socketcan-source.js';

export function inVm(): boolean {
  return process.env.UBI_VM === '1';
}

export function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export function ifaceExists(name: string): boolean {
  return fs.existsSync(`/sys/class/net/${name}`);
}

/** Creates a vcan interface (CAN FD MTU when fd) and brings it up; replaces an existing one. */
export function addVcan(name: string, fd = false): void {
  if (ifaceExists(name)) ip('link', 'del', name);
  ip('link', 'add', 'dev', name, 'type', 'vcan');
  if (fd) ip('link', 'set', name, 'mtu', '72');
  ip('link', 'set', name, 'up');
}

export function delIface(name: string): void {
  if (ifaceExists(name)) ip('link', 'del', name);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** Everything a source emits, kept for assertions. */
export class Recorder {
  batches: FrameBatch[] = [];
  frames: Array<CanFrame & { iface: string }> = [];
  statuses: SourceStatus[] = [];
  warnings: SourceWarning[] = [];

  constructor(src: SocketCanSource) {
    src.on('batch', (b: FrameBatch) => {
      this.batches.push(b);
      for (const f of toFrames(b)) this.frames.push({ ...f, iface: b.iface });
    });
    src.on('status', (s: SourceStatus) => this.statuses.push(s));
    src.on('warning', (w: SourceWarning) => this.warnings.push(w));
  }

  lastStatus(): SourceStatus | undefined {
    return this.statuses[this.statuses.length - 1];
  }

  dataFrames(): Array<CanFrame & { iface: string }> {
    return this.frames.filter((f) => !f.err);
  }
}

export function hex(d: Uint8Array): string {
  return Buffer.from(d).toString('hex');
}

export function bytes(h: string): Uint8Array {
  return new Uint8Array(Buffer.from(h, 'hex'));
}

/** Frame with a sequence number in its first 4 bytes (for loss/order checks). */
export function seqFrame(id: number, n: number, len = 8): CanFrame {
  const data = new Uint8Array(len);
  new DataView(data.buffer).setUint32(0, n);
  return { t: 0, id, ext: false, fd: len > 8, data };
}

export function seqOf(f: CanFrame): number {
  return new DataView(f.data.buffer, f.data.byteOffset, f.data.byteLength).getUint32(0);
}

/** Open socket fds of this process (the addon closes its fd only when the channel is collected). */
export function socketFds(): number {
  let n = 0;
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      if (fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:')) n++;
    } catch {
      // fd closed while listing
    }
  }
  return n;
}
