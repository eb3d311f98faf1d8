import assert from 'node:assert/strict';
import { PIDS, pidTable, supportedPids } from '../../edge/dbc/obd/pids.js';

/** the first output of a PID applied to bytes */
function val(pid: number, ...bytes: number[]): number {
  const p = PIDS[pid]!;
  assert.equal(bytes.length, p.bytes, `PID 0x${pid.toString(16)} takes ${p.bytes} bytes`);
  const [a = 0, b = 0, c = 0, d = 0] = bytes;
  return p.outputs[0]!.f(a, b, c, d);
}

// Each expectation is the SAE J1979 formula applied by hand to the bytes given.
describe('obd: service 01 PID formulas (SAE J1979)', () => {
  it('the PIDs the brief names, with their units', () => {
    const cases: [number, number[], number, string, string][] = [
      [0x04, [0xff], 100, '%', 'EngineLoad'], // 100 * 255 / 255
      [0x05, [0x7b], 83, 'degC', 'CoolantTemp'], // 123 - 40
      [0x0c, [0x1a, 0xf8], 1726, 'rpm', 'EngineSpeed'], // (26 * 256 + 248) / 4 = 6904 / 4
      [0x0d, [0x57], 87, 'km/h', 'VehicleSpeed'],
      [0x0f, [0x00], -40, 'degC', 'IntakeAirTemp'],
      [0x10, [0x01, 0xf4], 5, 'g/s', 'MafAirFlow'], // 500 / 100
      [0x11, [0x33], 20, '%', 'ThrottlePosition'], // 51 * 100 / 255
      [0x1f, [0x0e, 0x10], 3600, 's', 'RunTime'], // 14 * 256 + 16
      [0x2f, [0x80], (128 * 100) / 255, '%', 'FuelLevel'],
      [0x46, [0x3c], 20, 'degC', 'AmbientAirTemp'], // 60 - 40
      [0x5c, [0x82], 90, 'degC', 'OilTemp'], // 130 - 40
      [0x5e, [0x00, 0x96], 7.5, 'L/h', 'FuelRate'], // 150 / 20
      [0xa6, [0x00, 0x01, 0xe2, 0x40], 12345.6, 'km', 'Odometer'], // 0x01E240 = 123456 -> / 10
    ];
    for (const [pid, bytes, want, unit, name] of cases) {
      const out = PIDS[pid]!.outputs[0]!;
      assert.equal(out.name, name);
      assert.equal(out.unit, unit);
      assert.ok(Math.abs(val(pid, ...bytes) - want) < 1e-9, `PID 0x${pid.toString(16)}: ${val(pid, ...bytes)} != ${want}`);
    }
    // the odometer's top byte is not a sign bit: 0xFFFFFFFF / 10
    assert.equal(val(0xa6, 0xff, 0xff, 0xff, 0xff), 429496729.5);
  });

  it('the other PIDs the car drive answers', () => {
    assert.equal(val(0x0b, 99), 99); // MAP kPa
    assert.equal(val(0x33, 100), 100); // barometric kPa
    assert.equal(val(0x42, 0x2f, 0x6c), 12.14); // 12140 / 1000 V
    assert.equal(val(0x62, 0x7d), 0); // 125 - 125 %
  });

  it('monitor status 0x01 gives the MIL and the DTC count', () => {
    // A = 0x83: bit 7 MIL on, 3 DTCs
    const o = PIDS[0x01]!.outputs;
    assert.deepEqual(o.map((x) => x.f(0x83, 0, 0, 0)), [1, 3]);
  });

  it('supported-PID bitmaps: bit 7 of A is base + 1, bit 0 of D is base + 32', () => {
    // the well-known answer BE 1F A8 13 to PID 0x00:
    // BE = 1011 1110 -> 01 03 04 05 06 07; 1F = 0001 1111 -> 0C 0D 0E 0F 10;
    // A8 = 1010 1000 -> 11 13 15; 13 = 0001 0011 -> 1C 1F 20
    assert.deepEqual(supportedPids(0, 0xbe, 0x1f, 0xa8, 0x13), [0x01, 0x03, 0x04, 0x05, 0x06, 0x07, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x13, 0x15, 0x1c, 0x1f, 0x20]);
    assert.deepEqual(supportedPids(0x20, 0x80, 0, 0, 0x01), [0x21, 0x40]);
  });

  it('the table has unique output names and sane byte counts', () => {
    const names = new Set<string>();
    for (const p of pidTable()) {
      assert.ok(p.bytes >= 1 && p.bytes <= 4);
      assert.ok((p.pid & 0x1f) !== 0, 'supported-PID PIDs are handled apart');
      for (const o of p.outputs) {
        assert.ok(!names.has(o.name), o.name);
        names.add(o.name);
      }
    }
  });
});
