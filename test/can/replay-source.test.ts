import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { payload, type FrameBatch } from '../../edge/can/frame.js';
import { ReplaySource, type ReplayOptions } from '../../edge/can/replay-source.js';
import type { SourceStatus, SourceWarning } from '../../edge/can/source.js';
import { BUNDLED, FIXTURES, decompress, hasXz, refParseLine, type RefFrame } from './candump-ref.js';

interface Run {
  batches: FrameBatch[];
  warnings: SourceWarning[];
  statuses: SourceStatus[];
  ms: number;
}

/** Replays until the source says 'ended' (or stop() says enough), then closes it. */
function replay(opts: ReplayOptions, stop?: (batches: FrameBatch[]) => boolean): Promise<Run & { src: ReplaySource }> {
  const src = new ReplaySource(opts);
  const run: Run = { batches: [], warnings: [], statuses: [], ms: 0 };
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      run.ms = performance.now() - t0;
      src.close().then(() => resolve({ ...run, src }), reject);
    };
    src.on('batch', (b: FrameBatch) => {
      run.batches.push(b);
      if (stop?.(run.batches)) finish();
    });
    src.on('warning', (w: SourceWarning) => run.warnings.push(w));
    src.on('status', (s: SourceStatus) => {
      run.statuses.push(s);
      if (s.state === 'ended') finish();
    });
    src.start();
  });
}

/** Frames per interface, in order, as plain comparable tuples. */
function perIface(batches: FrameBatch[]): Map<string, [number, number, number, string][]> {
  const m = new Map<string, [number, number, number, string][]>();
  for (const b of batches) {
    const l = m.get(b.iface) ?? [];
    for (let i = 0; i < b.count; i++) l.push([b.t[i]!, b.id[i]!, b.flags[i]!, Buffer.from(payload(b, i)).toString('hex')]);
    m.set(b.iface, l);
  }
  return m;
}

function refPerIface(text: string, rename: Record<string, string> = {}): Map<string, [number, number, number, string][]> {
  const m = new Map<string, [number, number, number, string][]>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const r = refParseLine(line) as RefFrame;
    const iface = rename[r.iface] ?? r.iface;
    const l = m.get(iface) ?? [];
    // plain classic/extended frames only in the logs used here
    l.push([r.t, r.id, r.ext ? 1 : 0, Buffer.from(r.data).toString('hex')]);
    m.set(iface, l);
  }
  return m;
}

function synth(n: number, t0: number, dt: number, ifaces = ['can0']): string {
  let s = '';
  for (let k = 0; k < n; k++) {
    const t = (Math.round(t0 * 1e6) + Math.round(k * dt * 1e6)) / 1e6;
    s += `(${t.toFixed(6)}) ${ifaces[k % ifaces.length]} ${(0x100 + (k % 7)).toString(16).toUpperCase()}#${(k & 0xff).toString(16).padStart(2, '0').toUpperCase()}\n`;
  }
  return s;
}

function countOf(name: string): number {
  return process.getActiveResourcesInfo().filter((r) => r === name).length;
}

