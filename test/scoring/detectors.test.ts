// Speeding, idling, night share and fatigue on scenario drives with known ground truth.
import assert from 'node:assert/strict';
import { drive, phaseAt, type Phase } from '../support/motion-model.js';
import { events, run, trips } from './helpers.js';

const near = (actual: number, expected: number, tol: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} not within ${tol} of ${expected}`);
const kmh = (v: number): number => v / 3.6;

describe('speeding (van: limit 110 km/h + 5 tolerance, at least 10 s)', () => {
  // reach 120 km/h: 20 s at 1.667 m/s^2 = 33.3 m/s
  const runUp: Phase[] = [{ duration: 2 }, { duration: 20, accel: kmh(120) / 20, label: 'up' }];

  it('30 s at 120 km/h: one event with time and distance over the limit', () => {
    const d = drive([...runUp, { duration: 30, label: 'fast' }, { duration: 10, accel: -2 }, { duration: 10 }], { seed: 71, imuHz: 0 });
    const ev = events(run(d), 'speeding');
    assert.equal(ev.length, 1);
    const e = ev[0]!;
    // over 115 km/h from 115/120 of the run-up (t = 2 + 19.17 s) until the slow-down passes 115 km/h
    // (1.33 m/s / 2 m/s^2 = 0.67 s into it): 0.83 + 30 + 0.67 = 31.5 s
    const up = phaseAt(d, 'up');
    near(e.t0, up.t0 + (20 * 115) / 120, 0.15, 't0');
    near(e.overSeconds!, 31.5, 0.3, 'time over');
    // distance over ~ 31.5 s at ~119.5 km/h average = 1.046 km
    near(e.overDistanceKm!, (31.5 * 119.5) / 3600, 0.015, 'distance over');
    near(e.peak, 120, 0.5, 'peak speed');
    assert.equal(e.limitKmh, 110);
    const tr = trips(run(d));
    assert.equal(tr.length, 1);
    near(tr[0]!.speedingSeconds, e.overSeconds!, 1e-6, 'trip speeding seconds');
  });

  it('just over for 9 s is too short; 11 s counts; at 114 km/h nothing', () => {
    const at = (secs: number, top: number, seed: number) =>
      events(run(drive([{ duration: 2 }, { duration: 20, accel: kmh(top) / 20 }, { duration: secs }, { duration: 10, accel: -3 }, { duration: 10 }], { seed, imuHz: 0 })), 'speeding');
    assert.equal(at(8, 117, 72).length, 0); // over 115 for ~8.6 + 0.7 s < 10 s
    assert.equal(at(11, 117, 73).length, 1);
    assert.equal(at(60, 114, 74).length, 0);
  });

  it('rigid truck class: 85 km/h counts (limit 80 + 5)', () => {
    const d = drive([{ duration: 2 }, { duration: 20, accel: kmh(90) / 20 }, { duration: 30 }, { duration: 10, accel: -2.5 }, { duration: 5 }], { seed: 75, imuHz: 0 });
    assert.equal(events(run(d), 'speeding').length, 0);
    assert.equal(events(run(d, 1000, {}, 'rigid_truck'), 'speeding').length, 1);
  });
});

describe('idling (van: engine running at standstill > 300 s)', () => {
  it('400 s of idling at the kerb gives one event with the idle time and the fuel burnt', () => {
    const d = drive(
      [{ duration: 2 }, { duration: 10, accel: 1.5 }, { duration: 10, accel: -1.5 }, { duration: 400, label: 'idle' }, { duration: 10, accel: 1 }, { duration: 10, accel: -1 }, { duration: 20 }],
      { seed: 81, imuHz: 0, fuel: { idleLph: 2.7, perKm: 0.3 } },
    );
    const ev = events(run(d), 'idling');
    // the first 2 s standstill is too short; the stop after 10 s decelerating lasts 400 s
    assert.equal(ev.length, 1);
    const p = phaseAt(d, 'idle');
    near(ev[0]!.t0, p.t0, 0.25, 't0');
    near(ev[0]!.idleSeconds!, 400, 0.5, 'idle time');
    // 2.7 l/h for 400 s = 0.3 l; the fuel signal has 0.5 l steps, so 0, 0.5 (or 1 at worst)
    assert.ok(ev[0]!.fuelLitres !== null && ev[0]!.fuelLitres! <= 1, `fuel ${ev[0]!.fuelLitres}`);
  });

  it('200 s is not excessive; the tractor unit class allows 600 s', () => {
    const mk = (secs: number, seed: number) => drive([{ duration: 2 }, { duration: 10, accel: 1.5 }, { duration: 10, accel: -1.5 }, { duration: secs }, { duration: 10, accel: 1 }, { duration: 5 }], { seed, imuHz: 0 });
    assert.equal(events(run(mk(200, 82)), 'idling').length, 0);
    assert.equal(events(run(mk(400, 83), 1000, {}, 'tractor_unit'), 'idling').length, 0);
    assert.equal(events(run(mk(650, 84), 1000, {}, 'tractor_unit'), 'idling').length, 1);
  });

  it('engine off at a standstill is not idling', () => {
    const d = drive([{ duration: 2 }, { duration: 10, accel: 1.5 }, { duration: 10, accel: -1.5 }, { duration: 400, engine: false }, { duration: 10, accel: 1 }, { duration: 5 }], { seed: 85, imuHz: 0 });
    assert.equal(events(run(d), 'idling').length, 0);
  });
});

describe('night driving share (00:00-04:00 Europe/Copenhagen by default)', () => {
  const trip: Phase[] = [{ duration: 2 }, { duration: 10, accel: 2 }, { duration: 600 }, { duration: 10, accel: -2 }, { duration: 10 }];

  it('a drive at 01:30 local (00:30 UTC in winter) is all night; at 12:00 none', () => {
    const night = trips(run(drive(trip, { seed: 91, imuHz: 0, t0: Date.parse('2023-11-15T00:30:00Z') / 1000 })));
    assert.equal(night.length, 1);
    near(night[0]!.nightShare, 1, 0.001, 'share at night');
    const day = trips(run(drive(trip, { seed: 91, imuHz: 0, t0: Date.parse('2023-11-15T11:00:00Z') / 1000 })));
    assert.equal(day[0]!.nightShare, 0);
  });

  it('03:55 local in summer (CEST, UTC+2): the first ~5 minutes of driving are night', () => {
    const tr = trips(run(drive(trip, { seed: 92, imuHz: 0, t0: Date.parse('2023-07-01T01:55:00Z') / 1000 })));
    // driving from ~2 s to ~632 s after 03:55:00; night until 04:00:00 = 300 s: 298 s of 630 s driving
    near(tr[0]!.nightSeconds, 298, 1, 'night seconds');
  });

  it('configurable hours and zone: 22:00-05:00 in America/New_York', () => {
    const cfg = { night: { timeZone: 'America/New_York', start: '22:00', end: '05:00' } };
    // 03:00 UTC = 22:00 EST
    const tr = trips(run(drive(trip, { seed: 93, imuHz: 0, t0: Date.parse('2023-11-15T03:00:00Z') / 1000 }), 1000, cfg));
    near(tr[0]!.nightShare, 1, 0.001, 'share');
  });
});

describe('fatigue (EU 561/2006: 4.5 h driving needs a 45 min break, or 15 + 30)', () => {
  const cruise = (s: number, label?: string): Phase => ({ duration: s, ...(label ? { label } : {}) });
  const go: Phase = { duration: 20, accel: kmh(80) / 20 };
  const stop: Phase = { duration: 20, accel: -kmh(80) / 20 };
  const opts = (seed: number) => ({ seed, imuHz: 0, speedHz: 1, rpmHz: 1, gnssHz: 0.1 });

  it('5 h of driving without a break: an event from 4.5 h of driving to the end of the drive', () => {
    const d = drive([{ duration: 5 }, go, cruise(5 * 3600 - 40, 'long'), stop, { duration: 3000, engine: false }], opts(101));
    const ev = events(run(d), 'fatigue');
    assert.equal(ev.length, 1);
    const e = ev[0]!;
    // moving from ~5 s: 4.5 h of driving reached at ~5 + 16200 s
    near(e.t0, d.t0 + 5 + 16200, 2, 't0');
    // closes where the 45-minute break began: when the vehicle stopped (5 + 5 h)
    near(e.t1, d.t0 + 5 + 18000, 2, 't1');
    near(e.peak, 5, 0.01, 'hours driven');
    assert.equal(trips(run(d))[0]!.counts.fatigue, 1);
  });

  it('a 45 min break after 4 h: no event; split 15 + 30: no event; split 30 then 15: event', () => {
    const withBreaks = (breaks: number[], seed: number) => {
      const ph: Phase[] = [{ duration: 5 }, go, cruise(2 * 3600)];
      for (const b of breaks) ph.push(stop, { duration: b * 60 }, go, cruise(3600));
      ph.push(cruise(2 * 3600), stop, { duration: 60 });
      return events(run(drive(ph, opts(seed))), 'fatigue');
    };
    // (a minute over each minimum: stopping and starting take a second or two of the standing time)
    assert.equal(withBreaks([46], 102).length, 0); // 2 h + 46 min + 1 h + 2 h: at most 3 h after the break
    assert.equal(withBreaks([16, 31], 103).length, 0); // 2 h, 16, 1 h, 31, 1 h, 2 h: the 31 completes the split
    assert.equal(withBreaks([31, 16], 104).length, 1); // a 16 after a 31 does not complete it: 6 h running
    assert.equal(withBreaks([44], 105).length, 1); // 44 min is not a break: 5 h running
  });
});
