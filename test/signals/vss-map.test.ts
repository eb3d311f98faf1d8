import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { validateVssMap, loadVssMapFile, VssMapError, rawMatcher } from '../../edge/signals/vss-map.js';
import { BUILTIN_MAPS, loadVssMap } from '../../edge/signals/maps/index.js';

function problems(doc: unknown): string[] {
  try {
    validateVssMap(doc, 'maps/van.json');
  } catch (e) {
    assert.ok(e instanceof VssMapError);
    return e.message.split('\n');
  }
  return [];
}

describe('signals: VSS maps', () => {
  it('every shipped map is valid', () => {
    for (const name of Object.keys(BUILTIN_MAPS)) {
      const m = loadVssMap(name);
      assert.equal(m.source, `builtin:${name}`);
      assert.ok(Object.keys(m.signals).length >= 5, name);
    }
  });

  it('names the file, the entry and the field of each problem, all at once', () => {
    const p = problems({
      vehicleType: 'van',
      signals: {
        'Vehicle.Speed': { unit: 'm/s', from: [{ dbc: 'SPEED' }] },
        'Vehicle.Acceleration.Longitudinal': { unit: 'm/s^2', from: [{ derive: 'rate', of: 'Vehicle.Sped', window: 0 }] },
        'Vehicle.Powertrain.CombustionEngine.Speed': { unit: 'rpm', from: [{ obd: '0x1FF' }, { dbc: 'EEC1.EngineSpeed', obd: 12 }] },
        'speed': { unit: 'km/h', from: [] },
      },
      raw: ['gnss_imu'],
    });
    const want = [
      'maps/van.json: signals["Vehicle.Speed"].unit: VSS gives Vehicle.Speed in km/h, not m/s',
      'maps/van.json: signals["Vehicle.Speed"].from[0].dbc: expected "<Message>.<Signal>", found "SPEED"',
      'maps/van.json: signals["Vehicle.Acceleration.Longitudinal"].from[0].window: expected seconds in (0, 60], found 0',
      'maps/van.json: signals["Vehicle.Powertrain.CombustionEngine.Speed"].from[0].obd: expected a mode 01 PID 0..255 (number or "0x0D"), found "0x1FF"',
      'maps/van.json: signals["Vehicle.Powertrain.CombustionEngine.Speed"].from[1]: expected exactly one of dbc, obd, derive (found dbc, obd)',
      'maps/van.json: signals["speed"]: the name must be a VSS path like Vehicle.Speed',
      'maps/van.json: signals["speed"].from: expected a non-empty list of sources',
      'maps/van.json: signals["Vehicle.Acceleration.Longitudinal"].from[0].of: "Vehicle.Sped" is not a signal of this map',
      'maps/van.json: raw[0]: expected "<Message>.<Signal>" (with * wildcards), found "gnss_imu"',
    ];
    for (const w of want) assert.ok(p.includes(w), `missing: ${w}\ngot:\n${p.join('\n')}`);
    assert.equal(p.length, want.length, p.join('\n'));
  });

  it('rejects unknown units, unknown fields and rates that have no unit', () => {
    const p = problems({
      vehicleType: 'van',
      colour: 'red',
      signals: {
        'Vehicle.Speed': { unit: 'km/h', from: [{ dbc: 'A.B', unit: 'leagues', scale: 2 }] },
        'Vehicle.Powertrain.CombustionEngine.Speed': { unit: 'rpm', from: [{ obd: 12 }] },
        'Vehicle.Private.EngineAccel': { unit: 'm/s^2', from: [{ derive: 'rate', of: 'Vehicle.Powertrain.CombustionEngine.Speed' }] },
      },
    });
    assert.ok(p.includes('maps/van.json: colour: unknown field (expected vehicleType, description, signals, raw)'), p.join('\n'));
    assert.ok(p.includes('maps/van.json: signals["Vehicle.Speed"].from[0].unit: unknown unit "leagues"'), p.join('\n'));
    assert.ok(p.includes('maps/van.json: signals["Vehicle.Speed"].from[0].scale: unknown field (expected dbc, unit, factor, offset, when)'), p.join('\n'));
    assert.ok(p.includes('maps/van.json: signals["Vehicle.Private.EngineAccel"].from[0].of: the rate of a signal in rpm has no unit here'), p.join('\n'));
  });

  it('reads JSON files; a syntax error names file:line:column', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ubi-map-'));
    try {
      const good = path.join(dir, 'good.json');
      fs.writeFileSync(good, JSON.stringify({ vehicleType: 'x', signals: { 'Vehicle.Speed': { unit: 'km/h', from: [{ obd: 13 }] } } }));
      assert.equal(loadVssMapFile(good).vehicleType, 'x');
      const bad = path.join(dir, 'bad.json');
      fs.writeFileSync(bad, '{\n  "vehicleType": "x",\n  "signals": { oops }\n}\n');
      // the stray token `oops` is on line 3: two spaces, "signals" (9), ':', ' ', '{', ' ' -> its 'o' is column 16
      assert.throws(() => loadVssMapFile(bad), (e: Error) => e.message.startsWith(`${bad}:3:16: invalid JSON`));
      assert.throws(() => loadVssMapFile(path.join(dir, 'none.json')), /none\.json: not found/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('raw patterns match whole <Message>.<Signal> names with * wildcards', () => {
    const m = rawMatcher(['gnss_imu.*', 'gnss_speed.Speed']);
    assert.equal(m('gnss_imu.AccelerationX'), true);
    assert.equal(m('gnss_speed.Speed'), true);
    assert.equal(m('gnss_speed.SpeedAccuracy'), false);
    assert.equal(m('xgnss_imu.AccelerationX'), false);
  });
});
