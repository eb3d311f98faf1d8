// SocketCAN frame source (through the `socketcan` addon) and a small paced sender.
//
// What the addon (socketcan 4.3.x, native/can.cc) gives and does not give, and what follows here:
// - Each received frame is one JS object {id, ext?, rtr?, err?, data, ts_sec?, ts_usec?}; the
//   timestamps come from SIOCGSTAMP right after the frame's recv(), i.e. the kernel's receive time.
//   (The very first frame on a socket may carry the ioctl time instead: the kernel only starts
//   stamping packets once a socket asked for stamps.)
// - It reads canfd_frame but throws away recv()'s byte count and the FD flags byte, so a received
//   frame says neither "FD" nor BRS/ESI. We mark a frame FD when its length exceeds 8; an FD frame
//   of 0..8 bytes cannot be told from a classic one through this addon.
// - It always enables CAN_RAW_FD_FRAMES and the full error mask; error frames arrive with err set and
//   the CAN_ERR_* class bits in id. We pass them on (FrameFlag.ERR) and count them, never fatal.
// - It uses recv(), not recvmsg(), so SO_RXQ_OVFL (socket queue overflow count) is not reachable;
//   drops are taken from the interface statistics in sysfs (rx_dropped, rx_over_errors).
// - A listener that throws makes the addon call napi_fatal_exception (process exit), so every
//   callback here is fenced with try/catch.
// - The socket fd is only closed when the channel object is garbage-collected (no close() in the
//   addon); close() below stops the reader thread and drops every reference so that can happen.
// - An interface that goes down leaves the socket bound (ENETDOWN is treated as recoverable and
//   frames flow again after `ip link set up`); an interface that is deleted stops the channel
//   (onStopped), and we reopen with backoff.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Batcher, DEFAULT_BATCH, type BatchOptions, type Lane } from './batcher.js';
import { frameBits } from './busload.js';
import { CANFD_MAX_DLEN, CAN_MAX_DLEN, FrameFlag, type CanFrame, type FrameBatch } from './frame.js';
import type { FrameSource, SourceCounters, SourceState, SourceStatus, SourceWarning } from './source.js';

// ---------------------------------------------------------------------------------------------
// The addon's shape, as far as we use it (its own .d.ts declares the message without timestamps).

interface RawMessage {
  id: number;
  ext?: boolean;
  rtr?: boolean;
  err?: boolean;
  data: Buffer;
  ts_sec?: number;
  ts_usec?: number;
}

interface RawOutMessage {
  id: number;
  ext?: boolean;
  rtr?: boolean;
  fd_brs?: boolean;
  data: Buffer;
}

interface RawChannel {
  addListener(event: 'onMessage', cb: (m: RawMessage) => void): void;
  addListener(event: 'onStopped', cb: () => void): void;
  start(): void;
  stop(): void;
  /** bytes written, or -1 (errno is not exposed) */
  send(m: RawOutMessage): number;
  sendFD(m: RawOutMessage): number;
  setRxFilters(filters: Array<{ id: number; mask: number; invert?: boolean }>): void;
  setErrorFilters(mask: number): void;
}

interface SocketCanAddon {
  createRawChannelWithOptions(
    name: string,
    opts: { timestamps?: boolean; protocol?: number; non_block_send?: boolean },
  ): RawChannel;
}

let addonCache: SocketCanAddon | Error | undefined;

/** An inverted match-all filter: matches no frame (an empty filter list would mean "all"). */
const MATCH_NOTHING = { id: 0, mask: 0, invert: true };

/**
 * Channels stopped but not yet safe to collect. The addon's stop() hands its uv_async handles
 * (embedded in the native object) to uv_close, whose callbacks run in libuv's closing phase; if the
 * object were garbage-collected before that (setImmediate callbacks run earlier in the same loop
 * turn), libuv would touch freed memory (seen: "uv__finish_close: Assertion failed", abort).
 * So a stopped channel stays referenced until a timer of a later loop turn.
 */
const graveyard = new Set<RawChannel>();

function bury(ch: RawChannel): Promise<void> {
  graveyard.add(ch);
  return new Promise((resolve) =>
    setTimeout(() => {
      graveyard.delete(ch);
      resolve();
    }, 5),
  );
}

