// Harsh braking / acceleration / cornering on scenario drives with known ground truth.
// Van defaults: braking and acceleration 0.35 g, cornering 0.40 g, held >= 0.3 s, evaluated from
// 10 km/h (cornering 30 km/h). 1 g = 9.80665 m/s^2, so 0.35 g = 3.432 m/s^2, 0.40 g = 3.923 m/s^2.
import assert from 'node:assert/strict';
import { drive, G0, phaseAt, type Phase } from '../support/motion-model.js';
import { events, run, WARMUP } from './helpers.js';

const near = (actual: number, expected: number, tol: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} not within ${tol} of ${expected}`);

describe('harsh events', () => {
  describe('braking', () => {
    const phases: Phase[] = [...WARMUP, { duration: 2, accel: -4.5, label: 'brake' }, { duration: 10, label: 'after' }];

    it('fires once on a 0.46 g stop of 2 s with the IMU calibrated: start, end, peak, speed, position', () => {
      const d = drive(phases, { seed: 11 });
      const out = run(d);
      const ev = events(out, 'harsh_braking');
      assert.equal(ev.length, 1);
      const e = ev[0]!;
      const p = phaseAt(d, 'brake');
      // the IMU (100 Hz) steps with the brake; the median keeps the edges: within two samples
      near(e.t0, p.t0, 0.03, 't0');
      near(e.t1, p.t1, 0.03, 't1');
      // the peak is the highest filtered value: truth + the median's share of 0.3 m/s^2 vibration + 0.125 quantum
      near(e.peak, 4.5 / G0, 0.03, 'peak g');
      near(e.speedAtStart!, p.v0, 1, 'speed at start');
      assert.equal(e.accelSource, 'calibrated');
      assert.ok(e.position && e.position.t <= e.t0 && e.t0 - e.position.t <= 1.1, 'last fix before t0');
      assert.equal(events(out).length, 1, 'nothing else fires');
      // one calibration record saying the IMU was calibrated
      const cal = out.filter((o) => o.kind === 'calibration' && o.state === 'complete');
      assert.equal(cal.length, 1);
    });

    it('uses the measured acceleration when the vehicle sends one', () => {
      const d = drive(phases, { seed: 12, measuredAccel: true, imuHz: 0 });
      const ev = events(run(d), 'harsh_braking');
      assert.equal(ev.length, 1);
      assert.equal(ev[0]!.accelSource, 'measured');
      near(ev[0]!.t0, phaseAt(d, 'brake').t0, 0.03, 't0');
    });

    it('derives it from speed without an IMU, within half the slope window', () => {
      const d = drive(phases, { seed: 13, imuHz: 0 });
      const ev = events(run(d), 'harsh_braking');
      assert.equal(ev.length, 1);
      const e = ev[0]!;
      assert.equal(e.accelSource, 'derived');
      const p = phaseAt(d, 'brake');
      near(e.t0, p.t0, 0.5, 't0');
      near(e.t1, p.t1, 0.5, 't1');
      near(e.peak, 4.5 / G0, 0.03, 'peak');
    });

    it('threshold edges: 0.33 g is silent, 0.37 g fires', () => {
      const at = (a: number, seed: number) => events(run(drive([...WARMUP, { duration: 1.5, accel: -a * G0, label: 'b' }, { duration: 5 }], { seed })), 'harsh_braking');
      assert.equal(at(0.33, 21).length, 0);
      assert.equal(at(0.37, 22).length, 1);
    });

    it('duration edges: 0.45 g for 0.25 s is too short, for 0.35 s it counts', () => {
      const at = (dur: number, seed: number) => events(run(drive([...WARMUP, { duration: dur, accel: -0.45 * G0 }, { duration: 5 }], { seed })), 'harsh_braking');
      assert.equal(at(0.25, 31).length, 0);
      assert.equal(at(0.35, 32).length, 1);
    });

    it('too slow: a 0.5 g stop from 8 km/h is not evaluated', () => {
      const d = drive([...WARMUP, { duration: 12, accel: -1.45, label: 'slow down' }, { duration: 1.2, label: 'crawl' }, { duration: 0.6, accel: -0.5 * G0 }, { duration: 3 }], { seed: 33 });
      const crawl = phaseAt(d, 'crawl');
      assert.ok(crawl.v0 > 2 && crawl.v0 < 9, `crawl at ${crawl.v0}`);
      assert.equal(events(run(d), 'harsh_braking').length, 0);
    });
  });

  describe('acceleration', () => {
    it('fires on 0.40 g from 20 km/h for 1.5 s, not on 0.30 g', () => {
      const d = drive([...WARMUP, { duration: 3, accel: -1.5 }, { duration: 1.5, accel: 0.4 * G0, label: 'go' }, { duration: 5 }], { seed: 41 });
      const ev = events(run(d), 'harsh_acceleration');
      assert.equal(ev.length, 1);
      const p = phaseAt(d, 'go');
      near(ev[0]!.t0, p.t0, 0.03, 't0');
      near(ev[0]!.t1, p.t1, 0.03, 't1');
      near(ev[0]!.peak, 0.4, 0.03, 'peak');
      const quiet = drive([...WARMUP, { duration: 3, accel: -1.5 }, { duration: 1.5, accel: 0.3 * G0 }, { duration: 5 }], { seed: 42 });
      assert.equal(events(run(quiet), 'harsh_acceleration').length, 0);
    });
  });

  describe('cornering', () => {
    it('fires on 0.46 g at 43 km/h with start, end, peak; left and right alike', () => {
      for (const [sign, seed] of [[1, 51], [-1, 52]] as const) {
        const d = drive([...WARMUP, { duration: 2.5, lateral: sign * 4.5, label: 'turn' }, { duration: 5 }], { seed });
        const ev = events(run(d), 'harsh_cornering');
        assert.equal(ev.length, 1, `sign ${sign}`);
        const p = phaseAt(d, 'turn');
        near(ev[0]!.t0, p.t0, 0.03, 't0');
        near(ev[0]!.t1, p.t1, 0.03, 't1');
        near(ev[0]!.peak, 4.5 / G0, 0.03, 'peak');
      }
    });

    it('too slow: the same 0.46 g under 30 km/h is not evaluated', () => {
      const d = drive([...WARMUP, { duration: 6, accel: -2 }, { duration: 2.5, lateral: 4.5, label: 'turn' }, { duration: 5 }], { seed: 53 });
      assert.ok(phaseAt(d, 'turn').v0 < 30);
      assert.equal(events(run(d), 'harsh_cornering').length, 0);
    });

    it('from yaw rate x speed when there is no IMU', () => {
      const d = drive([...WARMUP, { duration: 2.5, lateral: 4.5, label: 'turn' }, { duration: 5 }], { seed: 54, imuHz: 0, yaw: true });
      const ev = events(run(d), 'harsh_cornering');
      assert.equal(ev.length, 1);
      assert.equal(ev[0]!.accelSource, 'derived');
    });
  });

  describe('normal driving stays silent', () => {
    // gentle urban driving: 0.15-0.2 g starts and stops, 0.25 g bends, with 0.3 m/s^2 vibration,
    // timestamp jitter of 40% of the period and 10% of all samples dropped
    const city: Phase[] = [
      ...WARMUP,
      { duration: 20, lateral: 2.5 },
      { duration: 8, accel: -2 },
      { duration: 10 },
      { duration: 10, accel: 1.8 },
      { duration: 30, lateral: -2.4 },
      { duration: 12, accel: -1.9 },
      { duration: 30, engine: false },
    ];
    for (const [name, opts] of [
      ['IMU', { seed: 61, jitter: 0.4, dropRate: 0.1 }],
      ['speed only (derived)', { seed: 62, imuHz: 0, jitter: 0.4, dropRate: 0.1 }],
      ['speed only, coarse and late: 2 Hz OBD-like with 1 km/h steps emulated by noise', { seed: 63, imuHz: 0, speedHz: 2, jitter: 0.45, dropRate: 0.15, speedNoise: 0.5 }],
    ] as const) {
      it(`no harsh event: ${name}`, () => {
        const out = run(drive(city, opts));
        assert.deepEqual(events(out).map((e) => `${e.type}@${e.t0}`), []);
      });
    }

    it('a finite difference of the same jittery speed would have invented spikes (why the slope filter)', () => {
      const d = drive(city, { seed: 62, imuHz: 0, jitter: 0.4, dropRate: 0.1 });
      const sp = d.samples.filter((s) => s.name === 'Vehicle.Speed');
      let worst = 0;
      for (let i = 1; i < sp.length; i++) worst = Math.max(worst, Math.abs((sp[i]!.value - sp[i - 1]!.value) / 3.6 / (sp[i]!.t - sp[i - 1]!.t)));
      assert.ok(worst / G0 > 0.35, `finite difference peak only ${worst / G0} g`);
    });
  });
});
