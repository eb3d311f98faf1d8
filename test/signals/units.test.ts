import assert from 'node:assert/strict';
import { canonicalUnit, conversion, rateOf } from '../../edge/signals/units.js';

const conv = (from: string, to: string, x: number): number => {
  const c = conversion(from, to);
  if (typeof c === 'string') throw new Error(c);
  return x * c.factor + c.offset;
};

describe('signals: units', () => {
  it('normalises DBC spellings to the VSS ones', () => {
    assert.equal(canonicalUnit('kmh'), 'km/h');
    assert.equal(canonicalUnit('deg/s'), 'degrees/s');
    assert.equal(canonicalUnit('deg'), 'degrees');
    assert.equal(canonicalUnit('%'), 'percent');
    assert.equal(canonicalUnit('degC'), 'celsius');
    assert.equal(canonicalUnit('m/s2'), 'm/s^2');
    assert.equal(canonicalUnit('furlongs'), undefined);
  });

  it('converts between units of one quantity', () => {
    assert.ok(Math.abs(conv('m/s', 'km/h', 10) - 36) < 1e-12); // 10 m/s = 36 km/h
    assert.ok(Math.abs(conv('rad/s', 'degrees/s', Math.PI) - 180) < 1e-12);
    assert.ok(Math.abs(conv('g', 'm/s^2', 1) - 9.80665) < 1e-12);
    assert.ok(Math.abs(conv('mph', 'km/h', 60) - 96.56064) < 1e-9); // 60 mph = 96.56064 km/h
    assert.ok(Math.abs(conv('K', 'celsius', 273.15)) < 1e-12);
    assert.ok(Math.abs(conv('fahrenheit', 'celsius', 212) - 100) < 1e-9);
    assert.ok(Math.abs(conv('m', 'km', 2500) - 2.5) < 1e-12);
  });

  it('refuses conversions across quantities and unknown units, saying why', () => {
    assert.match(conversion('km/h', 'rpm') as string, /cannot convert speed \(km\/h\) to rotational speed \(rpm\)/);
    assert.match(conversion('parsec', 'm') as string, /unknown unit "parsec"/);
  });

  it('gives the unit and factor of a rate of change', () => {
    assert.deepEqual(rateOf('km/h'), { unit: 'm/s^2', factor: 1 / 3.6 });
    assert.equal(rateOf('rpm'), undefined);
  });
});
