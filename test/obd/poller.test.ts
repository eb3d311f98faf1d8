import assert from 'node:assert/strict';
import type { CanFrame } from '../../edge/can/frame.js';
import { ObdPoller, type ObdPollerOptions, type PollerClock } from '../../edge/can/obd-poller.js';
import { TimerTracker } from '../support/timer-tracker.js';
import { batchOf } from '../j1939/helpers.js';

/** Virtual milliseconds: timers run in time order when the test advances the clock. */
class VirtualClock implements PollerClock {
  t = 0;
  private timers: { at: number; fn: () => void; seq: number }[] = [];
  private seq = 0;
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const h = { at: this.t + ms, fn, seq: this.seq++ };
    this.timers.push(h);
    return h;
  }
  clearTimeout(h: unknown): void {
    this.timers = this.timers.filter((x) => x !== h);
  }
  get pending(): number {
    return this.timers.length;
  }
  /** runs every timer due up to `until` (letting promise callbacks run after each) */
  async runUntil(until: number): Promise<void> {
    for (;;) {
      let next: (typeof this.timers)[number] | undefined;
      for (const h of this.timers) if (h.at <= until && (!next || h.at < next.at || (h.at === next.at && h.seq < next.seq))) next = h;
      if (!next) break;
      this.timers = this.timers.filter((x) => x !== next);
      this.t = next.at;
      next.fn();
      for (let k = 0; k < 5; k++) await Promise.resolve();
    }
    this.t = until;
  }
}

/** A sender whose "ECU" on 0x7E8 answers each request after answerMs while awake. */
class FakeBus {
  sent: { t: number; f: CanFrame }[] = [];
  awake = true;
  fail = false;
  poller!: ObdPoller;
  constructor(
    private readonly clock: { now(): number; setTimeout(fn: () => void, ms: number): unknown },
    private readonly answerMs = 10,
  ) {}
  send(f: CanFrame): Promise<void> {
    this.sent.push({ t: this.clock.now(), f });
    if (this.fail) return Promise.reject(new Error('can0 id 0x7df: interface is down'));
    const pid = f.data[2]!;
    if (this.awake) {
      const hexPid = pid.toString(16).padStart(2, '0');
      this.clock.setTimeout(() => this.poller.observe(batchOf([[0, `7E8#0341${hexPid}0000000000`]])), this.answerMs);
    }
    return Promise.resolve();
  }
  count(pid: number): number {
    return this.sent.filter((s) => s.f.data[2] === pid).length;
  }
}

function setup(opts: Omit<ObdPollerOptions, 'clock'>, answerMs = 10) {
  const clock = new VirtualClock();
  const bus = new FakeBus(clock, answerMs);
  const poller = new ObdPoller(bus, { ...opts, clock });
  bus.poller = poller;
  return { clock, bus, poller };
}

