// OBD-II poller: asks the vehicle's ECUs for service 01 PIDs on the functional request id 0x7DF
// (SAE J1979 / ISO 15765-4), each PID at its configured rate, through a CanSender.
//
// This is I/O, not the engine: it schedules on the host clock (injectable for tests). It is polite
// to the bus:
// - one request in flight at a time; the next waits for an answer or the response timeout
//   (J1979's P2CAN is 50 ms; default 100 ms);
// - the request plus the answer it draws (two 8-byte frames, busload.ts estimate) never take more
//   than `busShare` of the bus (default 5 %): requests are spaced by at least that much time, and
//   PIDs are served earliest-due first, so when the configured rates do not fit, every PID slows down
//   rather than some starving;
// - after `missesBeforeBackoff` requests in a row get no answer (ignition off, no OBD on this bus),
//   it backs off: one probe after 1 s, then 2 s, 4 s ... up to 60 s, until an ECU answers;
// - close() cancels its timer and sends nothing more.
// Answers are seen through observe(batch) (frames of the same bus, e.g. from the SocketCanSource).

import { frameBits } from './busload.js';
import type { CanFrame, FrameBatch } from './frame.js';
import { FrameFlag } from './frame.js';
import type { CanSender } from './socketcan-source.js';

export interface ObdPollPid {
  /** service 01 PID (0x00..0xFF) */
  pid: number;
  /** requests per second */
  hz: number;
}

/** The host clock and timers (milliseconds); tests pass a virtual one. */
export interface PollerClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface ObdPollerOptions {
  pids: ObdPollPid[];
  /** nominal bit rate of the bus (default 500000) */
  bitrate?: number;
  /** largest share of the bus the requests and their answers may take (default 0.05) */
  busShare?: number;
  /** how long to wait for an answer (default 100 ms) */
  responseTimeoutMs?: number;
  /** requests without an answer, in a row, before backing off (default 3) */
  missesBeforeBackoff?: number;
  /** first and longest backoff (default 1000 and 60000 ms) */
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /** request id (default 0x7DF, functional, 11-bit) */
  requestId?: number;
  /** padding of the unused request bytes (ISO 15765-2 recommends 0xCC) */
  padding?: number;
  clock?: PollerClock;
}

export type ObdPollerState = 'idle' | 'polling' | 'backoff' | 'closed';

export interface ObdPollerStats {
  state: ObdPollerState;
  /** requests handed to the sender */
  sent: number;
  answered: number;
  /** requests that got no answer in time */
  missed: number;
  /** sends the sender rejected (counted as misses too) */
  sendErrors: number;
  /** current backoff (0 when polling normally) */
  backoffMs: number;
  /** minimum spacing of requests that keeps within busShare */
  minGapMs: number;
  /** sum of the configured rates, and the most the bus share allows */
  requestedHz: number;
  maxHz: number;
}

const realClock: PollerClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

interface Slot {
  readonly pid: number;
  readonly periodMs: number;
  dueMs: number;
}

function check(cond: boolean, msg: string): void {
  if (!cond) throw new RangeError(`OBD poller: ${msg}`);
}

export class ObdPoller {
  private readonly slots: Slot[];
  private readonly clock: PollerClock;
  private readonly sender: Pick<CanSender, 'send'>;
  private readonly responseTimeoutMs: number;
  private readonly missesBeforeBackoff: number;
  private readonly backoffMinMs: number;
  private readonly backoffMaxMs: number;
  private readonly requestId: number;
  private readonly padding: number;
  private readonly minGapMs: number;
  private readonly requestedHz: number;
  private state: ObdPollerState = 'idle';
  private timer: unknown = undefined;
  private inFlight: { pid: number; seq: number } | undefined;
  private seq = 0;
  /** the sender has not taken the last request yet (its queue is slow): do not pile more on it */
  private sendPending = false;
  private nextAllowedMs = -Infinity;
  private backoffMs = 0;
  private backoffUntilMs = -Infinity;
  private misses = 0;
  private readonly counts = { sent: 0, answered: 0, missed: 0, sendErrors: 0 };

