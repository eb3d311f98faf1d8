// Real SocketCAN: SocketCanSource and openCanSender against the kernel's vcan, inside the test VM.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { FrameFlag, type CanFrame } from '../../../edge/can/frame.js';
import { SocketCanSource, openCanSender, type CanSender } from '../../../edge/can/socketcan-source.js';
import { Recorder, addVcan, bytes, delIface, hex, ifaceExists, ip, seqFrame, seqOf, sleep, waitFor } from './helpers.js';

const FAST_RETRY = { initialMs: 100, maxMs: 400 };

describe('SocketCanSource on real SocketCAN (vcan)', function () {
  const open: Array<SocketCanSource | CanSender> = [];
  function source(opts: Partial<ConstructorParameters<typeof SocketCanSource>[0]> & { interfaces: ConstructorParameters<typeof SocketCanSource>[0]['interfaces'] }): { src: SocketCanSource; rec: Recorder } {
    const src = new SocketCanSource({ vehicle: 'truck-7', batch: { maxFrames: 500, maxAgeMs: 20 }, retry: FAST_RETRY, healthMs: 100, ...opts });
    const rec = new Recorder(src);
    open.push(src);
    return { src, rec };
  }
  function sender(iface: string, opts = {}): CanSender {
    const s = openCanSender(iface, opts);
    open.push(s);
    return s;
  }

  before(() => {
    if (!ifaceExists('vcan0') || !ifaceExists('vcan1')) {
      throw new Error('vcan0/vcan1 missing: these tests run inside the VM (node dist/test/vm/run-vm-tests.js)');
    }
  });

  afterEach(async () => {
    for (const o of open.splice(0)) {
      if (o instanceof SocketCanSource) await o.close();
      else o.close();
    }
  });

  /** One frame through, so the kernel has switched its receive timestamping on. */
  async function prime(tx: CanSender, rec: Recorder): Promise<void> {
    const before = rec.frames.length;
    await tx.send({ t: 0, id: 0x7df, ext: false, fd: false, data: bytes('00') });
    await waitFor(() => rec.frames.length > before, 3000, 'the priming frame');
    rec.frames.length = 0;
    rec.batches.length = 0;
  }

  it('delivers standard, extended, RTR and CAN FD (up to 64 bytes) frames exactly, in FrameBatches', async () => {
    const { src, rec } = source({ interfaces: [{ name: 'vcan0', fd: true }] });
    src.start();
    await waitFor(() => src.status().state === 'running', 3000, 'running');
    const tx = sender('vcan0', { framesPerSecond: 2000 });
    assert.equal(tx.fdCapable, true);
    await prime(tx, rec);
    const fd64 = new Uint8Array(64).map((_, i) => (i * 7 + 3) & 0xff);
    const sent: CanFrame[] = [
      { t: 0, id: 0x123, ext: false, fd: false, data: bytes('deadbeef') },
      { t: 0, id: 0x7ff, ext: false, fd: false, data: bytes('') },
      { t: 0, id: 0x000, ext: false, fd: false, data: bytes('0102030405060708') },
      { t: 0, id: 0x1abcdef0, ext: true, fd: false, data: bytes('a1a2a3a4a5a6a7a8') },
      { t: 0, id: 0x1fffffff, ext: true, fd: false, data: bytes('ff') },
      { t: 0, id: 0x321, ext: false, fd: false, rtr: true, dlc: 4, data: bytes('') },
      { t: 0, id: 0x18db33f1, ext: true, fd: false, rtr: true, dlc: 0, data: bytes('') },
      { t: 0, id: 0x456, ext: false, fd: true, data: bytes('00112233445566778899aabb') },
      { t: 0, id: 0x1234567, ext: true, fd: true, brs: true, data: fd64 },
      { t: 0, id: 0x555, ext: false, fd: true, data: new Uint8Array(48).fill(0xa5) },
    ];
    for (const f of sent) await tx.send(f);
    await waitFor(() => rec.frames.length >= sent.length, 3000, `${sent.length} frames`);
    await sleep(50);
    assert.equal(rec.frames.length, sent.length, 'no extra frames');
    for (let i = 0; i < sent.length; i++) {
      const s = sent[i]!;
      const r = rec.frames[i]!;
      const what = `frame ${i} (0x${s.id.toString(16)})`;
      assert.equal(r.id, s.id, `${what} id`);
      assert.equal(r.ext, s.ext, `${what} ext`);
      assert.equal(r.fd, s.fd, `${what} fd`);
      assert.equal(!!r.rtr, !!s.rtr, `${what} rtr`);
      assert.equal(!!r.err, false, `${what} err`);
      if (s.rtr) assert.equal(r.dlc, s.dlc, `${what} requested length`);
      else assert.equal(hex(r.data), hex(s.data), `${what} data`);
      assert.equal(r.iface, 'vcan0');
    }
    for (const b of rec.batches) {
      assert.equal(b.vehicle, 'truck-7');
      assert.equal(b.iface, 'vcan0');
      assert.ok(b.t instanceof Float64Array && b.id instanceof Uint32Array && b.flags instanceof Uint8Array);
    }
    const c = src.counters();
    assert.equal(c.frames, sent.length + 1, 'counters include the priming frame');
    assert.equal(c.errorFrames, 0);
    assert.equal(c.dropped, 0);
    assert.ok(c.bits > 0 && c.batches >= 1);
  });

  it('stamps frames with the kernel receive time, not the time JS handled them', async () => {
    const { src, rec } = source({ interfaces: [{ name: 'vcan0' }] });
    src.start();
    const tx = sender('vcan0');
    await prime(tx, rec);
    const before = Date.now() / 1000;
    for (let i = 0; i < 50; i++) void tx.send(seqFrame(0x200, i));
    await tx.flush();
    const sentBy = Date.now() / 1000;
    // hold the event loop: the frames wait in the socket while the clock moves on 400 ms
    const until = Date.now() + 400;
    while (Date.now() < until) {
      // busy wait on purpose
    }
    const handledAfter = Date.now() / 1000;
    await waitFor(() => rec.frames.length >= 50, 3000, '50 frames');
    const ts = rec.frames.map((f) => f.t);
    for (let i = 0; i < ts.length; i++) {
      assert.ok(ts[i]! >= before - 0.01 && ts[i]! <= sentBy + 0.01, `frame ${i}: t=${ts[i]} outside the send window [${before}, ${sentBy}]`);
      assert.ok(ts[i]! < handledAfter - 0.3, `frame ${i}: t=${ts[i]} looks like handling time (${handledAfter})`);
      if (i > 0) assert.ok(ts[i]! >= ts[i - 1]!, `timestamps go back at ${i}`);
    }
    assert.deepEqual(rec.frames.map(seqOf), [...Array(50).keys()]);
    // microsecond resolution: not all equal
    assert.ok(new Set(ts).size > 1, 'distinct timestamps');
  });

  it('frames sent with can-utils (an independent sender) arrive exactly', async () => {
    const { src, rec } = source({ interfaces: [{ name: 'vcan0', fd: true }] });
    src.start();
    await waitFor(() => src.status().state === 'running', 3000, 'running');
    const lines = ['123#DEADBEEF', '1ABCDEF0#1122', '321#R', '18DB33F1#R', '456##1.00112233445566778899AABBCCDDEEFF'];
    for (const l of lines) execFileSync('cansend', ['vcan0', l]);
    await waitFor(() => rec.frames.length >= lines.length, 3000, 'can-utils frames');
    const got = rec.frames.map((f) => `${f.ext ? f.id.toString(16).padStart(8, '0') : f.id.toString(16).padStart(3, '0')}${f.fd ? '##' : '#'}${f.rtr ? 'R' : hex(f.data)}`);
    assert.deepEqual(got, ['123#deadbeef', '1abcdef0#1122', '321#R', '18db33f1#R', '456##00112233445566778899aabbccddeeff']);
  });

  it('applies kernel receive filters: only matching ids (11 vs 29 bit kept apart), error frames still pass', async () => {
    const { src, rec } = source({
      interfaces: [
        {
          name: 'vcan0',
          filters: [
            { id: 0x100, mask: 0x700 }, // 0x100..0x1FF, 11-bit only
            { id: 0x18fef100, mask: 0x1ffffff00, ext: true }, // bad mask: warned and skipped
            { id: 0x18fef100, mask: 0x1fffff00, ext: true }, // PGN 65265 from any source
          ],
        },
      ],
    });
    src.start();
    const tx = sender('vcan0', { framesPerSecond: 2000 });
    const frames: CanFrame[] = [
      { t: 0, id: 0x100, ext: false, fd: false, data: bytes('01') }, // pass
      { t: 0, id: 0x1ff, ext: false, fd: false, data: bytes('02') }, // pass
      { t: 0, id: 0x200, ext: false, fd: false, data: bytes('03') },
      { t: 0, id: 0x0ff, ext: false, fd: false, data: bytes('04') },
      { t: 0, id: 0x100, ext: true, fd: false, data: bytes('05') }, // 29-bit 0x100: not the 11-bit filter
      { t: 0, id: 0x18fef1ab, ext: true, fd: false, data: bytes('06') }, // pass
      { t: 0, id: 0x18fef200, ext: true, fd: false, data: bytes('07') },
      { t: 0, id: 0x150, ext: false, fd: false, rtr: true, dlc: 2, data: bytes('') }, // pass (RTR, id matches)
      { t: 0, id: 0x20, ext: false, fd: false, err: true, data: bytes('0000000000000000') }, // error frame: passes
    ];
    await waitFor(() => src.status().state === 'running', 3000, 'running');
    for (const f of frames) await tx.send(f);
    await waitFor(() => rec.frames.length >= 5, 3000, 'filtered frames');
    await sleep(100);
    assert.deepEqual(
      rec.frames.map((f) => `${f.err ? 'err' : f.ext ? 'x' : 's'}:${f.id.toString(16)}`),
      ['s:100', 's:1ff', 'x:18fef1ab', 's:150', 'err:20'],
    );
    assert.ok(rec.warnings.some((w) => w.where === 'vcan0 filter 2'), `warning names the bad filter: ${JSON.stringify(rec.warnings)}`);
  });

  it('round-trips 10,000 paced frames with zero loss, in order, as batches', async function () {
    this.timeout(60_000);
    const { src, rec } = source({ interfaces: [{ name: 'vcan0' }], batch: { maxFrames: 1000, maxAgeMs: 50 } });
    src.start();
    await waitFor(() => src.status().state === 'running', 3000, 'running');
    const tx = sender('vcan0', { framesPerSecond: Number(process.env.UBI_VM_FPS ?? 900), burst: 32 });
    const N = 10_000;
    const t0 = Date.now();
    // Paced at a rate, and never more than 150 frames ahead of what the source has read: the socket
    // queue holds ~278 frames, and under software emulation on a loaded host the guest can run
    // slower than the rate (seen: 67 of 10,000 lost at load average 4 on 2 cores).
    let waits = 0;
    for (let i = 0; i < N; i++) {
      if (tx.sent - src.counters().frames > 150) {
        waits++;
        await waitFor(() => tx.sent - src.counters().frames < 50, 10_000, `the reader to catch up at frame ${i}`);
      }
      await tx.send(seqFrame(0x0c0 + (i % 8), i));
    }
    await waitFor(() => rec.frames.length >= N, 10_000, `${N} frames (have ${rec.frames.length})`);
    const secs = (Date.now() - t0) / 1000;
    await sleep(100);
    assert.equal(tx.sent, N);
    assert.equal(rec.frames.length, N, 'no frame lost, none extra');
    const seqs = rec.frames.map(seqOf);
    for (let i = 0; i < N; i++) if (seqs[i] !== i) assert.fail(`frame ${i} has sequence ${seqs[i]}`);
    const c = src.counters();
    assert.equal(c.frames, N);
    assert.equal(c.dropped, 0);
    const mean = N / rec.batches.length;
    assert.ok(mean >= 10, `batched, not per-frame: ${rec.batches.length} batches`);
    process.stdout.write(`      (${N} frames in ${secs.toFixed(2)} s = ${Math.round(N / secs)} frames/s, ${rec.batches.length} batches, sender waited for the reader ${waits} times)\n`);
  });

  it('reads several interfaces at once, one batch stream per interface', async () => {
    const { src, rec } = source({ interfaces: [{ name: 'vcan0' }, { name: 'vcan1', bitrate: 250_000, fd: true }] });
    src.start();
    await waitFor(() => src.status().state === 'running', 3000, 'both running');
    const a = sender('vcan0', { framesPerSecond: 2000 });
    const b = sender('vcan1', { framesPerSecond: 2000 });
    assert.equal(b.fdCapable, false);
    for (let i = 0; i < 20; i++) {
      void a.send(seqFrame(0x10, i));
      void b.send(seqFrame(0x20, i));
    }
    await Promise.all([a.flush(), b.flush()]);
    await waitFor(() => rec.frames.length >= 40, 3000, '40 frames');
    for (const batch of rec.batches) {
      const ids = new Set(Array.from(batch.id));
      assert.deepEqual([...ids], [batch.iface === 'vcan0' ? 0x10 : 0x20], 'a batch holds one interface');
    }
    const per = src.interfaceCounters();
    assert.deepEqual(per.map((p) => [p.iface, p.frames, p.bitrate, p.state]), [
      ['vcan0', 20, 500_000, 'running'],
      ['vcan1', 20, 250_000, 'running'],
    ]);
    assert.ok(rec.warnings.some((w) => w.where === 'vcan1' && /CAN FD but the interface MTU is 16/.test(w.message)), 'fd on a classic interface is warned about');
    // classic frames cannot be sent as FD on a 16-byte-MTU interface: rejected with iface and id
    await assert.rejects(b.send({ t: 0, id: 0x77, ext: false, fd: true, data: new Uint8Array(12) }), /vcan1 id 0x77: .*FD/);
  });

  it('counts error frames, reports bus-off and its end, never crashes (even with a throwing listener)', async () => {
    const { src, rec } = source({ interfaces: [{ name: 'vcan0' }] });
    src.on('batch', () => {
      throw new Error('listener bug');
    });
    src.start();
    await waitFor(() => src.status().state === 'running', 3000, 'running');
    const tx = sender('vcan0');
    await tx.send({ t: 0, id: 0x40, ext: false, fd: false, err: true, data: bytes('0000000000000000') }); // CAN_ERR_BUSOFF
    await waitFor(() => src.status().state === 'down', 3000, 'bus-off status');
    assert.match(src.status().reason ?? '', /vcan0: bus-off/);
    await tx.send({ t: 0, id: 0x04, ext: false, fd: false, err: true, data: bytes('0004000000000000') }); // controller problem
    await tx.send({ t: 0, id: 0x100, ext: false, fd: false, err: true, data: bytes('0000000000000000') }); // CAN_ERR_RESTARTED
    await waitFor(() => src.status().state === 'running', 3000, 'running after restart');
    await tx.send({ t: 0, id: 0x123, ext: false, fd: false, data: bytes('01') });
    await waitFor(() => rec.frames.length >= 4, 3000, '4 frames');
    const c = src.counters();
    assert.equal(c.errorFrames, 3);
    assert.equal(c.frames, 1);
    const errs = rec.frames.filter((f) => f.err);
    assert.deepEqual(errs.map((f) => f.id), [0x40, 0x04, 0x100]);
    assert.equal(hex(errs[1]!.data), '0004000000000000');
    assert.ok(rec.batches.every((b) => Array.from(b.flags).every((fl, i) => !!(fl & FrameFlag.ERR) === (b.id[i] !== 0x123))));
    assert.ok(rec.warnings.some((w) => /listener/.test(w.where) && /listener bug/.test(w.message)), 'the throwing listener is reported');
  });

  it('interface missing at start: retrying with the reason, then recovers when it is created', async () => {
    delIface('vcan7');
    const { src, rec } = source({ interfaces: [{ name: 'vcan7' }] });
    src.start();
    assert.equal(src.status().state, 'retrying');
    assert.match(src.status().reason ?? '', /vcan7: interface does not exist; retrying in/);
    assert.equal(src.status().iface, 'vcan7');
    await sleep(700); // a few backoff rounds
    assert.ok(rec.statuses.filter((s) => s.state === 'retrying').length >= 2, 'kept retrying');
    addVcan('vcan7');
    await waitFor(() => src.status().state === 'running', 3000, 'running once vcan7 exists');
    const tx = sender('vcan7');
    await tx.send({ t: 0, id: 0x42, ext: false, fd: false, data: bytes('42') });
    await waitFor(() => rec.frames.length === 1, 3000, 'a frame on vcan7');
    assert.equal(rec.frames[0]!.id, 0x42);
    delIface('vcan7');
  });

  it('interface down at start: status down with the reason, running and receiving once it is up', async () => {
    addVcan('vcan6');
    ip('link', 'set', 'vcan6', 'down');
    const { src, rec } = source({ interfaces: [{ name: 'vcan6' }] });
    src.start();
    assert.equal(src.status().state, 'down');
    assert.match(src.status().reason ?? '', /vcan6: link is down/);
    ip('link', 'set', 'vcan6', 'up');
    await waitFor(() => src.status().state === 'running', 3000, 'running once up');
    const tx = sender('vcan6');
    await tx.send({ t: 0, id: 0x66, ext: false, fd: false, data: bytes('66') });
    await waitFor(() => rec.frames.length === 1, 3000, 'a frame on vcan6');
    delIface('vcan6');
  });

  it('survives `ip link set down` then `up` mid-stream: status down, then frames after it arrive', async function () {
    this.timeout(30_000);
    const { src, rec } = source({ interfaces: [{ name: 'vcan1' }] });
    src.start();
    await waitFor(() => src.status().state === 'running', 3000, 'running');
    // slow enough that the reader keeps up even when a loaded host slows the emulated guest
    const tx = sender('vcan1', { framesPerSecond: 300 });
    let n = 0;
    const failures: string[] = [];
    const failed = new Set<number>();
    let stop = false;
    const stream = (async () => {
      while (!stop) {
        try {
          await tx.send(seqFrame(0x300, n));
        } catch (e) {
          failures.push((e as Error).message);
          failed.add(n);
          await sleep(20);
        }
        n++;
      }
    })();
    await waitFor(() => rec.frames.length >= 100, 5000, 'frames before down');
    ip('link', 'set', 'vcan1', 'down');
    await waitFor(() => src.status().state === 'down', 3000, 'down status');
    assert.match(src.status().reason ?? '', /vcan1: link is down/);
    await sleep(200);
    const upAtSeq = n;
    ip('link', 'set', 'vcan1', 'up');
    await waitFor(() => src.status().state === 'running', 3000, 'running after up');
    const afterUp = (): number => rec.frames.filter((f) => seqOf(f) >= upAtSeq).length;
    await waitFor(() => afterUp() >= 200, 5000, '200 frames after up');
    stop = true;
    await stream;
    await tx.flush();
    await sleep(100);
    assert.ok(failures.some((m) => /vcan1 id 0x300: interface is down/.test(m)), `sends while down fail with a clear reason: ${failures[0]}`);
    // every frame the kernel accepted once the link was back arrived, in order
    const accepted: number[] = [];
    for (let s = upAtSeq; s < n; s++) if (!failed.has(s)) accepted.push(s);
    const received = (): number[] => rec.frames.map(seqOf).filter((s) => s >= upAtSeq);
    // the reader may still be working through the socket queue under emulation
    await waitFor(() => received().length >= accepted.length, 5000, `${accepted.length} frames after up (have ${received().length})`).catch(() => undefined);
    assert.ok(accepted.length >= 200);
    assert.deepEqual(received(), accepted);
    assert.equal(src.counters().dropped, 0);
  });

  it('survives the interface being deleted and re-created mid-stream', async () => {
    addVcan('vcan8');
    const { src, rec } = source({ interfaces: [{ name: 'vcan8' }] });
    src.start();
    await waitFor(() => src.status().state === 'running', 3000, 'running');
    let tx = sender('vcan8');
    await tx.send({ t: 0, id: 0x1, ext: false, fd: false, data: bytes('01') });
    await waitFor(() => rec.frames.length === 1, 3000, 'first frame');
    ip('link', 'del', 'vcan8');
    await waitFor(() => src.status().state === 'retrying', 3000, 'retrying after delete');
    assert.match(src.status().reason ?? '', /vcan8: /);
    // the addon's own stop sequence ran; later socket calls must still work (regression: a double
    // stop left a pending "Unknown failure" that broke the next channel creation)
    const other = sender('vcan1');
    await other.send({ t: 0, id: 0x3, ext: false, fd: false, data: bytes('03') });
    addVcan('vcan8');
    await waitFor(() => src.status().state === 'running', 3000, 'running after re-create');
    tx.close();
    tx = sender('vcan8');
    await tx.send({ t: 0, id: 0x2, ext: false, fd: false, data: bytes('02') });
    await waitFor(() => rec.frames.length === 2, 3000, 'frame after re-create');
    assert.equal(rec.frames[1]!.id, 0x2);
    delIface('vcan8');
  });

  it('the sender paces itself: frames per second, or wire time at a bit rate', async () => {
    const a = sender('vcan1', { framesPerSecond: 500, burst: 10 });
    let t0 = performance.now();
    for (let i = 0; i < 110; i++) void a.send(seqFrame(0x11, i));
    await a.flush();
    const fpsMs = performance.now() - t0;
    // 10 may go at once, the other 100 at 500/s: at least ~200 ms
    assert.ok(fpsMs >= 190 && fpsMs < 1000, `110 frames at 500 frames/s took ${fpsMs.toFixed(0)} ms`);
    const b = sender('vcan1', { bitrate: 125_000, burst: 1 });
    t0 = performance.now();
    for (let i = 0; i < 101; i++) void b.send(seqFrame(0x12, i)); // ~121 bits each: ~1 ms at 125 kbit/s
    await b.flush();
    const bitMs = performance.now() - t0;
    assert.ok(bitMs >= 90 && bitMs < 600, `101 frames at 125 kbit/s took ${bitMs.toFixed(0)} ms`);
    assert.equal(a.sent + b.sent, 211);
  });

  it('known addon gap: a CAN FD frame of 8 bytes or less arrives without the FD flag', async () => {
    // socketcan 4.3.x discards recv()'s length and the flags byte; only len > 8 reveals FD.
    // If this starts failing, the addon exposes FD now: use it in socketcan-source.ts.
    const { src, rec } = source({ interfaces: [{ name: 'vcan0', fd: true }] });
    src.start();
    await waitFor(() => src.status().state === 'running', 3000, 'running');
    const tx = sender('vcan0');
    await tx.send({ t: 0, id: 0x88, ext: false, fd: true, brs: true, data: bytes('0102030405060708') });
    await waitFor(() => rec.frames.length === 1, 3000, 'the frame');
    assert.equal(hex(rec.frames[0]!.data), '0102030405060708');
    assert.equal(rec.frames[0]!.fd, false);
  });

  it('rejects bad frames with the interface and id named, and keeps going', async () => {
    const tx = sender('vcan1');
    await assert.rejects(tx.send({ t: 0, id: 0x800, ext: false, fd: false, data: bytes('') }), /vcan1 id 0x800: .*out of range/);
    await assert.rejects(tx.send({ t: 0, id: 0x1, ext: false, fd: false, data: new Uint8Array(9) }), /vcan1 id 0x1: classic CAN payload of 9 bytes/);
    await assert.rejects(tx.send({ t: 0, id: 0x1, ext: false, fd: true, data: new Uint8Array(13) }), /vcan1 id 0x1: /);
    const { src, rec } = source({ interfaces: [{ name: 'vcan1' }] });
    src.start();
    await waitFor(() => src.status().state === 'running', 3000, 'running');
    await tx.send({ t: 0, id: 0x5, ext: false, fd: false, data: bytes('05') });
    await waitFor(() => rec.frames.length === 1, 3000, 'a good frame after bad ones');
    assert.throws(() => openCanSender('nosuch0'), /nosuch0: interface does not exist/);
  });
});
