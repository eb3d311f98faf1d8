import assert from 'node:assert/strict';
import { CLASS_DEFAULTS, ConfigError, configVersion, fleetConfig, resolveConfig } from '../../edge/scoring/index.js';

const problems = (f: () => unknown): string[] => {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.problems;
  }
  assert.fail('no ConfigError');
};

describe('scoring config', () => {
  it('has defaults per vehicle class: heavier vehicles get lower harsh thresholds and limits', () => {
    assert.equal(CLASS_DEFAULTS.van.harsh.braking.thresholdG, 0.35);
    assert.equal(CLASS_DEFAULTS.van.harsh.cornering.thresholdG, 0.4);
    assert.ok(CLASS_DEFAULTS.rigid_truck.harsh.braking.thresholdG < CLASS_DEFAULTS.van.harsh.braking.thresholdG);
    assert.ok(CLASS_DEFAULTS.tractor_unit.harsh.acceleration.thresholdG < CLASS_DEFAULTS.rigid_truck.harsh.acceleration.thresholdG);
    assert.equal(CLASS_DEFAULTS.rigid_truck.speeding.limitKmh, 80);
    assert.equal(CLASS_DEFAULTS.van.fatigue.maxDrivingS, 16200);
  });

  it('overrides merge field by field and leave the defaults alone', () => {
    const c = resolveConfig('van', { harsh: { braking: { thresholdG: 0.3 } }, night: { start: '22:00', end: '05:00' } });
    assert.equal(c.harsh.braking.thresholdG, 0.3);
    assert.equal(c.harsh.braking.minDurationS, 0.3);
    assert.equal(c.night.timeZone, 'Europe/Copenhagen');
    assert.equal(CLASS_DEFAULTS.van.harsh.braking.thresholdG, 0.35);
  });

  it('names every bad field', () => {
    const p = problems(() =>
      resolveConfig('van', {
        harsh: { braking: { thresholdG: -1, minDurtionS: 1 } },
        speeding: { limitKmh: '90' },
        night: { timeZone: 'Mars/Olympus', start: '25:00' },
        trip: { stopSpeedKmh: 5 },
        roster: [{ driver: 'x', from: 'yesterday' }],
      }),
    );
    const has = (prefix: string) => assert.ok(p.some((x) => x.startsWith(prefix)), `${prefix} in ${JSON.stringify(p)}`);
    has('harsh.braking.thresholdG: must be within (0, 5] g, got -1');
    has('harsh.braking.minDurtionS: unknown field');
    has('speeding.limitKmh: must be a finite number, got "90"');
    has('night.timeZone: not an IANA time zone');
    has('night.start: must be "HH:MM"');
    has('trip.stopSpeedKmh: must be below trip.startSpeedKmh');
    has('roster[0].from: must be an ISO 8601 time');
  });

  it('fleet config: per-vehicle class and overrides, errors prefixed with the vehicle', () => {
    const lookup = fleetConfig({ common: { night: { timeZone: 'Europe/Berlin' } }, vehicles: { T1: { class: 'tractor_unit', overrides: { idling: { minDurationS: 900 } } } } });
    assert.equal(lookup('T1').vehicleClass, 'tractor_unit');
    assert.equal(lookup('T1').idling.minDurationS, 900);
    assert.equal(lookup('T1').night.timeZone, 'Europe/Berlin');
    assert.equal(lookup('other').vehicleClass, 'van');
    assert.equal(lookup('other').night.timeZone, 'Europe/Berlin');
    const p = problems(() => fleetConfig({ vehicles: { T2: { class: 'bus' }, T3: { class: 'van', overrides: { idling: { minDurationS: -5 } } } } }));
    assert.ok(p.some((x) => x.startsWith('vehicles.T2.class: must be one of van, rigid_truck, tractor_unit')), JSON.stringify(p));
    assert.ok(p.some((x) => x.startsWith('vehicles.T3.overrides.idling.minDurationS: must be >= 0')), JSON.stringify(p));
  });

  it('configVersion changes with any value and not with key order', () => {
    const a = resolveConfig('van', { speeding: { limitKmh: 100, toleranceKmh: 3 } });
    const b = resolveConfig('van', { speeding: { toleranceKmh: 3, limitKmh: 100 } });
    assert.equal(configVersion(a), configVersion(b));
    assert.notEqual(configVersion(a), configVersion(resolveConfig('van')));
  });
});