describe('obd: poller (fake sender, virtual clock)', () => {
  it('requests each PID at its rate on 0x7DF as J1979 single frames', async () => {
    const { clock, bus, poller } = setup({ pids: [{ pid: 0x0d, hz: 2 }, { pid: 0x0c, hz: 2 }, { pid: 0x05, hz: 0.5 }] });
    poller.start();
    await clock.runUntil(59999);
    // 60 s at 2 Hz = 120 requests, at 0.5 Hz = 30 (each answered 10 ms later, far inside 500 ms)
    assert.deepEqual([bus.count(0x0d), bus.count(0x0c), bus.count(0x05)], [120, 120, 30]);
    const f = bus.sent[0]!.f;
    assert.equal(f.id, 0x7df);
    assert.equal(f.ext, false);
    // 02 = single frame of 2 bytes, 01 = service 01, PID, then ISO 15765-2's recommended 0xCC padding
    assert.deepEqual([...f.data], [0x02, 0x01, 0x0d, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc]);
    // steady rate: consecutive 0x0D requests 500 ms apart
    const t0d = bus.sent.filter((s) => s.f.data[2] === 0x0d).map((s) => s.t);
    for (let i = 1; i < t0d.length; i++) assert.ok(Math.abs(t0d[i]! - t0d[i - 1]! - 500) < 1, `gap ${t0d[i]! - t0d[i - 1]!}`);
    const s = poller.stats();
    assert.deepEqual([s.sent, s.answered, s.missed, s.state], [270, 270, 0, 'polling']);
    poller.close();
    assert.equal(clock.pending, 0);
  });

  it('never takes more than its share of the bus; PIDs slow down evenly', async () => {
    // 125 kbit/s x 5 % = 6250 bit/s. A request and its answer are two 8-byte 11-bit frames of
    // 47 + 64 + ceil((47 - 13 + 64) / 10 stuff) = 121 bits each (busload.ts) = 242 bits, so at most
    // 6250 / 242 = 25.8 requests/s, i.e. one per 38.7 ms, against the 100/s asked for.
    const pids = Array.from({ length: 10 }, (_, i) => ({ pid: 0x04 + i, hz: 10 }));
    const { clock, bus, poller } = setup({ pids, bitrate: 125000, busShare: 0.05 }, 5);
    poller.start();
    await clock.runUntil(10000);
    const s = poller.stats();
    assert.ok(Math.abs(s.minGapMs - 38.72) < 0.01, `${s.minGapMs}`);
    assert.ok(bus.sent.length <= 259 && bus.sent.length >= 250, `${bus.sent.length} requests in 10 s`);
    for (let i = 1; i < bus.sent.length; i++) assert.ok(bus.sent[i]!.t - bus.sent[i - 1]!.t >= 38.72 - 1e-9);
    const counts = pids.map((p) => bus.count(p.pid));
    assert.ok(Math.min(...counts) >= Math.max(...counts) - 1, `uneven: ${counts}`);
    poller.close();
  });

  it('backs off when no ECU answers (1 s, 2 s, 4 s ... 60 s) and resumes when one does', async () => {
    // Worked out from the rules: one PID at 2 Hz, 100 ms response timeout, back off after 3 misses.
    // Requests at 0, 500, 1000 (miss at 1100 -> wait 1 s), probe 2100 (miss 2200 -> 2 s), 4200
    // (-> 4 s), 8300 (-> 8 s), 16400 (-> 16 s), 32500 (-> 32 s), 64600 (-> 60 s, the cap), 124700.
    const { clock, bus, poller } = setup({ pids: [{ pid: 0x0d, hz: 2 }] });
    bus.awake = false;
    poller.start();
    await clock.runUntil(70000);
    assert.deepEqual(bus.sent.map((s) => s.t), [0, 500, 1000, 2100, 4200, 8300, 16400, 32500, 64600]);
    assert.deepEqual([poller.stats().state, poller.stats().backoffMs, poller.stats().missed], ['backoff', 60000, 9]);
    // the ECU wakes up: the probe at 124700 is answered, then 2 Hz again from 125200
    bus.awake = true;
    await clock.runUntil(130000);
    assert.deepEqual(bus.sent.slice(9).map((s) => s.t), [124700, 125200, 125700, 126200, 126700, 127200, 127700, 128200, 128700, 129200, 129700]);
    assert.deepEqual([poller.stats().state, poller.stats().backoffMs], ['polling', 0]);
    poller.close();
  });

  it('a sender that refuses counts as no answer', async () => {
    const { clock, bus, poller } = setup({ pids: [{ pid: 0x0d, hz: 10 }] });
    bus.fail = true;
    poller.start();
    await clock.runUntil(1050);
    // 0, 100, 200 fail at once (rejections, not timeouts) -> back off 1 s from 200: probe at 1200
    assert.deepEqual(bus.sent.map((s) => s.t), [0, 100, 200]);
    assert.deepEqual([poller.stats().sendErrors, poller.stats().state], [3, 'backoff']);
    poller.close();
  });

  it('answers to other PIDs or from non-OBD ids do not count', async () => {
    const { clock, bus, poller } = setup({ pids: [{ pid: 0x0d, hz: 1 }] });
    bus.awake = false;
    poller.start();
    await clock.runUntil(1);
    // rpm instead of speed; speed from a non-OBD id; a negative response
    poller.observe(batchOf([[0, '7E8#03410C0000000000'], [0, '123#03410D0000000000'], [0, '7E8#037F010000000000']]));
    assert.equal(poller.stats().answered, 0);
    // a 29-bit answer from ECU 0x10
    poller.observe(batchOf([[0, '18DAF110#03410D00']]));
    assert.equal(poller.stats().answered, 1);
    poller.close();
    assert.equal(clock.pending, 0);
  });

  it('bad configuration is refused with the field named', () => {
    const bus = { send: () => Promise.resolve() };
    assert.throws(() => new ObdPoller(bus, { pids: [] }), /pids: at least one/);
    assert.throws(() => new ObdPoller(bus, { pids: [{ pid: 256, hz: 1 }] }), /pids\[0\]\.pid/);
    assert.throws(() => new ObdPoller(bus, { pids: [{ pid: 0x0d, hz: 0 }] }), /pids\[0\]\.hz/);
    assert.throws(() => new ObdPoller(bus, { pids: [{ pid: 0x0d, hz: 1 }, { pid: 0x0d, hz: 2 }] }), /listed twice/);
    assert.throws(() => new ObdPoller(bus, { pids: [{ pid: 0x0d, hz: 1 }], busShare: 1.5 }), /busShare/);
  });
});

describe('obd: poller on the real clock', () => {
  it('polls, then close() leaves no timers and sends nothing more', async () => {
    const tracker = new TimerTracker();
    tracker.start();
    try {
      const bus = new FakeBus({ now: () => performance.now(), setTimeout: (fn, ms) => setTimeout(fn, ms) }, 2);
      const poller = new ObdPoller(bus, { pids: [{ pid: 0x0d, hz: 20 }] });
      bus.poller = poller;
      poller.start();
      await new Promise((r) => setTimeout(r, 320));
      // 20 Hz for 320 ms: requests at 0, 50, ... 300 = 7 (timers may run late, never early)
      assert.ok(bus.sent.length >= 4 && bus.sent.length <= 7, `${bus.sent.length} requests`);
      poller.close();
      const n = bus.sent.length;
      assert.deepEqual(tracker.pending(/obd-poller/), []);
      await new Promise((r) => setTimeout(r, 150));
      assert.equal(bus.sent.length, n);
      assert.deepEqual(tracker.pending(/obd-poller/), []);
    } finally {
      tracker.stop();
    }
  });
});