/** Loads the addon once; a failure is remembered and reported as a reason, never thrown. */
function loadAddon(): SocketCanAddon | Error {
  if (addonCache === undefined) {
    try {
      addonCache = require('socketcan') as SocketCanAddon;
    } catch (e) {
      addonCache = new Error(`the socketcan addon does not load: ${errText(e)}`);
    }
  }
  return addonCache;
}

// ---------------------------------------------------------------------------------------------
// Kernel constants (linux/can.h, linux/can/error.h, linux/if_arp.h)

const CAN_EFF_FLAG = 0x80000000;
const CAN_ERR_FLAG = 0x20000000;
const CAN_SFF_MASK = 0x7ff;
const CAN_EFF_MASK = 0x1fffffff;
const CAN_ERR_MASK = 0x1fffffff;
const CAN_ERR_BUSOFF = 0x40;
const CAN_ERR_RESTARTED = 0x100;
const ARPHRD_CAN = 280;
const CANFD_MTU = 72;
const IFF_UP = 0x1;
const IFNAMSIZ = 16;
const FD_LENGTHS = new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 20, 24, 32, 48, 64]);

// ---------------------------------------------------------------------------------------------
// sysfs: interface existence, state and the kernel's drop counters

export interface IfaceInfo {
  exists: boolean;
  ifindex?: number;
  /** ARPHRD_* type (280 for CAN) */
  type?: number;
  mtu?: number;
  up?: boolean;
  /** undefined when the kernel does not say (e.g. while down) */
  carrier?: boolean;
  /** rx_dropped + rx_over_errors: frames the kernel or the controller lost */
  lost?: number;
}

function readSys(iface: string, file: string): string | undefined {
  try {
    return fs.readFileSync(`/sys/class/net/${iface}/${file}`, 'latin1').trim();
  } catch {
    return undefined;
  }
}

function readSysInt(iface: string, file: string): number | undefined {
  const s = readSys(iface, file);
  if (s === undefined || s === '') return undefined;
  const n = s.startsWith('0x') ? parseInt(s.slice(2), 16) : Number(s);
  return Number.isFinite(n) ? n : undefined;
}

/** What sysfs says about a network interface (a few small reads; cheap enough to poll). */
export function interfaceInfo(iface: string): IfaceInfo {
  const ifindex = readSysInt(iface, 'ifindex');
  if (ifindex === undefined) return { exists: false };
  const flags = readSysInt(iface, 'flags');
  const carrier = readSysInt(iface, 'carrier');
  const dropped = readSysInt(iface, 'statistics/rx_dropped');
  const over = readSysInt(iface, 'statistics/rx_over_errors');
  const info: IfaceInfo = { exists: true, ifindex };
  const type = readSysInt(iface, 'type');
  const mtu = readSysInt(iface, 'mtu');
  if (type !== undefined) info.type = type;
  if (mtu !== undefined) info.mtu = mtu;
  if (flags !== undefined) info.up = (flags & IFF_UP) !== 0;
  if (carrier !== undefined) info.carrier = carrier !== 0;
  if (dropped !== undefined || over !== undefined) info.lost = (dropped ?? 0) + (over ?? 0);
  return info;
}

/** Why a CAN socket cannot be opened, when the cause is visible from here. */
function canSupportProblem(): string | undefined {
  if (process.platform !== 'linux') return `SocketCAN needs Linux (this is ${process.platform})`;
  // /proc/net/can appears when the kernel's CAN core (can.ko) is loaded; a kernel without it
  // (CONFIG_CAN unset) also has no vcan/can devices, so the interface check usually fires first.
  if (!fs.existsSync('/proc/net/can')) return 'the kernel has no SocketCAN support (AF_CAN; CONFIG_CAN/can.ko missing)';
  return undefined;
}

function validIfaceName(name: string): boolean {
  return name.length > 0 && name.length < IFNAMSIZ && !/[\s/:]/.test(name) && name !== '.' && name !== '..';
}

// ---------------------------------------------------------------------------------------------
// Source

export interface SocketCanFilter {
  id: number;
  mask: number;
  /** true: 29-bit frames only; false: 11-bit only; absent: 29-bit when id > 0x7FF, else 11-bit */
  ext?: boolean;
}

export interface SocketCanInterface {
  name: string;
  /** nominal bit rate, for bus-load estimates only (the interface is configured by the system) */
  bitrate?: number;
  /** the bus is CAN FD: warns when the interface's MTU does not allow FD frames */
  fd?: boolean;
  /** kernel receive filters; none: everything. Error frames always pass. */
  filters?: SocketCanFilter[];
}

