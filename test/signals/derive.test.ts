import assert from 'node:assert/strict';
import { RateEstimator } from '../../edge/signals/derive.js';
import { rng } from '../support/rng.js';


describe('signals: derived rate (least-squares slope)', () => {
  it('is exact for a steady acceleration, whatever the sample spacing', () => {
    const seed = 7;
    const r = rng(seed);
    const est = new RateEstimator({ window: 2 });
    let t = 1627274455;
    let last = Number.NaN;
    for (let i = 0; i < 100; i++) {
      t += 0.3 + 0.4 * r(); // 0.3 .. 0.7 s apart
      last = est.push(t, 10 + 2.5 * (t - 1627274455)); // 2.5 units/s
    }
    assert.ok(Math.abs(last - 2.5) < 1e-6, `seed ${seed}: ${last}`);
  });

  it('does not turn timestamp jitter and 1 km/h quantisation into spikes (a two-point difference does)', () => {
    // Cruising at a true 50.4 km/h (constant), OBD answers every 0.5 s with +-40 ms of jitter,
    // speed quantised to whole km/h, so it reads 50 or 51 depending on noise of +-0.6 km/h.
    const seed = 42;
    const r = rng(seed);
    const est = new RateEstimator({ window: 2 });
    let t = 1000;
    let prevT = Number.NaN;
    let prevV = Number.NaN;
    let maxLs = 0;
    let maxTwoPoint = 0;
    for (let i = 0; i < 400; i++) {
      t += 0.5 + (r() - 0.5) * 0.08;
      const v = Math.round(50.4 + (r() - 0.5) * 1.2);
      const a = est.push(t, v) / 3.6; // km/h/s -> m/s^2
      if (a === a) maxLs = Math.max(maxLs, Math.abs(a));
      if (prevT === prevT) maxTwoPoint = Math.max(maxTwoPoint, Math.abs((v - prevV) / (t - prevT) / 3.6));
      prevT = t;
      prevV = v;
    }
    // One step of 1 km/h over ~0.46 s is ~0.6 m/s^2 two-point; the fit over 2 s stays well below
    // the ~0.3 g (2.9 m/s^2) of a harsh event and below the 0.5 m/s^2 a detector might start at.
    assert.ok(maxTwoPoint > 0.5, `seed ${seed}: two-point max ${maxTwoPoint}`);
    assert.ok(maxLs < 0.35, `seed ${seed}: least-squares max ${maxLs}`);
  });

  it('waits for enough samples and starts afresh after a gap or when time goes back', () => {
    const est = new RateEstimator({ window: 2, minSamples: 3 });
    assert.ok(Number.isNaN(est.push(0, 0)));
    assert.ok(Number.isNaN(est.push(0.5, 1)));
    assert.equal(est.push(1, 2), 2); // 3 samples spanning 1 s (>= half the window): slope 2/s
    assert.ok(Number.isNaN(est.push(10, 2))); // 9 s gap: history dropped
    assert.ok(Number.isNaN(est.push(10.5, 3)));
    assert.equal(est.push(11, 4), 2);
    assert.ok(Number.isNaN(est.push(5, 0))); // time went back
  });

  it('forgets samples older than the window', () => {
    const est = new RateEstimator({ window: 1, minSamples: 2 });
    est.push(0, 0);
    est.push(0.5, 100); // a jump...
    est.push(1, 100);
    est.push(1.6, 100); // ... 0 and 0.5 are now out of the 1 s window
    assert.equal(est.push(2, 100), 0);
  });
});