  constructor(sender: Pick<CanSender, 'send'>, opts: ObdPollerOptions) {
    check(Array.isArray(opts.pids) && opts.pids.length > 0, 'pids: at least one { pid, hz } is needed');
    const seen = new Set<number>();
    for (const [i, p] of opts.pids.entries()) {
      check(Number.isInteger(p?.pid) && p.pid >= 0 && p.pid <= 0xff, `pids[${i}].pid: expected an integer 0..255, got ${String(p?.pid)}`);
      check(typeof p.hz === 'number' && p.hz > 0 && p.hz <= 100, `pids[${i}].hz: expected a rate above 0 and at most 100 per second, got ${String(p.hz)}`);
      check(!seen.has(p.pid), `pids[${i}]: PID 0x${p.pid.toString(16)} is listed twice`);
      seen.add(p.pid);
    }
    const bitrate = opts.bitrate ?? 500000;
    const share = opts.busShare ?? 0.05;
    check(bitrate > 0 && Number.isFinite(bitrate), `bitrate: expected a positive number, got ${bitrate}`);
    check(share > 0 && share <= 1, `busShare: expected a fraction in (0, 1], got ${share}`);
    this.responseTimeoutMs = opts.responseTimeoutMs ?? 100;
    this.missesBeforeBackoff = opts.missesBeforeBackoff ?? 3;
    this.backoffMinMs = opts.backoffMinMs ?? 1000;
    this.backoffMaxMs = opts.backoffMaxMs ?? 60000;
    check(this.responseTimeoutMs > 0, 'responseTimeoutMs: expected a positive number');
    check(this.missesBeforeBackoff >= 1, 'missesBeforeBackoff: expected at least 1');
    check(this.backoffMinMs > 0 && this.backoffMaxMs >= this.backoffMinMs, 'backoffMinMs / backoffMaxMs: expected 0 < min <= max');
    this.requestId = opts.requestId ?? 0x7df;
    this.padding = opts.padding ?? 0xcc;
    this.clock = opts.clock ?? realClock;
    this.sender = sender;
    // a request and one answer: two classic 8-byte frames with 11-bit ids (the answer may be 29-bit
    // on some vehicles; the estimate is for the common case)
    const bitsPerRequest = 2 * frameBits(0, 8);
    this.minGapMs = (1000 * bitsPerRequest) / (share * bitrate);
    this.requestedHz = opts.pids.reduce((s, p) => s + p.hz, 0);
    this.slots = opts.pids.map((p) => ({ pid: p.pid, periodMs: 1000 / p.hz, dueMs: 0 }));
  }

  /** Starts polling (first requests at once). */
  start(): void {
    if (this.state !== 'idle') return;
    this.state = 'polling';
    const now = this.clock.now();
    for (const s of this.slots) s.dueMs = now;
    this.schedule(0);
  }

  /** Frames of the polled bus: answers (0x7E8..0x7EF or 0x18DAF1xx, service 0x41) are noticed. */
  observe(batch: FrameBatch): void {
    if (this.inFlight === undefined) return;
    const { count, id, flags, len, offset, data } = batch;
    for (let i = 0; i < count; i++) {
      const fl = flags[i]!;
      if (fl & (FrameFlag.RTR | FrameFlag.ERR)) continue;
      const fid = id[i]!;
      const ok = fl & FrameFlag.EXT ? (fid & 0x1fffff00) === 0x18daf100 : fid >= 0x7e8 && fid <= 0x7ef;
      if (!ok || len[i]! < 3) continue;
      const o = offset[i]!;
      // single frame 0x0L 41 PID, or a first frame 0x1L LL 41 PID (several PIDs at once)
      const pci = data[o]! >> 4;
      const at = pci === 0 ? o + 1 : pci === 1 && len[i]! >= 4 ? o + 2 : -1;
      if (at >= 0 && data[at] === 0x41) this.answered(data[at + 1]!);
    }
  }