export interface SocketCanSourceOptions {
  vehicle: string;
  interfaces: SocketCanInterface[];
  batch?: BatchOptions;
  /** reopen backoff (exponential, with jitter) */
  retry?: { initialMs: number; maxMs: number };
  /** how often the interfaces' state and drop counters are read from sysfs (addition; default 1000) */
  healthMs?: number;
}

/** One interface's figures, for the `gateway` measurement and node status (addition to FrameSource). */
export interface InterfaceCounters {
  iface: string;
  bitrate: number;
  state: SourceState;
  reason?: string;
  frames: number;
  errorFrames: number;
  dropped: number;
  /** estimated wire bits of the data frames so far (busload.ts) */
  bits: number;
}

const DEFAULT_RETRY = { initialMs: 500, maxMs: 30_000 };
const STATE_RANK: Record<SourceState, number> = { running: 0, ended: 0, starting: 1, retrying: 2, down: 3, closed: 4 };

/** Per-interface reader: one socket, its state, retry timer and counters. */
class Port {
  state: SourceState = 'starting';
  reason: string | undefined;
  channel: RawChannel | undefined;
  /** what the addon's listeners reach: cut on close so the channel is collectable (see top) */
  private sink: { port: Port | null } | undefined;
  private ifindex: number | undefined;
  private lostBase: number | undefined;
  private attempts = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private busOff = false;
  private warnedMtu = false;
  private warnedStamp = false;
  private lastT = 0;
  /** resolves once the last dropped channel may be collected safely */
  buried: Promise<void> = Promise.resolve();
  frames = 0;
  errorFrames = 0;
  dropped = 0;
  errBits = 0;
  readonly bitrate: number;
  private readonly filters: Array<{ id: number; mask: number; invert?: boolean }> | undefined;
  private readonly configError: string | undefined;

  constructor(
    private readonly src: SocketCanSource,
    readonly cfg: SocketCanInterface,
    readonly lane: Lane,
  ) {
    const b = cfg.bitrate;
    this.bitrate = typeof b === 'number' && Number.isFinite(b) && b > 0 ? b : 500_000;
    if (b !== undefined && this.bitrate !== b) this.src.warn(cfg.name, `bitrate ${String(b)} is not a positive number; using 500000`);
    if (!validIfaceName(cfg.name)) this.configError = `"${cfg.name}" is not a valid interface name`;
    this.filters = this.kernelFilters();
  }

  get name(): string {
    return this.cfg.name;
  }

  /** Filters as the kernel wants them; a bad entry is reported and skipped. */
  private kernelFilters(): Array<{ id: number; mask: number; invert?: boolean }> | undefined {
    const list = this.cfg.filters;
    if (!list || list.length === 0) return undefined;
    const out: Array<{ id: number; mask: number; invert?: boolean }> = [];
    list.forEach((f, i) => {
      const where = `${this.name} filter ${i + 1}`;
      if (!f || !Number.isInteger(f.id) || !Number.isInteger(f.mask) || f.id < 0 || f.mask < 0) {
        this.src.warn(where, `id and mask must be non-negative integers (got ${JSON.stringify(f)}); filter skipped`);
        return;
      }
      const ext = f.ext ?? f.id > CAN_SFF_MASK;
      const limit = ext ? CAN_EFF_MASK : CAN_SFF_MASK;
      if (f.id > limit || f.mask > limit) {
        this.src.warn(where, `id 0x${f.id.toString(16)} / mask 0x${f.mask.toString(16)} do not fit a ${ext ? '29' : '11'}-bit id; filter skipped`);
        return;
      }
      // The EFF bit in the mask makes the kernel tell 11-bit from 29-bit ids (else 0x123 would also
      // match the 29-bit id 0x00000123). RTR frames pass when their id matches.
      out.push({ id: ext ? (f.id | CAN_EFF_FLAG) >>> 0 : f.id, mask: (f.mask | CAN_EFF_FLAG) >>> 0 });
    });
    if (out.length === 0) {
      this.src.warn(this.name, 'no usable receive filter: receiving no data frames (error frames still pass)');
      out.push(MATCH_NOTHING);
    }
    return out;
  }

  /** open() that cannot throw (it runs from timers): an unexpected failure becomes a retry */
  safeOpen(): void {
    try {
      this.open();
    } catch (e) {
      this.drop();
      this.retryLater(`unexpected failure while opening (${errText(e)})`);
    }
  }

