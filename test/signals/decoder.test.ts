import assert from 'node:assert/strict';
import { DecodeEngine } from '../../edge/signals/decoder.js';
import { validateVssMap, type VssMapDoc } from '../../edge/signals/vss-map.js';
import { loadVssMap } from '../../edge/signals/maps/index.js';
import { batch, byName, dbc, frame, run } from './helpers.js';

const gnss = dbc('j1939/gnss.dbc');
const enc = (msg: string, values: Record<string, number>): Uint8Array => gnss.messageByName(msg)!.encode(values);
const ID = { speed: 7, pos: 3, imu: 9 };

function carEngine(extra: Partial<ConstructorParameters<typeof DecodeEngine>[0]> = {}): DecodeEngine {
  return new DecodeEngine({ interfaces: { can1: { dbc: [gnss] } }, map: loadVssMap('car-obd-gnss'), protocols: {}, ...extra });
}

describe('signals: decode engine', () => {
  it('maps DBC signals to VSS names with unit conversion and source', () => {
    const e = carEngine();
    const { full, fullBatches } = run(e, [
      batch('can1', [
        frame(100.0, ID.speed, enc('gnss_speed', { Speed: 10, SpeedAccuracy: 0.5, SpeedValid: 1 })),
        frame(100.1, ID.pos, enc('gnss_pos', { Latitude: 56.15, Longitude: 10.2, PositionAccuracy: 3, PositionValid: 1 })),
      ]),
    ]);
    const m = byName(full);
    // 10 m/s = 36 km/h
    assert.ok(Math.abs(m.get('Vehicle.Speed')![0]!.value - 36) < 1e-9);
    assert.equal(m.get('Vehicle.Speed')![0]!.t, 100.0);
    assert.ok(Math.abs(m.get('Vehicle.CurrentLocation.Latitude')![0]!.value - 56.15) < 1e-6);
    assert.ok(Math.abs(m.get('Vehicle.CurrentLocation.Longitude')![0]!.value - 10.2) < 1e-6);
    // raw names kept next to the mapped one (the map lists gnss_speed.Speed as raw)
    assert.equal(m.get('gnss_speed.Speed')![0]!.value, 10);
    const info = fullBatches[0]!.signals.find((s) => s.name === 'Vehicle.Speed')!;
    assert.deepEqual([info.unit, info.derived], ['km/h', false]);
    // gnss.dbc has gnss_speed twice, at ids 7 and 23
    assert.equal(info.source, 'gnss.dbc: gnss_speed.Speed (id 0x7, 0x17)');
    const raw = fullBatches[0]!.signals.find((s) => s.name === 'gnss_speed.Speed')!;
    assert.equal(raw.unit, 'm/s');
  });

  it('drops values whose validity flag is 0', () => {
    const e = carEngine();
    const { full } = run(e, [batch('can1', [frame(1, ID.pos, enc('gnss_pos', { Latitude: 0, Longitude: 0, PositionAccuracy: 0, PositionValid: 0 }))])]);
    assert.deepEqual(full.filter((s) => s.name.startsWith('Vehicle.CurrentLocation')), []);
  });

  it('counts unknown ids per interface and id (capped), short frames, and never throws', () => {
    const e = carEngine({ maxUnknownIds: 2 });
    const frames = [
      frame(1, 0x123, [1, 2]),
      frame(1.1, 0x123, [1, 2]),
      frame(1.2, 0x18fef100, [0, 0, 0, 0, 0, 0, 0, 0], true),
      frame(1.3, 0x456, [0]), // a third distinct id: beyond the cap of 2, counted as "other"
      frame(1.4, ID.speed, [1]), // gnss_speed needs 5 bytes: short; Speed (bits 1..20) does not fit
      frame(1.5, ID.imu, []), // empty
    ];
    const { full } = run(e, [batch('can1', frames)]);
    const c = e.counters();
    assert.equal(c.frames, 6);
    assert.equal(c.unknown, 4);
    assert.equal(c.decoded, 2);
    assert.equal(c.short, 2);
    assert.deepEqual(c.unknownIds, [
      { iface: 'can1', id: 0x123, ext: false, count: 2 },
      { iface: 'can1', id: 0x18fef100, ext: true, count: 1 },
    ]);
    assert.equal(c.unknownOther, 1);
    // SpeedValid (bit 0) fits in one byte and is 1, Speed does not fit: nothing made up
    assert.deepEqual(full.filter((s) => s.name === 'Vehicle.Speed'), []);
    // frames of an interface nobody configured are counted apart
    e.decode(batch('can7', [frame(2, 1, [0])]));
    assert.equal(e.counters().unconfigured, 1);
  });

  it('emits every decoded signal with emit "all", only a list with a list', () => {
    const frames = [frame(1, ID.imu, enc('gnss_imu', { AccelerationX: 9.75, AccelerationY: 0.5, AccelerationZ: -1, AngularRateX: 0, AngularRateY: 0, AngularRateZ: 2.5, ImuValid: 1 })), frame(1, 6, enc('gnss_odo', { DistanceTrip: 5, DistanceAccuracy: 1, DistanceValid: 1, DistanceTotal: 2000 }))];
    const all = byName(run(carEngine({ emit: 'all' }), [batch('can1', frames)]).full);
    assert.ok(all.has('gnss_odo.DistanceTrip'));
    assert.equal(all.get('Vehicle.TraveledDistance')![0]!.value, 2000);
    const mapped = byName(run(carEngine(), [batch('can1', frames)]).full);
    assert.ok(!mapped.has('gnss_odo.DistanceTrip'), 'mapped mode: no unlisted raw signals');
    assert.equal(mapped.get('gnss_imu.AccelerationX')![0]!.value, 9.75, 'raw IMU axes stay available');
    const list = byName(run(carEngine({ emit: ['gnss_imu.AngularRateZ', 'Vehicle.TraveledDistance'] }), [batch('can1', frames)]).full);
    assert.deepEqual([...list.keys()].sort(), ['Vehicle.TraveledDistance', 'gnss_imu.AngularRateZ']);
  });

  it('derives longitudinal acceleration from speed, marked derived', () => {
    const e = carEngine();
    // speed rising 1 m/s every second from 5 m/s: 1 m/s^2
    const frames = [];
    for (let i = 0; i < 8; i++) frames.push(frame(200 + i, ID.speed, enc('gnss_speed', { Speed: 5 + i, SpeedAccuracy: 0.1, SpeedValid: 1 })));
    const { full, fullBatches } = run(e, [batch('can1', frames)]);
    const acc = full.filter((s) => s.name === 'Vehicle.Acceleration.Longitudinal');
    // window 2 s, at least 3 samples: first value at t=202, then one per speed sample
    assert.deepEqual(acc.map((s) => s.t), [202, 203, 204, 205, 206, 207]);
    for (const s of acc) assert.ok(Math.abs(s.value - 1) < 1e-9, String(s.value));
    const info = fullBatches[0]!.signals.find((s) => s.name === 'Vehicle.Acceleration.Longitudinal')!;
    assert.equal(info.derived, true);
    assert.equal(info.unit, 'm/s^2');
    assert.equal(e.chosen.get('Vehicle.Acceleration.Longitudinal'), 'derived from Vehicle.Speed');
  });

  it('takes the first available source of a map entry, and reports entries nothing provides', () => {
    const doc: VssMapDoc = {
      vehicleType: 't',
      signals: {
        'Vehicle.Speed': { unit: 'km/h', from: [{ dbc: 'CCVS1.WheelBasedVehicleSpeed' }, { dbc: 'gnss_speed.Speed' }] },
        'Vehicle.Powertrain.CombustionEngine.Speed': { unit: 'rpm', from: [{ dbc: 'EEC1.EngineSpeed' }] },
      },
    };
    const e = new DecodeEngine({ interfaces: { can1: { dbc: [gnss] } }, map: validateVssMap(doc, 'm.json'), protocols: {} });
    assert.equal(e.chosen.get('Vehicle.Speed'), 'dbc gnss_speed.Speed');
    assert.ok(e.problems.some((p) => p.message === 'm.json: Vehicle.Powertrain.CombustionEngine.Speed: none of its sources is available with this configuration'));
    const truck = dbc('j1939/CSS-Electronics-SAE-J1939-DEMO.dbc');
    const e2 = new DecodeEngine({ interfaces: { can0: { dbc: [truck] }, can1: { dbc: [gnss] } }, map: validateVssMap(doc, 'm.json'), protocols: {} });
    assert.equal(e2.chosen.get('Vehicle.Speed'), 'dbc CCVS1.WheelBasedVehicleSpeed');
  });

  it('names the map entry, DBC file, message and id when units cannot be converted', () => {
    const doc: VssMapDoc = { vehicleType: 't', signals: { 'Vehicle.Speed': { unit: 'km/h', from: [{ dbc: 'gnss_pos.Latitude' }] } } };
    const e = new DecodeEngine({ interfaces: { can1: { dbc: [gnss] } }, map: validateVssMap(doc, 'm.json'), protocols: {} });
    assert.ok(e.problems.some((p) => p.severity === 'error' && p.message === 'm.json: Vehicle.Speed: gnss.dbc: gnss_pos.Latitude (id 0x3): cannot convert angle (degrees) to speed (km/h)'), JSON.stringify(e.problems));
  });

  it('down-samples to one point per signal per period, by frame time, next to the full rate', () => {
    const e = carEngine({ downsample: { period: 1, mode: 'mean' }, emit: ['gnss_imu.AccelerationY'] });
    const frames = [];
    // 100 Hz for 3 s: AccelerationY = 1 in the first second, 2 in the second, 3 in the third
    for (let i = 0; i < 300; i++) frames.push(frame(500 + i / 100, ID.imu, enc('gnss_imu', { AccelerationX: 0, AccelerationY: 1 + Math.floor(i / 100), AccelerationZ: 0, AngularRateX: 0, AngularRateY: 0, AngularRateZ: 0, ImuValid: 1 })));
    const { full, down } = run(e, [batch('can1', frames.slice(0, 137)), batch('can1', frames.slice(137))]);
    assert.equal(full.length, 300);
    assert.deepEqual(down.map((s) => [s.t, s.value]), [[500, 1], [501, 2], [502, 3]]);
  });

  it('keeps one state per vehicle', () => {
    const e = carEngine();
    const spd = (t: number, v: number) => frame(t, ID.speed, enc('gnss_speed', { Speed: v, SpeedAccuracy: 0, SpeedValid: 1 }));
    // vehicle a accelerates at 1 m/s^2, vehicle b brakes at 2 m/s^2; interleaved batches
    const out: Record<string, number[]> = { a: [], b: [] };
    for (let i = 0; i < 6; i++) {
      for (const [v, speed] of [['a', 5 + i], ['b', 20 - 2 * i]] as const) {
        const o = e.decode(batch('can1', [spd(i, speed)], v));
        for (let k = 0; k < (o.full?.count ?? 0); k++) if (o.full!.signals[o.full!.signal[k]!]!.name === 'Vehicle.Acceleration.Longitudinal') out[v]!.push(o.full!.value[k]!);
      }
    }
    assert.ok(out.a!.length > 0 && out.a!.every((x) => Math.abs(x - 1) < 1e-9), String(out.a));
    assert.ok(out.b!.length > 0 && out.b!.every((x) => Math.abs(x + 2) < 1e-9), String(out.b));
  });

  it('in J1939 mode matches by PGN and passes DM1 and VIN on as texts', () => {
    const truck = dbc('j1939/CSS-Electronics-SAE-J1939-DEMO.dbc');
    const e = new DecodeEngine({ interfaces: { can0: { dbc: [truck], j1939: true } }, map: loadVssMap('j1939-truck') });
    // EEC1 from SA 0x00 at priority 3 (the DBC has 0x0CF004FE... as 0x8CF004FE): bytes 3-4 = 0x1448 * 0.125 = 649 rpm
    // DM1 from SA 0x00: MIL on, SPN 91, FMI 3, OC 1
    const { full, fullBatches } = run(e, [
      batch('can0', [frame(1, 0x0cf00400, [0x60, 0x7d, 0x84, 0x48, 0x14, 0x00, 0xf0, 0x84], true), frame(1.5, 0x18feca00, [0x40, 0xff, 0x5b, 0x00, 0x03, 0x01, 0xff, 0xff], true), frame(2, 0x123, [0])]),
    ]);
    assert.deepEqual(full.filter((s) => s.name === 'Vehicle.Powertrain.CombustionEngine.Speed').map((s) => s.value), [649]);
    const texts = fullBatches.flatMap((b) => b.texts);
    assert.equal(texts.length, 1);
    assert.equal(texts[0]!.name, 'J1939.DM1');
    const dm1 = JSON.parse(texts[0]!.value) as { sa: number; mil: number; dtcs: Array<{ spn: number; fmi: number; oc: number }> };
    assert.deepEqual([dm1.sa, dm1.mil, dm1.dtcs], [0, 1, [{ spn: 91, fmi: 3, oc: 1 }]]);
    const c = e.counters();
    assert.equal(c.decoded, 2);
    assert.equal(c.unknown, 1, 'the 11-bit frame no DBC message has');
  });
});