  /** An ECU answered PID `pid` (for callers that decode answers themselves). */
  answered(pid: number): void {
    const f = this.inFlight;
    if (f === undefined || f.pid !== pid || this.state === 'closed') return;
    this.inFlight = undefined;
    this.counts.answered++;
    this.misses = 0;
    this.backoffMs = 0;
    this.backoffUntilMs = -Infinity;
    this.state = 'polling';
    this.schedule(Math.max(0, this.nextAllowedMs - this.clock.now()));
  }

  stats(): ObdPollerStats {
    return {
      state: this.state,
      ...this.counts,
      backoffMs: this.backoffMs,
      minGapMs: this.minGapMs,
      requestedHz: this.requestedHz,
      maxHz: 1000 / this.minGapMs,
    };
  }

  /** Stops: cancels the timer, sends nothing more. Idempotent. */
  close(): void {
    this.state = 'closed';
    this.inFlight = undefined;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(ms: number): void {
    if (this.state === 'closed') return;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.tick();
    }, Math.max(0, ms));
  }

  private tick(): void {
    if (this.state === 'closed' || this.inFlight !== undefined) return;
    if (this.sendPending) return this.schedule(this.responseTimeoutMs);
    const now = this.clock.now();
    const wait = Math.max(this.nextAllowedMs, this.backoffUntilMs) - now;
    if (wait > 0) return this.schedule(wait);
    let slot = this.slots[0]!;
    for (const s of this.slots) if (s.dueMs < slot.dueMs) slot = s;
    // in backoff a probe goes out as soon as the backoff ends, whatever the PID's own rate
    if (this.backoffMs === 0 && slot.dueMs > now) return this.schedule(slot.dueMs - now);
    // the next slot of this PID; when late (bus share, backoff) skip the missed slots, no catch-up burst
    slot.dueMs = slot.dueMs + slot.periodMs < now ? now + slot.periodMs : slot.dueMs + slot.periodMs;
    this.request(slot.pid, now);
  }

  private request(pid: number, now: number): void {
    const seq = ++this.seq;
    this.inFlight = { pid, seq };
    this.nextAllowedMs = now + this.minGapMs;
    this.counts.sent++;
    const p = this.padding;
    // t is not used for sending (the kernel stamps the frame)
    const frame: CanFrame = { t: 0, id: this.requestId, ext: this.requestId > 0x7ff, fd: false, data: Uint8Array.of(0x02, 0x01, pid, p, p, p, p, p) };
    let sent: Promise<void>;
    this.sendPending = true;
    try {
      sent = this.sender.send(frame);
    } catch (e) {
      sent = Promise.reject(e);
    }
    sent.then(
      () => {
        this.sendPending = false;
      },
      () => {
        this.sendPending = false;
        // the sender refused (interface down, closed): as good as no answer
        if (this.inFlight?.seq !== seq || this.state === 'closed') return;
        this.counts.sendErrors++;
        this.miss();
      },
    );
    // the response timeout; an answer replaces this timer (answered -> schedule)
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      if (this.inFlight?.seq === seq && this.state !== 'closed') this.miss();
    }, this.responseTimeoutMs);
  }

  private miss(): void {
    this.inFlight = undefined;
    this.counts.missed++;
    this.misses++;
    const now = this.clock.now();
    if (this.misses >= this.missesBeforeBackoff) {
      this.backoffMs = this.backoffMs === 0 ? this.backoffMinMs : Math.min(this.backoffMs * 2, this.backoffMaxMs);
      this.backoffUntilMs = now + this.backoffMs;
      this.state = 'backoff';
    }
    this.schedule(Math.max(this.nextAllowedMs, this.backoffUntilMs) - now);
  }
}