  private open(): void {
    this.retryTimer = undefined;
    if (this.src.closed) return;
    if (this.configError) {
      this.setState('down', `${this.name}: ${this.configError}`);
      return;
    }
    const addon = loadAddon();
    if (addon instanceof Error) return this.retryLater(addon.message);
    const info = interfaceInfo(this.name);
    if (!info.exists) return this.retryLater('interface does not exist');
    if (info.type !== undefined && info.type !== ARPHRD_CAN) return this.retryLater(`not a CAN interface (link type ${info.type})`);
    if (this.cfg.fd && info.mtu !== undefined && info.mtu < CANFD_MTU && !this.warnedMtu) {
      this.warnedMtu = true;
      this.src.warn(this.name, `configured for CAN FD but the interface MTU is ${info.mtu}; FD frames cannot arrive (ip link set ${this.name} mtu 72)`);
    }
    let ch: RawChannel;
    try {
      ch = addon.createRawChannelWithOptions(this.name, { timestamps: true, non_block_send: true });
    } catch (e) {
      return this.retryLater(canSupportProblem() ?? `cannot open a CAN socket (${errText(e)})`);
    }
    const sink: { port: Port | null } = { port: this };
    try {
      if (this.filters) ch.setRxFilters(this.filters);
      ch.setErrorFilters(CAN_ERR_MASK);
      ch.addListener('onMessage', (m: RawMessage) => sink.port?.onMessage(m));
      ch.addListener('onStopped', () => {
        try {
          sink.port?.onStopped();
        } catch (e) {
          this.src.warn(this.name, `handling the socket's end failed: ${errText(e)}`);
        }
      });
      ch.start();
    } catch (e) {
      sink.port = null;
      this.buried = bury(ch);
      return this.retryLater(`cannot start reading (${errText(e)})`);
    }
    this.channel = ch;
    this.sink = sink;
    this.ifindex = info.ifindex;
    this.lostBase = info.lost;
    this.busOff = false;
    this.attempts = 0;
    this.check(info);
  }

  private retryLater(why: string): void {
    if (this.src.closed) return;
    const { initialMs, maxMs } = this.src.retry;
    const base = Math.min(maxMs, initialMs * 2 ** Math.min(this.attempts, 30));
    // "equal jitter": half fixed, half random, so several gateways do not retry in step
    const delay = Math.round(base / 2 + (Math.random() * base) / 2);
    this.attempts++;
    this.setState('retrying', `${this.name}: ${why}; retrying in ${fmtMs(delay)}`);
    this.retryTimer = setTimeout(() => this.safeOpen(), delay);
  }

  /** Reads sysfs: link state, removal/re-creation, kernel drop counters. */
  check(info = interfaceInfo(this.name)): void {
    if (!this.channel) return;
    if (!info.exists || info.ifindex !== this.ifindex) {
      // deleted (or deleted and re-created under the same name): the socket is bound to the old one
      this.drop();
      this.retryLater(info.exists ? 'interface was re-created' : 'interface disappeared');
      return;
    }
    if (info.lost !== undefined) {
      if (this.lostBase === undefined || info.lost < this.lostBase) this.lostBase = info.lost;
      const d = info.lost - this.lostBase;
      if (d > 0) {
        this.dropped += d;
        this.lostBase = info.lost;
        this.src.warn(this.name, `the kernel dropped ${d} received frame(s) (rx_dropped/rx_over_errors), ${this.dropped} in all`);
      }
    }
    if (info.up === false) this.setState('down', `${this.name}: link is down (waiting for it to come up)`);
    else if (this.busOff) this.setState('down', `${this.name}: bus-off (controller reported it; waiting for restart)`);
    else if (info.carrier === false) this.setState('down', `${this.name}: no carrier (bus-off or controller stopped)`);
    else this.setState('running', undefined);
  }

