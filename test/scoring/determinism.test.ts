// The same drive in different batch sizes gives byte-identical outputs (insurers re-score disputed trips).
import assert from 'node:assert/strict';
import { drive, type Phase } from '../support/motion-model.js';
import { run } from './helpers.js';

describe('scoring determinism', () => {
  it('batch sizes 1, 7, 250 and everything-at-once give identical serialised outputs', function () {
    this.timeout(60000);
    const ph: Phase[] = [
      { duration: 5 },
      { duration: 12, accel: 1.5 },
      { duration: 20, lateral: 4.5 },
      { duration: 1.5, accel: -4.5 },
      { duration: 20, accel: 2 },
      { duration: 40 },
      { duration: 20, gap: true },
      { duration: 15, accel: -4 },
      { duration: 400 },
      { duration: 30, accel: 1.2 },
      { duration: 30, accel: -1.2 },
      { duration: 400, engine: false },
    ];
    const d = drive(ph, { seed: 401, jitter: 0.3, dropRate: 0.05, driver: 'DK1', fuel: { idleLph: 3, perKm: 0.3 } });
    const ref = JSON.stringify(run(d, d.samples.length));
    const kinds = new Set((JSON.parse(ref) as Array<{ kind: string }>).map((o) => o.kind));
    for (const k of ['event', 'trip', 'score', 'calibration']) assert.ok(kinds.has(k), `has ${k}`);
    for (const size of [1, 7, 250]) assert.equal(JSON.stringify(run(d, size)), ref, `batch size ${size}`);
  });
});
