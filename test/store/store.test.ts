// Store and SignalAggregator without a database: buffering, big messages, windows, late samples.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Store } from '../../edge/store/store.js';
import { SignalAggregator } from '../../edge/store/signal-aggregator.js';
import { fromSamples } from '../../edge/signals/signal-batch.js';
import { fromFrames } from '../../edge/can/frame.js';

const T0 = Date.UTC(2025, 0, 1); // ms

describe('store: without a database', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ubi-store-nodb-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('buffers everything with no InfluxDB configured and keeps it across a restart', async () => {
    const logs: string[] = [];
    let s = new Store({ dir, log: (_l, m) => logs.push(m), healthIntervalMs: 0 });
    assert.equal(s.stats().state, 'no database');
    // one message far larger than an argument list may be (no spread of huge arrays)
    const pts = Array.from({ length: 130_000 }, (_, i) => ({ measurement: 'gateway', tags: { vehicle: 'v' }, fields: { frames_per_s: i }, time: T0 + i }));
    const r = await s.accept(pts);
    assert.equal(r.points, 130_000);
    assert.ok(logs.some((l) => /no InfluxDB configured/.test(l)));
    await s.close();
    s = new Store({ dir, healthIntervalMs: 0 });
    assert.equal(s.stats().pending, 130_000);
    await s.close();
  });

  it('ignores FrameBatches when no archive is configured (counted, not quarantined)', async () => {
    const s = new Store({ dir, healthIntervalMs: 0 });
    const r = await s.accept(fromFrames('v', 'can0', [{ t: T0 / 1000, id: 1, ext: false, fd: false, data: new Uint8Array([1]) }]));
    assert.deepEqual(r, { points: 0, quarantined: 0, dropped: 0, frames: 0, ignored: 1 });
    await s.close();
  });
});

describe('store: SignalAggregator', () => {
  it('cuts windows on data time, closes them after the lateness, counts late samples', () => {
    const a = new SignalAggregator({ windowMs: 1000, latenessMs: 500 });
    const t = T0 / 1000;
    let out = a.add(fromSamples('v', [
      { t: t + 0.1, name: 'S', value: 1 },
      { t: t + 0.9, name: 'S', value: 3 },
      { t: t + 1.2, name: 'S', value: 10 },
    ]));
    assert.deepEqual(out, [], 'window [0,1) still open: data is only 0.2 s past its end');
    out = a.add(fromSamples('v', [{ t: t + 1.6, name: 'S', value: 20 }]));
    assert.deepEqual(out, [{ measurement: 'signal', tags: { vehicle: 'v', signal: 'S' }, fields: { mean: 2, min: 1, max: 3, last: 3, n: 2 }, time: T0 }]);
    out = a.add(fromSamples('v', [{ t: t + 0.95, name: 'S', value: 99 }]));
    assert.deepEqual(out, []);
    assert.equal(a.late, 1, 'a sample for a closed window is counted, not written over it');
    const rest = a.flush();
    assert.deepEqual(rest.map((p) => [p.time, p.fields.n, p.fields.mean]), [[T0 + 1000, 2, 15]]);
  });

  it("keeps a slow interface's windows when the other interface's batches run ahead (full-speed replay)", () => {
    // can1 (IMU) batches span 10 s and arrive before can0's batch of the same 50 s: a vehicle-wide
    // watermark dropped can0's windows as late (found by the end-to-end test)
    const t = T0 / 1000;
    const a = new SignalAggregator({ windowMs: 1000, latenessMs: 2000 });
    const out = [];
    for (let k = 0; k < 5; k++) out.push(...a.add(fromSamples('v', Array.from({ length: 100 }, (_, i) => ({ t: t + k * 10 + i * 0.1, name: 'IMU', value: i })))));
    out.push(...a.add(fromSamples('v', Array.from({ length: 500 }, (_, i) => ({ t: t + i * 0.1, name: 'Speed', value: i })))));
    out.push(...a.flush());
    assert.equal(a.late, 0);
    assert.equal(out.filter((p) => p.tags.signal === 'Speed').length, 50, 'every 1 s window of Speed');
    assert.equal(out.filter((p) => p.tags.signal === 'IMU').length, 50);
    // a silent signal's last window still closes once the vehicle's data is silentMs past it
    const b = new SignalAggregator({ windowMs: 1000, latenessMs: 500, silentMs: 5000 });
    assert.deepEqual(b.add(fromSamples('v', [{ t, name: 'Gone', value: 1 }, { t: t + 3, name: 'On', value: 1 }])), []);
    assert.deepEqual(b.add(fromSamples('v', [{ t: t + 6.5, name: 'On', value: 2 }])).map((p) => [p.tags.signal, p.time]), [['Gone', T0], ['On', T0 + 3000]]);
  });

  it('gives identical points whatever the batch boundaries (replay determinism)', () => {
    const samples = Array.from({ length: 500 }, (_, i) => ({ t: T0 / 1000 + i * 0.013, name: i % 3 ? 'A' : 'B', value: Math.sin(i) }));
    const whole = new SignalAggregator();
    const w = [...whole.add(fromSamples('v', samples)), ...whole.flush()];
    const split = new SignalAggregator();
    const s: unknown[] = [];
    for (let i = 0; i < samples.length; i += 37) s.push(...split.add(fromSamples('v', samples.slice(i, i + 37))));
    s.push(...split.flush());
    assert.deepEqual(s, w);
  });
});