  onMessage(m: RawMessage): void {
    try {
      let t: number;
      const sec = m.ts_sec;
      const usec = m.ts_usec;
      if (typeof sec === 'number' && typeof usec === 'number') {
        t = (sec * 1e6 + usec) / 1e6;
        this.lastT = t;
      } else {
        // no kernel stamp (SIOCGSTAMP failed): keep order, never substitute the host clock
        t = this.lastT;
        if (!this.warnedStamp) {
          this.warnedStamp = true;
          this.src.warn(`${this.name} id 0x${(m.id >>> 0).toString(16)}`, 'frame without a kernel timestamp; using the previous frame\'s time');
        }
      }
      const data = m.data;
      const len = data.length;
      let flags = 0;
      if (m.ext) flags |= FrameFlag.EXT;
      if (m.rtr) flags |= FrameFlag.RTR;
      if (len > CAN_MAX_DLEN) flags |= FrameFlag.FD;
      if (m.err) {
        flags |= FrameFlag.ERR;
        this.errorFrames++;
        this.errBits += frameBits(flags, len);
        this.onErrorFrame(m.id);
      } else {
        this.frames++;
        if (this.busOff) this.clearBusOff();
      }
      this.src.batcher.push(this.lane, t, m.id >>> 0, flags, data, 0, len);
    } catch (e) {
      this.src.warn(`${this.name} id 0x${(Number(m?.id) >>> 0).toString(16)}`, `frame skipped: ${errText(e)}`);
    }
  }

  private onErrorFrame(cls: number): void {
    if (cls & CAN_ERR_BUSOFF) {
      this.busOff = true;
      if (this.state === 'running') this.setState('down', `${this.name}: bus-off (error frame 0x${cls.toString(16)}; waiting for restart)`);
    } else if (cls & CAN_ERR_RESTARTED && this.busOff) {
      this.clearBusOff();
    }
  }

  private clearBusOff(): void {
    this.busOff = false;
    // not from inside the addon's receive callback: check() may stop the channel
    setImmediate(() => {
      if (!this.src.closed) this.check();
    });
  }

  onStopped(): void {
    // the addon's reader thread ended on a socket error it treats as fatal (e.g. interface deleted).
    // We are inside the addon's own stop sequence: calling stop() again here would run it twice
    // and unbalance its reference count (a pending "Unknown failure" that surfaces in a later call).
    this.drop(false);
    this.retryLater('socket closed by the kernel (interface removed?)');
  }

  /** Stops the socket's reader (unless the addon is already doing so) and lets go of it. */
  drop(stop = true): void {
    const ch = this.channel;
    if (this.sink) this.sink.port = null;
    this.sink = undefined;
    this.channel = undefined;
    if (!ch) return;
    try {
      // the fd stays open until the object is collected: make it receive nothing meanwhile
      ch.setRxFilters([MATCH_NOTHING]);
      ch.setErrorFilters(0);
    } catch {
      // socket already invalid: it receives nothing anyway
    }
    if (stop) {
      try {
        ch.stop();
      } catch {
        // the reader thread had already ended: nothing left to stop
      }
    }
    this.buried = bury(ch);
  }

  close(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.drop();
    this.state = 'closed';
    this.reason = undefined;
  }

  private setState(state: SourceState, reason: string | undefined): void {
    if (state === this.state && reason === this.reason) return;
    this.state = state;
    this.reason = reason;
    this.src.portChanged(this);
  }
}

/**
 * Reads one or more SocketCAN interfaces of one vehicle and emits FrameBatches (one per interface
 * and flush). Events: 'batch', 'status', 'warning'. Never throws from its callbacks.
 */
export class SocketCanSource extends EventEmitter implements FrameSource {
  readonly retry: { initialMs: number; maxMs: number };
  readonly batcher: Batcher;
  closed = false;
  private readonly ports: Port[] = [];
  private started = false;
  private batches = 0;
  private healthTimer: NodeJS.Timeout | undefined;
  private readonly healthMs: number;
  private current: SourceStatus = { state: 'starting' };
  private early: SourceWarning[] = [];
  private opening = false;