describe('ReplaySource', function () {
  this.timeout(20000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ubi-replay-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('as fast as possible: every frame, in per-interface batches that concatenate to the log', async () => {
    const raw = decompress(BUNDLED).toString('latin1');
    const r = await replay({ vehicle: 'seat', files: [BUNDLED], speed: 'max', batch: { maxFrames: 500, maxAgeMs: 100 } });
    const want = refPerIface(raw);
    const got = perIface(r.batches);
    assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
    for (const [iface, frames] of want) assert.deepEqual(got.get(iface), frames, iface);
    for (const b of r.batches) {
      assert.equal(b.vehicle, 'seat');
      assert.ok(b.count > 0 && b.count <= 500);
    }
    const total = raw.split('\n').filter(Boolean).length;
    const c = r.src.counters();
    assert.equal(c.frames, total);
    assert.equal(c.batches, r.batches.length);
    assert.equal(c.malformed, 0);
    assert.ok(c.bits > total * 47, 'bus-load bits counted');
    assert.deepEqual(r.statuses.map((s) => s.state), ['running', 'ended', 'closed']);
    assert.match(r.statuses[1]!.reason!, new RegExp(`${total} frames`));
  });

  it('as fast as possible keeps the event loop responsive', async () => {
    let ticks = 0;
    const iv = setInterval(() => ticks++, 1);
    const r = await replay({ vehicle: 'v', files: [BUNDLED, BUNDLED], speed: 'max' });
    clearInterval(iv);
    assert.equal(r.src.counters().frames, 2 * 65296);
    assert.ok(ticks >= 5, `timers ran ${ticks} times during a ${r.ms.toFixed(0)} ms replay`);
  });

  it('renames interfaces (ifaceMap) and filters them (ifaces)', async () => {
    const raw = decompress(BUNDLED).toString('latin1');
    const r = await replay({ vehicle: 'v', files: [BUNDLED], speed: 'max', ifaceMap: { can1: 'gnss', can0: 'obd' }, ifaces: ['gnss'] });
    const got = perIface(r.batches);
    assert.deepEqual([...got.keys()], ['gnss']);
    assert.deepEqual(got.get('gnss'), refPerIface(raw, { can1: 'gnss' }).get('gnss'));
  });

  it('real time at x5 takes the log span / 5 of wall time, frames keep their log time', async () => {
    // 101 frames, 10 ms apart: 1.0 s of log time -> 200 ms at x5
    const file = path.join(dir, 'paced.log');
    fs.writeFileSync(file, synth(101, 1700000000, 0.01, ['can0', 'can1']));
    const r = await replay({ vehicle: 'v', files: [file], speed: 5, batch: { maxFrames: 1000, maxAgeMs: 20 } });
    assert.ok(r.ms >= 190, `took ${r.ms.toFixed(0)} ms, expected about 200`);
    assert.ok(r.ms < 700, `took ${r.ms.toFixed(0)} ms, expected about 200`);
    assert.ok(r.batches.length >= 4, `paced frames leave in several batches (got ${r.batches.length})`);
    const got = perIface(r.batches);
    assert.deepEqual(got, refPerIface(fs.readFileSync(file, 'latin1')));
  });

  it('real time caps long gaps (maxGapS) instead of stalling', async () => {
    const file = path.join(dir, 'gap.log');
    // 3 frames, then a one-hour hole, then 3 more
    fs.writeFileSync(file, synth(3, 1000, 0.01) + synth(3, 4600, 0.01));
    const r = await replay({ vehicle: 'v', files: [file], speed: 1, maxGapS: 0.1 });
    assert.equal(r.src.counters().frames, 6);
    assert.ok(r.ms < 1500, `took ${r.ms.toFixed(0)} ms`);
    assert.ok(r.ms >= 100, `the capped gap still waits ~0.1 s (took ${r.ms.toFixed(0)} ms)`);
    assert.deepEqual(perIface(r.batches).get('can0')!.map((f) => f[0]), [1000, 1000.01, 1000.02, 4600, 4600.01, 4600.02]);
  });

  it('loop: passes repeat the log with timestamps shifted so time keeps increasing', async () => {
    const file = path.join(dir, 'loop.log');
    const text = synth(20, 1000, 0.1);
    fs.writeFileSync(file, text);
    const r = await replay({ vehicle: 'v', files: [file], speed: 'max', loop: true, batch: { maxFrames: 10, maxAgeMs: 0 } }, (bs) =>
      bs.reduce((n, b) => n + b.count, 0) >= 60,
    );
    const frames = perIface(r.batches).get('can0')!;
    assert.ok(frames.length >= 60);
    const ref = refPerIface(text).get('can0')!;
    // span 1.9 s + one mean interval 0.1 s: pass k is shifted by k * 2.0 s
    for (let k = 0; k < 60; k++) {
      const [t, id, flags, data] = frames[k]!;
      const [rt, rid, rflags, rdata] = ref[k % 20]!;
      assert.equal(t, (Math.round(rt * 1e6) + Math.floor(k / 20) * 2_000_000) / 1e6, `frame ${k}`);
      assert.deepEqual([id, flags, data], [rid, rflags, rdata]);
      if (k > 0) assert.ok(t > frames[k - 1]![0], `time increases at frame ${k}`);
    }
    assert.equal(r.statuses.at(-1)!.state, 'closed');
  });

  it('close() mid-replay flushes what was handed on and leaves no timers, immediates or processes', async function () {
    // mocha arms its own test timeout once the test is under way: take the baseline after that
    await new Promise((r) => setImmediate(r));
    const baseline = { Timeout: countOf('Timeout'), Immediate: countOf('Immediate'), ProcessWrap: countOf('ProcessWrap') };
    const files = [BUNDLED];
    if (hasXz()) files.unshift(path.join(FIXTURES, 'css-electronics', '2F6913DB-00001089-00000001-63BEF5CD.log.xz'));
    for (const speed of [1, 'max'] as const) {
      const src = new ReplaySource({ vehicle: 'v', files, speed, loop: true, batch: { maxFrames: 100000, maxAgeMs: 10000 } });
      let got = 0;
      src.on('batch', (b: FrameBatch) => (got += b.count));
      src.start();
      await new Promise((r) => setTimeout(r, 150));
      const before = src.counters().frames;
      assert.ok(before > 0, `speed ${speed}: frames flowed before close`);
      await src.close();
      assert.equal(got, src.counters().frames, `speed ${speed}: close() flushed every frame handed on`);
      assert.equal(src.status().state, 'closed');
      await new Promise((r) => setImmediate(r));
      for (const [name, n] of Object.entries(baseline)) {
        // <=: a timer left by an earlier test file may expire meanwhile; a leak of ours would add one
        assert.ok(countOf(name) <= n, `speed ${speed}: ${name} left: ${process.getActiveResourcesInfo().join(', ')}`);
      }
    }
  });

  it('malformed lines become warnings with file:line; the replay goes on', async () => {
    const file = path.join(dir, 'bad.log.gz');
    fs.writeFileSync(file, gzipSync('(1.000000) can0 123#01\n(1.100000) can0 123#0\n(1.200000) can0 124#02\n(1.3) can0 XYZ#\n(1.400000) can0 125#03\n'));
    const r = await replay({ vehicle: 'v', files: [file], speed: 'max' });
    assert.deepEqual(r.warnings.map((w) => w.where), [`${file}:2`, `${file}:4`]);
    assert.equal(r.src.counters().malformed, 2);
    assert.deepEqual(perIface(r.batches).get('can0')!.map((f) => f[1]), [0x123, 0x124, 0x125]);
  });

  it('an unreadable file is a warning; the other files still play; nothing readable ends with the reason', async () => {
    const good = path.join(dir, 'ok.log');
    fs.writeFileSync(good, synth(5, 10, 0.01));
    const missing = path.join(dir, 'missing.log');
    const r = await replay({ vehicle: 'v', files: [missing, good], speed: 'max' });
    assert.equal(r.src.counters().frames, 5);
    assert.equal(r.warnings[0]!.where, missing);
    const none = await replay({ vehicle: 'v', files: [missing], speed: 'max', loop: true });
    assert.equal(none.statuses.find((s) => s.state === 'ended')!.reason!.includes('no frames'), true);
  });

  it('throttle holds the replay until the consumer catches up; close() ends a hold', async () => {
    let calls = 0;
    let held = 0;
    const t0 = performance.now();
    const r = await replay({
      vehicle: 'v',
      files: [BUNDLED],
      speed: 'max',
      throttle: () => {
        calls++;
        if (calls > 3) return undefined;
        held++;
        return new Promise<void>((res) => setTimeout(res, 50));
      },
    });
    assert.ok(calls > 3, `asked between chunks (${calls} times)`);
    assert.equal(held, 3);
    assert.ok(performance.now() - t0 >= 150, 'three 50 ms holds were waited for');
    assert.equal(r.src.counters().frames, 65296);

    const src = new ReplaySource({ vehicle: 'v', files: [BUNDLED], speed: 'max', throttle: () => new Promise<void>(() => undefined) });
    src.start();
    await new Promise((res) => setTimeout(res, 100));
    const frames = src.counters().frames;
    assert.ok(frames > 0 && frames < 65296, `held after the first chunk (${frames} frames)`);
    const c0 = performance.now();
    await src.close();
    assert.ok(performance.now() - c0 < 1000, 'close() does not wait for a hold that never ends');
  });

  it('rejects a bad configuration with the field named', () => {
    assert.throws(() => new ReplaySource({ vehicle: 'v', files: [], speed: 1 }), /files/);
    assert.throws(() => new ReplaySource({ vehicle: 'v', files: ['x'], speed: 0 }), /speed/);
    assert.throws(() => new ReplaySource({ vehicle: 'v', files: ['x'], speed: Number.NaN }), /speed/);
  });
});
