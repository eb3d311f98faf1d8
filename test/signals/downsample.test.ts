import assert from 'node:assert/strict';
import { Downsampler } from '../../edge/signals/downsample.js';

describe('signals: down-sampling', () => {
  it('gives the mean or the last value per window, stamped with the window start', () => {
    for (const mode of ['mean', 'last'] as const) {
      const ds = new Downsampler({ period: 1, mode });
      // signal 0: 100.1 -> 1, 100.6 -> 3 ; 101.2 -> 10 ; signal 1: 100.9 -> 7
      ds.add(100.1, 0, 1);
      ds.add(100.6, 0, 3);
      ds.add(100.9, 1, 7);
      ds.add(101.2, 0, 10); // closes signal 0's window [100, 101)
      const a = ds.take();
      assert.deepEqual(a, { t: [100], signal: [0], value: [mode === 'mean' ? 2 : 3] });
      ds.flush();
      const b = ds.take();
      assert.deepEqual(b, { t: [100, 101], signal: [1, 0], value: [7, 10] });
    }
  });

  it('closes the window of a silent signal once its interface time is hold seconds past it', () => {
    const ds = new Downsampler({ period: 1, mode: 'last', hold: 2 });
    const iface = [0, 1];
    ds.add(100.5, 0, 1); // iface 0
    ds.add(100.5, 1, 2); // iface 1
    ds.advance(102.9, iface, 0); // 102.9 < 101 + 2: nothing yet
    assert.equal(ds.pending, 0);
    ds.advance(103.0, iface, 0); // iface 0's time reached window end + hold: only signal 0 closes
    assert.deepEqual(ds.take(), { t: [100], signal: [0], value: [1] });
    ds.add(100.7, 0, 5); // belongs to the closed window: late, dropped
    assert.equal(ds.late, 1);
    ds.flush();
    assert.deepEqual(ds.take(), { t: [100], signal: [1], value: [2] });
  });

  it('gives the same points however the samples are cut into calls', () => {
    const samples: Array<[number, number, number]> = [];
    for (let i = 0; i < 500; i++) samples.push([1000 + i * 0.037, i % 3, Math.sin(i)]);
    const once = new Downsampler({ period: 0.5, mode: 'mean' });
    for (const s of samples) once.add(...s);
    once.flush();
    const a = once.take();
    const chunked = new Downsampler({ period: 0.5, mode: 'mean' });
    const parts: Array<ReturnType<Downsampler['take']>> = [];
    samples.forEach((s, i) => {
      chunked.add(...s);
      if (i % 17 === 0) parts.push(chunked.take());
    });
    chunked.flush();
    parts.push(chunked.take());
    const merged = parts.flatMap((p) => p.t.map((t, i) => [t, p.signal[i]!, p.value[i]!] as const)).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    assert.deepEqual(merged.map((x) => x[0]), a.t);
    assert.deepEqual(merged.map((x) => x[2]), a.value);
    // 500 samples * 0.037 s = 18.5 s -> 37 windows of 0.5 s per signal (all three signals present in each)
    assert.equal(a.t.length, 37 * 3);
  });

  it('refuses a period that is not positive', () => {
    assert.throws(() => new Downsampler({ period: 0, mode: 'last' }), /period must be > 0/);
  });
});