  constructor(opts: SocketCanSourceOptions) {
    super();
    const r = opts.retry;
    this.retry =
      r && Number.isFinite(r.initialMs) && r.initialMs > 0 && Number.isFinite(r.maxMs) && r.maxMs >= r.initialMs
        ? { initialMs: r.initialMs, maxMs: r.maxMs }
        : DEFAULT_RETRY;
    this.healthMs = opts.healthMs !== undefined && opts.healthMs >= 10 ? opts.healthMs : 1000;
    this.batcher = new Batcher(String(opts.vehicle ?? ''), opts.batch ?? DEFAULT_BATCH, (b) => this.onBatch(b));
    const seen = new Set<string>();
    for (const cfg of Array.isArray(opts.interfaces) ? opts.interfaces : []) {
      const name = String(cfg?.name ?? '');
      if (seen.has(name)) {
        this.warn(name, 'interface listed twice; reading it once');
        continue;
      }
      seen.add(name);
      this.ports.push(new Port(this, { ...cfg, name }, this.batcher.lane(name)));
    }
    if (r && this.retry === DEFAULT_RETRY) this.warn('retry', `unusable retry ${JSON.stringify(r)}; using ${JSON.stringify(DEFAULT_RETRY)}`);
  }

  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    for (const w of this.early.splice(0)) this.safeEmit('warning', w);
    if (this.ports.length === 0) {
      this.current = { state: 'down', reason: 'no CAN interface configured' };
      this.safeEmit('status', this.current);
      return;
    }
    this.opening = true;
    for (const p of this.ports) p.safeOpen();
    this.opening = false;
    this.healthTimer = setInterval(() => this.health(), this.healthMs);
    this.portChanged();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.healthTimer) clearInterval(this.healthTimer);
    this.healthTimer = undefined;
    // close() may be called from a 'batch' listener, i.e. inside the addon's receive callback, where
    // stopping its channel would pull the reader out from under it: stop on a fresh turn instead
    await new Promise<void>((resolve) => setImmediate(resolve));
    for (const p of this.ports) {
      if (p.channel) this.health1(p); // last drop-counter read
      p.close();
    }
    this.batcher.close();
    this.current = { state: 'closed' };
    this.safeEmit('status', this.current);
    await Promise.all(this.ports.map((p) => p.buried));
  }

  counters(): SourceCounters {
    let frames = 0;
    let errorFrames = 0;
    let dropped = 0;
    let errBits = 0;
    for (const p of this.ports) {
      frames += p.frames;
      errorFrames += p.errorFrames;
      dropped += p.dropped;
      errBits += p.errBits;
    }
    let bits = 0;
    for (const b of this.batcher.bitsByIface().values()) bits += b;
    return { frames, errorFrames, dropped, malformed: 0, batches: this.batches, bits: bits - errBits };
  }

  /** Per-interface figures and state (addition to FrameSource). */
  interfaceCounters(): InterfaceCounters[] {
    const bitsBy = this.batcher.bitsByIface();
    return this.ports.map((p) => {
      const c: InterfaceCounters = {
        iface: p.name,
        bitrate: p.bitrate,
        state: p.state,
        frames: p.frames,
        errorFrames: p.errorFrames,
        dropped: p.dropped,
        bits: (bitsBy.get(p.name) ?? 0) - p.errBits,
      };
      if (p.reason) c.reason = p.reason;
      return c;
    });
  }

  status(): SourceStatus {
    return { ...this.current };
  }

  /** @internal a port's state changed: recompute and announce the source's status */
  portChanged(_p?: Port): void {
    if (this.closed || !this.started || this.opening) return;
    let worst: Port | undefined;
    for (const p of this.ports) if (!worst || STATE_RANK[p.state] > STATE_RANK[worst.state]) worst = p;
    if (!worst) return;
    const bad = this.ports.filter((p) => p.state !== 'running');
    const next: SourceStatus = { state: worst.state };
    if (bad.length > 0) {
      next.iface = bad.map((p) => p.name).join(',');
      const reasons = bad.map((p) => p.reason ?? `${p.name}: ${p.state}`);
      next.reason = reasons.join('; ');
    }
    const c = this.current;
    if (c.state === next.state && c.reason === next.reason && c.iface === next.iface) return;
    this.current = next;
    this.safeEmit('status', { ...next });
  }

  /** @internal reported at once, or on start() when found while constructing (no listener yet) */
  warn(where: string, message: string): void {
    const w: SourceWarning = { where, message };
    if (!this.started) this.early.push(w);
    else this.safeEmit('warning', w);
  }

  private health(): void {
    for (const p of this.ports) this.health1(p);
  }

  private health1(p: Port): void {
    try {
      p.check();
    } catch (e) {
      this.warn(p.name, `health check failed: ${errText(e)}`);
    }
  }

  private onBatch(b: FrameBatch): void {
    this.batches++;
    this.safeEmit('batch', b);
  }

  /** A listener's exception must not reach the addon (it would end the process): report it. */
  private safeEmit(event: 'batch' | 'status' | 'warning', arg: unknown): void {
    try {
      this.emit(event, arg);
    } catch (e) {
      if (event === 'warning') return;
      try {
        this.emit('warning', { where: `'${event}' listener`, message: `threw: ${errText(e)}` } satisfies SourceWarning);
      } catch {
        // a throwing warning listener: nothing sensible left to tell
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Sender (CLI `replay --iface`, tests)

export interface CanSenderOptions {
  /** pace: at most this many frames per second */
  framesPerSecond?: number;
  /** pace: as a bus at this bit rate would carry the frames (estimated wire bits, busload.ts) */
  bitrate?: number;
  /** frames that may leave back to back before pacing holds the next one (default 16) */
  burst?: number;
  /** how long a frame the kernel refuses (tx queue full) is retried before send() rejects (default 1000) */
  sendTimeoutMs?: number;
}

export interface CanSender {
  readonly iface: string;
  /** the interface's MTU allows CAN FD frames */
  readonly fdCapable: boolean;
  /** frames handed to the kernel so far */
  readonly sent: number;
  /**
   * Queues a frame (frames leave in call order, paced if asked). Resolves once the kernel took it;
   * rejects with an error naming the interface and CAN id. Error frames (err) are sent with CAN_ERR_FLAG.
   */
  send(f: CanFrame): Promise<void>;
  /** Resolves when everything queued so far has been sent or has failed. */
  flush(): Promise<void>;
  /** Stops sending (queued frames reject) and lets go of the socket. */
  close(): void;
}

class Sender implements CanSender {
  sent = 0;
  readonly fdCapable: boolean;
  private tail: Promise<void> = Promise.resolve();
  private closed = false;
  private nextAt = 0;
  private readonly perFrame: number | undefined;
  private readonly perBit: number | undefined;
  private readonly burst: number;
  private readonly sendTimeoutMs: number;

  constructor(
    readonly iface: string,
    private channel: RawChannel | undefined,
    mtu: number | undefined,
    opts: CanSenderOptions,
  ) {
    this.fdCapable = mtu === undefined || mtu >= CANFD_MTU;
    if (opts.framesPerSecond !== undefined && opts.framesPerSecond > 0) this.perFrame = 1 / opts.framesPerSecond;
    if (opts.bitrate !== undefined && opts.bitrate > 0) this.perBit = 1 / opts.bitrate;
    this.burst = opts.burst !== undefined && opts.burst >= 1 ? opts.burst : 16;
    this.sendTimeoutMs = opts.sendTimeoutMs !== undefined && opts.sendTimeoutMs >= 0 ? opts.sendTimeoutMs : 1000;
  }

  send(f: CanFrame): Promise<void> {
    const p = this.tail.then(() => this.sendOne(f));
    this.tail = p.catch(() => undefined);
    return p;
  }

  flush(): Promise<void> {
    return this.tail;
  }

  close(): void {
    this.closed = true;
    // never started, so there is no reader thread; the fd closes when the object is collected
    this.channel = undefined;
  }

  private async sendOne(f: CanFrame): Promise<void> {
    const out = this.encode(f);
    const what = `${this.iface} id 0x${(Number(f?.id) >>> 0).toString(16)}`;
    if (typeof out === 'string') throw new Error(`${what}: ${out}`);
    await this.pace(out.cost);
    const deadline = performance.now() + this.sendTimeoutMs;
    for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
      if (this.closed || !this.channel) throw new Error(`${what}: sender is closed`);
      let n: number;
      try {
        n = out.fd ? this.channel.sendFD(out.msg) : this.channel.send(out.msg);
      } catch (e) {
        throw new Error(`${what}: ${errText(e)}`);
      }
      if (n > 0) {
        this.sent++;
        return;
      }
      const info = interfaceInfo(this.iface);
      if (!info.exists) throw new Error(`${what}: interface does not exist`);
      if (info.up === false) throw new Error(`${what}: interface is down`);
      if (out.fd && info.mtu !== undefined && info.mtu < CANFD_MTU) throw new Error(`${what}: CAN FD frame but the interface MTU is ${info.mtu}`);
      if (performance.now() >= deadline) throw new Error(`${what}: the kernel refused the frame for ${this.sendTimeoutMs} ms (tx queue full?)`);
      await sleep(wait);
    }
  }

  /** Waits until the pace allows a frame costing `cost` seconds of wire time. */
  private async pace(cost: number): Promise<void> {
    if (cost <= 0) return;
    let now = performance.now() / 1000;
    const window = this.burst * cost;
    if (this.nextAt < now - window) this.nextAt = now - window;
    while (this.nextAt > now) {
      await sleep(Math.max(1, Math.ceil((this.nextAt - now) * 1000)));
      now = performance.now() / 1000;
    }
    this.nextAt += cost;
  }

  private encode(f: CanFrame): { msg: RawOutMessage; fd: boolean; cost: number } | string {
    if (!f || typeof f !== 'object') return 'not a frame object';
    const id = f.id;
    const ext = !!f.ext;
    if (!Number.isInteger(id) || id < 0 || id > (ext ? CAN_EFF_MASK : CAN_SFF_MASK)) {
      return `id ${String(id)} is out of range for ${ext ? 'a 29-bit' : 'an 11-bit'} id`;
    }
    const data = f.data instanceof Uint8Array ? f.data : undefined;
    if (!data && !f.rtr) return 'data is not a Uint8Array';
    const fd = !!f.fd;
    let msg: RawOutMessage;
    let flags = (ext ? FrameFlag.EXT : 0) | (fd ? FrameFlag.FD : 0);
    let len: number;
    if (fd) {
      if (f.rtr) return 'CAN FD frames have no RTR';
      if (!this.fdCapable) return 'CAN FD frame but the interface is not CAN FD capable (MTU 16)';
      len = data!.length;
      if (len > CANFD_MAX_DLEN || !FD_LENGTHS.has(len)) return `CAN FD payload of ${len} bytes (valid: 0..8, 12, 16, 20, 24, 32, 48, 64)`;
      msg = { id, ext, fd_brs: !!f.brs, data: Buffer.from(data!.buffer, data!.byteOffset, len) };
      if (f.brs) flags |= FrameFlag.BRS;
    } else if (f.rtr) {
      len = f.dlc ?? data?.length ?? 0;
      if (!Number.isInteger(len) || len < 0 || len > CAN_MAX_DLEN) return `RTR length ${String(len)} (0..8)`;
      msg = { id, ext, rtr: true, data: Buffer.alloc(len) };
      flags |= FrameFlag.RTR;
    } else {
      len = data!.length;
      if (len > CAN_MAX_DLEN) return `classic CAN payload of ${len} bytes (max 8; set fd for CAN FD)`;
      // the addon cannot set len8_dlc (DLC 9..15): such frames go out with DLC 8
      msg = { id: f.err ? (id | CAN_ERR_FLAG) >>> 0 : id, ext: f.err ? false : ext, data: Buffer.from(data!.buffer, data!.byteOffset, len) };
    }
    let cost = 0;
    if (this.perFrame !== undefined) cost = this.perFrame;
    if (this.perBit !== undefined) cost = Math.max(cost, frameBits(flags, len) * this.perBit);
    return { msg, fd, cost };
  }
}

/**
 * Opens a raw CAN socket on iface for sending. Throws an Error naming the interface when it cannot
 * (no such interface, no SocketCAN in the kernel, addon missing). The socket receives nothing.
 */
export function openCanSender(iface: string, opts: CanSenderOptions = {}): CanSender {
  if (!validIfaceName(String(iface))) throw new Error(`"${String(iface)}" is not a valid interface name`);
  const addon = loadAddon();
  if (addon instanceof Error) throw new Error(`${iface}: ${addon.message}`);
  const info = interfaceInfo(iface);
  if (!info.exists) throw new Error(`${iface}: interface does not exist`);
  if (info.type !== undefined && info.type !== ARPHRD_CAN) throw new Error(`${iface}: not a CAN interface (link type ${info.type})`);
  let ch: RawChannel;
  try {
    // non-blocking: a full tx queue must not freeze the event loop; sendOne retries instead
    ch = addon.createRawChannelWithOptions(iface, { timestamps: false, non_block_send: true });
  } catch (e) {
    throw new Error(`${iface}: ${canSupportProblem() ?? `cannot open a CAN socket (${errText(e)})`}`);
  }
  try {
    // receive nothing: no frame, no error class
    ch.setRxFilters([MATCH_NOTHING]);
    ch.setErrorFilters(0);
  } catch {
    // only costs memory (an unread receive queue); sending still works
  }
  return new Sender(iface, ch, info.mtu, opts);
}

// ---------------------------------------------------------------------------------------------

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function fmtMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
