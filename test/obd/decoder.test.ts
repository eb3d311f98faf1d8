import assert from 'node:assert/strict';
import { ObdDecoder, type ObdSink } from '../../edge/dbc/obd/decoder.js';
import { batchOf } from '../j1939/helpers.js';

interface Rec {
  values: [number, number, number, string, number, string][];
  vins: [number, number, string][];
  supported: [number, number, number, number[]][];
}

function decode(frames: ReadonlyArray<readonly [number, string]>, dec = new ObdDecoder()): Rec & { dec: ObdDecoder } {
  const r: Rec = { values: [], vins: [], supported: [] };
  const sink: ObdSink = {
    pid: (t, ecu, pid, name, value, unit) => r.values.push([t, ecu, pid, name, value, unit]),
    vin: (t, ecu, vin) => r.vins.push([t, ecu, vin]),
    supported: (t, ecu, base, pids) => r.supported.push([t, ecu, base, pids]),
  };
  dec.decode(batchOf(frames), sink);
  return { ...r, dec };
}

// Frames: ISO 15765-2 PCI byte first (0x0L single frame of L bytes, 0x1L LL first frame, 0x2N
// consecutive frame), then the J1979 response: 0x41 (service 01 + 0x40), PID, data.
describe('obd: responses on 0x7E8..0x7EF and 0x18DAF1xx', () => {
  it('single frames from the car drive, decoded by hand', () => {
    const r = decode([
      [1, '7E8#04410C0000000000'], // rpm (0 * 256 + 0) / 4 = 0
      [2, '7E8#03410D2A00000000'], // speed 0x2A = 42 km/h
      [3, '7E8#0341112E00000000'], // throttle 46 * 100 / 255
      [4, '7E8#0341054000000000'], // coolant 64 - 40 = 24 degC
      [5, '7E9#0441422F6C000000'], // second ECU: 0x2F6C = 12140 mV
    ]);
    assert.deepEqual(r.values, [
      [1, 0x7e8, 0x0c, 'EngineSpeed', 0, 'rpm'],
      [2, 0x7e8, 0x0d, 'VehicleSpeed', 42, 'km/h'],
      [3, 0x7e8, 0x11, 'ThrottlePosition', (46 * 100) / 255, '%'],
      [4, 0x7e8, 0x05, 'CoolantTemp', 24, 'degC'],
      [5, 0x7e9, 0x42, 'ControlModuleVoltage', 12.14, 'V'],
    ]);
  });

  it('several PIDs in one answer, single and multi-frame', () => {
    // 06 41 0C1AF8 0D32: rpm 6904 / 4 = 1726, speed 50
    let r = decode([[1, '7E8#06410C1AF80D3200']]);
    assert.deepEqual(r.values.map((v) => [v[2], v[4]]), [[0x0c, 1726], [0x0d, 50]]);
    // 8 bytes: 41 0C 1AF8 0D 32 05 5A -> first frame 10 08 + 6 bytes, consecutive 21 + 2 bytes
    r = decode([[1, '7E8#1008410C1AF80D32'], [1.01, '7E0#3000000000000000'], [1.02, '7E8#21055A0000000000']]);
    assert.deepEqual(r.values.map((v) => [v[2], v[4]]), [[0x0c, 1726], [0x0d, 50], [0x05, 50]]);
    assert.equal(r.dec.counters().isotp.multi, 1);
    assert.equal(r.dec.counters().requests, 1); // the flow control on 0x7E0 is the tester's
  });

  it('service 09 VIN in three frames', () => {
    // 49 02 01 + "1D4GP00R55B123456" = 20 bytes: FF 10 14 49 02 01 '1' 'D' '4', CF 21 "GP00R55", CF 22 "B123456"
    const r = decode([
      [1, '7E8#1014490201314434'],
      [1.01, '7E8#2147503030523535'],
      [1.02, '7E8#2242313233343536'],
    ]);
    assert.deepEqual(r.vins, [[1.02, 0x7e8, '1D4GP00R55B123456']]);
  });

  it('supported-PID answers and 29-bit responses', () => {
    const r = decode([[1, '18DAF110#064100BE1FA813']]);
    assert.equal(r.supported.length, 1);
    assert.equal(r.supported[0]![1], 0x18daf110);
    assert.equal(r.supported[0]![2], 0);
    assert.equal(r.supported[0]![3].length, 17);
    const off = decode([[1, '18DAF110#03410D2A']], new ObdDecoder({ extended: false }));
    assert.equal(off.values.length, 0);
  });

  it('unknown PIDs, negative answers, short and garbage frames are counted, never thrown', () => {
    const r = decode([
      [1, '7E8#0341FE0100000000'], // PID 0xFE: not in the table
      [2, '7E8#037F012200000000'], // negative response, conditions not correct
      [3, '7E8#02410C'], // rpm needs 2 bytes, has 0
      [4, '7E8#'], // empty
      [5, '7E8#0941'], // single frame claiming 9 bytes
      [6, '7E8#2300000000000000'], // consecutive frame with no first frame
      [7, '7E8#1003410D00000000'], // first frame for 3 bytes: impossible
      [8, '7E8#1014490201314434'], // VIN first frame ...
      [8.01, '7E8#2247503030523535'], // ... then sequence 2 instead of 1
      [9, '7E8#0362000000000000'], // service 0x22 answer: not OBD service 01/09
      [10, '7E8#F000000000000000'], // reserved PCI type
      [11, '123#0341 0D2A'.replace(' ', '')], // not an OBD id
      [12, '7DF#02010D5555555555'], // a request
    ]);
    const c = r.dec.counters();
    assert.equal(r.values.length, 0);
    assert.deepEqual(
      [c.unknownPid, c.negative, c.shortPid, c.otherService, c.requests, c.isotp.malformed, c.isotp.orphan, c.isotp.sequenceErrors],
      [1, 1, 1, 1, 1, 4, 1, 1],
    );
    assert.equal(r.dec.unknownPids.get(0xfe), 1);
  });

  it('a multi-frame answer stalled past N_Cr (1 s of frame time) is dropped', () => {
    const r = decode([[1, '7E8#1014490201314434'], [2.1, '7E8#2147503030523535'], [2.2, '7E8#2242313233343536']]);
    assert.equal(r.vins.length, 0);
    assert.equal(r.dec.counters().isotp.timeouts, 1);
  });
});
