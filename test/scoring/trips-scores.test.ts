// Trips (start/end, stops, gaps, distance) and scores (formula, minimum distance, events behind them).
import assert from 'node:assert/strict';
import { FORMULA_VERSION, resolveConfig } from '../../edge/scoring/index.js';
import { drive, G0, type Phase } from '../support/motion-model.js';
import { events, run, scores, trips, WARMUP } from './helpers.js';

const near = (actual: number, expected: number, tol: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} not within ${tol} of ${expected}`);

const leg = (cruiseS: number, label = ''): Phase[] => [
  { duration: 15, accel: 1.5, label: `${label}go` },
  { duration: cruiseS, label: `${label}cruise` },
  { duration: 15, accel: -1.5, label: `${label}stop` },
];

describe('trips', () => {
  it('a stop of 4 min with the engine off does not end the trip; 6 min does', () => {
    const short = drive([{ duration: 3 }, ...leg(60), { duration: 240, engine: false }, ...leg(60), { duration: 400, engine: false }], { seed: 201, imuHz: 0 });
    const one = trips(run(short));
    assert.equal(one.length, 1);
    near(one[0]!.distance, short.distanceKm, short.distanceKm * 0.005, 'distance = speed integral');
    const long = drive([{ duration: 3 }, ...leg(60), { duration: 360, engine: false }, ...leg(60), { duration: 400, engine: false }], { seed: 202, imuHz: 0 });
    const two = trips(run(long));
    assert.equal(two.length, 2);
    // the first ends where the engine went off (the moment the vehicle stood: engine off all through the stop)
    const p = long.phases;
    near(two[0]!.t1, p[3]!.t1, 0.3, 'first trip end');
    near(two[1]!.t0, p[5]!.t0, 0.3, 'second trip start');
    near(two[0]!.distance + two[1]!.distance, long.distanceKm, long.distanceKm * 0.005, 'distance');
  });

  it('standing with the engine running does not end the trip (idling is part of it)', () => {
    const d = drive([{ duration: 3 }, ...leg(60), { duration: 900 }, ...leg(60), { duration: 400, engine: false }], { seed: 203, imuHz: 0 });
    const tr = trips(run(d));
    assert.equal(tr.length, 1);
    assert.ok(tr[0]!.idleSeconds >= 900, `idle ${tr[0]!.idleSeconds}`);
    assert.equal(tr[0]!.counts.idling, 1);
  });

  it('a 10 min data gap while driving is not a stop: one trip, the gap counted, not integrated', () => {
    const d = drive([{ duration: 3 }, { duration: 15, accel: 1.5 }, { duration: 60 }, { duration: 600, gap: true }, { duration: 60 }, { duration: 15, accel: -1.5 }, { duration: 400, engine: false }], { seed: 204, imuHz: 0 });
    const tr = trips(run(d));
    assert.equal(tr.length, 1);
    near(tr[0]!.gapSeconds, 600, 0.5, 'gap');
    // distance without the gap: the model covered 600 s * 22.5 m/s = 13.5 km inside it
    near(tr[0]!.distance, d.distanceKm - 13.5, 0.02, 'distance outside the gap');
  });

  it('a gap of 30 min or more ends the trip at the last sample before it', () => {
    const d = drive([{ duration: 3 }, ...leg(60), { duration: 2000, gap: true }, ...leg(60), { duration: 400, engine: false }], { seed: 205, imuHz: 0 });
    const tr = trips(run(d));
    assert.equal(tr.length, 2);
    assert.ok(tr[0]!.t1 <= d.phases[4]!.t0 && tr[0]!.t1 > d.phases[4]!.t0 - 1, `ends before the gap: ${tr[0]!.t1 - d.phases[4]!.t0}`);
  });

  it('manoeuvring in the yard (under 0.2 km) is no trip', () => {
    const d = drive([{ duration: 3 }, { duration: 5, accel: 1 }, { duration: 5, accel: -1 }, { duration: 400, engine: false }], { seed: 206, imuHz: 0 });
    assert.equal(trips(run(d)).length, 0);
  });

  it('the driver comes from the tachograph id; else from the depot roster', () => {
    const ph: Phase[] = [{ duration: 3 }, ...leg(60), { duration: 400, engine: false }];
    const tacho = trips(run(drive(ph, { seed: 207, imuHz: 0, driver: 'DK12345678' })));
    assert.equal(tacho[0]!.driver, 'DK12345678');
    const t0 = 1_700_000_000;
    const roster = [{ driver: 'anna', from: new Date((t0 - 3600) * 1000).toISOString(), to: new Date((t0 + 3600) * 1000).toISOString() }];
    const ros = trips(run(drive(ph, { seed: 207, imuHz: 0, t0 }), 1000, { roster }));
    assert.equal(ros[0]!.driver, 'anna');
  });
});

describe('scores', () => {
  it('trip score = 100 - per-type deductions per 100 km (capped) - speeding share; lists its events', () => {
    // 20 km at ~72 km/h with two hard stops: harsh braking 3 points per event per 100 km
    const ph: Phase[] = [...WARMUP, { duration: 5, accel: 1.35 }, { duration: 480 }, { duration: 1, accel: -4.5 }, { duration: 5, accel: 4.5 / 1 / 5 }, { duration: 480 }, { duration: 1, accel: -4.5 }, { duration: 5, accel: 0.9 }, { duration: 30 }, { duration: 20, accel: -1 }, { duration: 400, engine: false }];
    const d = drive(ph, { seed: 301 });
    const out = run(d);
    const tr = trips(out);
    assert.equal(tr.length, 1);
    const brakes = events(out, 'harsh_braking');
    assert.equal(brakes.length, 2);
    const t = tr[0]!;
    const s = scores(out, 'trip')[0]!;
    assert.ok(t.distance > 10, `distance ${t.distance}`);
    // independent arithmetic: 2 events over t.distance km
    const expected = 100 - Math.min(25, (3 * 2 * 100) / t.distance);
    near(s.score!, expected, 0.051, 'score');
    assert.equal(t.score, s.score);
    assert.equal(s.status, 'ok');
    assert.equal(s.version, FORMULA_VERSION);
    assert.deepEqual(s.events.map((e) => e.id).sort(), brakes.map((e) => e.id).sort());
    assert.deepEqual(s.trips, [t.id]);
    // the rolling vehicle score exists but the vehicle has done < 100 km
    const v = scores(out, 'vehicle')[0]!;
    assert.equal(v.status, 'insufficient_data');
    assert.equal(v.score, null);
    assert.equal(v.counts.harsh_braking, 2);
  });

  it('caps: 30 harsh brakes in 10 km take off 25 points, not 900', () => {
    const ph: Phase[] = [...WARMUP];
    for (let i = 0; i < 30; i++) ph.push({ duration: 1, accel: -4.5 }, { duration: 1, accel: 4.5 }, { duration: 15 });
    ph.push({ duration: 20, accel: -1 }, { duration: 400, engine: false });
    const out = run(drive(ph, { seed: 302 }));
    const s = scores(out, 'trip')[0]!;
    assert.equal(events(out, 'harsh_braking').length, 30);
    assert.equal(s.deductions.harsh_braking, 25);
  });

  it('below the minimum distance there is no score, only "insufficient data"', () => {
    const out = run(drive([{ duration: 3 }, ...leg(60), { duration: 400, engine: false }], { seed: 303, imuHz: 0 }));
    const s = scores(out, 'trip')[0]!;
    assert.ok(s.distance < 10);
    assert.equal(s.score, null);
    assert.equal(s.status, 'insufficient_data');
  });

  it('speeding share: 1 point per percent of driving time over the limit', () => {
    // ~15 min at 100 km/h then ~3 min at 125 km/h (limit 110 + 5)
    const ph: Phase[] = [{ duration: 3 }, { duration: 20, accel: 100 / 3.6 / 20 }, { duration: 900 }, { duration: 5, accel: 25 / 3.6 / 5 }, { duration: 180 }, { duration: 25, accel: -125 / 3.6 / 25 }, { duration: 400, engine: false }];
    const out = run(drive(ph, { seed: 304, imuHz: 0 }));
    const t = trips(out)[0]!;
    const s = scores(out, 'trip')[0]!;
    const share = t.speedingSeconds / t.drivingSeconds;
    near(share, 183 / 1133, 0.01, 'share');
    near(s.speedingDeduction, Math.min(20, share * 100), 0.01, 'deduction');
    near(s.score!, 100 - Math.min(20, share * 100), 0.051, 'score');
  });

  it('rolling vehicle and driver scores appear once 100 km are driven', () => {
    const ph: Phase[] = [{ duration: 3 }];
    for (let i = 0; i < 4; i++) ph.push(...leg(1200), { duration: 400, engine: false }); // 4 x ~30 km
    const out = run(drive(ph, { seed: 305, imuHz: 0, driver: 'D1' }));
    const v = scores(out, 'vehicle');
    const dr = scores(out, 'driver');
    assert.equal(v.length, 4);
    assert.deepEqual(v.map((s) => s.status), ['insufficient_data', 'insufficient_data', 'insufficient_data', 'ok']);
    assert.equal(dr[3]!.score, 100);
    assert.equal(dr[3]!.trips.length, 4);
  });

  it('is recorded with the config version it was computed with', () => {
    const out = run(drive([{ duration: 3 }, ...leg(60), { duration: 400, engine: false }], { seed: 306, imuHz: 0 }), 1000, { revision: 'fleet-2024', harsh: { braking: { thresholdG: 0.4 } } });
    const s = scores(out, 'trip')[0]!;
    assert.match(s.configVersion, /^ubi-scoring-config\/1:van:fleet-2024:[0-9a-f]{8}$/);
    const base = scores(run(drive([{ duration: 3 }, ...leg(60), { duration: 400, engine: false }], { seed: 306, imuHz: 0 })), 'trip')[0]!;
    assert.notEqual(s.configVersion, base.configVersion);
    assert.equal(resolveConfig('van', { harsh: { braking: { thresholdG: 0.4 } } }).harsh.braking.thresholdG, 0.4);
    void G0;
  });
});
