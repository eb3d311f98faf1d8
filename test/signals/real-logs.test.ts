// Real recordings through the decode engine: the bundled car drive (OBD-II on can0, GNSS/IMU module
// on can1) and a J1939 truck. Expectations come from facts about the recordings (place, vehicle,
// physics), not from this code's output.
import assert from 'node:assert/strict';
import { readCandumpFile } from '../../edge/can/candump-file.js';
import type { FrameBatch } from '../../edge/can/frame.js';
import { DecodeEngine } from '../../edge/signals/decoder.js';
import { defaultProtocols } from '../../edge/signals/protocols.js';
import { loadVssMap } from '../../edge/signals/maps/index.js';
import type { Sample, SignalBatch } from '../../edge/signals/signal-batch.js';
import { CAR_LOG, TRUCK_LOG, byName, dbc, run } from './helpers.js';

async function readLog(file: string, vehicle: string): Promise<FrameBatch[]> {
  const out: FrameBatch[] = [];
  for await (const c of readCandumpFile(file, { vehicle })) for (const b of c.batches) if (b.count > 0) out.push(b);
  return out;
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

describe('signals: real logs', function () {
  this.timeout(60000);

  describe('car drive near Aarhus (OBD-II + GNSS/IMU)', () => {
    let batches: FrameBatch[];
    let engine: DecodeEngine;
    let full: Sample[];
    let down: Sample[];
    let fullBatches: SignalBatch[];
    let m: Map<string, Sample[]>;
    let t0: number;
    let t1: number;
    /** time of the first 3D fix, from the raw gnss_status.FixType (3 = 3D fix): ~2 min into the log */
    let tFix: number;

    before(async () => {
      batches = await readLog(CAR_LOG, 'car');
      engine = new DecodeEngine({
        interfaces: { can0: { obd: true }, can1: { dbc: [dbc('j1939/gnss.dbc')] } },
        map: loadVssMap('car-obd-gnss'),
        downsample: { period: 1, mode: 'mean' },
      });
      ({ full, down, fullBatches } = run(engine, batches));
      m = byName(full);
      t0 = Math.min(...batches.map((b) => b.t[0]!));
      t1 = Math.max(...batches.map((b) => b.t[b.count - 1]!));
      tFix = m.get('gnss_status.FixType')!.find((s) => s.value === 3)!.t;
      assert.ok(tFix > t0 + 60 && tFix < t0 + 180, `first fix ${tFix - t0} s into the log`);
    });

    it('decodes every GNSS/IMU frame and counts the rest', () => {
      const c = engine.counters();
      // the README of the log: 65,296 frames; can1 carries ids 1-9 of gnss.dbc only
      assert.equal(c.frames, 65296);
      const can1 = batches.filter((b) => b.iface === 'can1').reduce((s, b) => s + b.count, 0);
      assert.equal(can1, 57604);
      // can0: 6,601 OBD-II responses on 0x7E8 and 1,091 frames of 0x17F00010 (README)
      if (defaultProtocols.obd) {
        assert.equal(c.unknown, 1091);
        assert.ok(c.decoded > can1, 'OBD-II responses decoded too');
      } else {
        assert.equal(c.decoded, can1);
        assert.equal(c.unknown, 6601 + 1091, 'without an OBD-II decoder its frames are unknown');
      }
      // 0x17F00010 on can0 is in no DBC here
      assert.ok(c.unknownIds.some((u) => u.iface === 'can0' && u.id === 0x17f00010 && u.ext && u.count === 1091), JSON.stringify(c.unknownIds));
      assert.equal(c.short, 0);
      assert.equal(c.late, 0, 'down-sampling is independent of how the file was cut into batches');
    });

    it('gives a plausible speed over the whole drive', () => {
      const speed = m.get('Vehicle.Speed')!;
      assert.ok(speed.length > 300, String(speed.length));
      for (const s of speed) assert.ok(s.value >= 0 && s.value < 95, `speed ${s.value} at ${s.t}`);
      // a drive: it gets going (over 50 km/h) and stops somewhere
      assert.ok(Math.max(...speed.map((s) => s.value)) > 50);
      assert.ok(Math.min(...speed.map((s) => s.value)) < 2);
      // present in every minute of the recording once the GNSS has its fix
      for (let t = tFix + 30; t < t1; t += 60) assert.ok(speed.some((s) => Math.abs(s.t - t) < 30), `no speed near ${t}`);
    });

    it('places the car near Aarhus (56.1 N, 10.2 E) throughout', () => {
      const lat = m.get('Vehicle.CurrentLocation.Latitude')!;
      const lon = m.get('Vehicle.CurrentLocation.Longitude')!;
      assert.ok(lat.length > 300 && lon.length === lat.length);
      for (const s of lat) assert.ok(s.value > 56.0 && s.value < 56.25, `latitude ${s.value}`);
      for (const s of lon) assert.ok(s.value > 10.0 && s.value < 10.35, `longitude ${s.value}`);
      // none before the fix (PositionValid is 0 then), every minute after it
      assert.ok(lat[0]!.t >= tFix - 10, `position ${lat[0]!.t - tFix} s before the first fix`);
      for (let t = tFix + 30; t < t1; t += 60) assert.ok(lat.some((s) => Math.abs(s.t - t) < 30), `no position near ${t}`);
      // the car moves: the positions span more than a kilometre (0.01 deg of latitude is ~1.1 km)
      const span = Math.max(...lat.map((s) => s.value)) - Math.min(...lat.map((s) => s.value)) + Math.max(...lon.map((s) => s.value)) - Math.min(...lon.map((s) => s.value));
      assert.ok(span > 0.01, String(span));
    });

    it('keeps the raw IMU axes: about 1 g on +X (how the module is mounted) over the whole drive', () => {
      const valid = m.get('gnss_imu.ImuValid')!;
      const ax = m.get('gnss_imu.AccelerationX')!;
      const ay = m.get('gnss_imu.AccelerationY')!;
      const az = m.get('gnss_imu.AccelerationZ')!;
      assert.equal(ax.length, 53524); // one per IMU frame (README: IMU at 100 Hz)
      const norms: number[] = [];
      const xs: number[] = [];
      for (let i = 0; i < ax.length; i++) {
        if (valid[i]!.value !== 1) continue;
        assert.equal(ax[i]!.t, valid[i]!.t);
        norms.push(Math.hypot(ax[i]!.value, ay[i]!.value, az[i]!.value));
        xs.push(ax[i]!.value);
      }
      assert.ok(norms.length > 50000, String(norms.length));
      const med = quantile(norms, 0.5);
      assert.ok(Math.abs(med - 9.81) < 0.6, `median |a| ${med}`);
      assert.ok(Math.abs(quantile(xs, 0.5) - 9.81) < 0.8, `median X ${quantile(xs, 0.5)}`);
      const axInfo = fullBatches.find((b) => b.signals.some((s) => s.name === 'gnss_imu.AccelerationX'))!.signals.find((s) => s.name === 'gnss_imu.AccelerationX')!;
      assert.deepEqual([axInfo.unit, axInfo.derived], ['m/s^2', false]);
    });

    it('derives a plausible longitudinal acceleration from speed', () => {
      const acc = m.get('Vehicle.Acceleration.Longitudinal')!;
      assert.ok(acc.length > 150, String(acc.length));
      // a passenger car in town: well inside +-0.6 g, and not flat zero
      for (const s of acc) assert.ok(Math.abs(s.value) < 6, `${s.value} at ${s.t}`);
      assert.ok(Math.max(...acc.map((s) => Math.abs(s.value))) > 0.5);
      const info = fullBatches.flatMap((b) => b.signals).find((s) => s.name === 'Vehicle.Acceleration.Longitudinal')!;
      assert.equal(info.derived, true);
    });

    it('down-samples to at most one point per signal per second', () => {
      const seen = new Set<string>();
      for (const s of down) {
        assert.equal(s.t, Math.floor(s.t), 'stamped with the window start (whole seconds)');
        const k = `${s.name}@${s.t}`;
        assert.ok(!seen.has(k), `two points for ${k}`);
        seen.add(k);
      }
      const ax = down.filter((s) => s.name === 'gnss_imu.AccelerationX');
      // about 9 minutes of IMU: one point per second
      assert.ok(ax.length > 500 && ax.length <= Math.ceil(t1 - t0) + 1, String(ax.length));
    });

    it('OBD-II speed agrees with GNSS speed within about 1 km/h once the GNSS has its fix', function () {
      if (!defaultProtocols.obd) this.skip(); // needs the OBD-II decoder (edge/dbc/obd)
      const obd = m.get('Vehicle.Speed')!.filter((s) => s.t > tFix);
      const gnss = m.get('gnss_speed.Speed')!;
      assert.equal(engine.chosen.get('Vehicle.Speed'), 'obd 0x0D');
      // GNSS speed (1 Hz, m/s) interpolated at time t, in km/h; NaN across gaps
      const at = (t: number): number => {
        for (let i = 1; i < gnss.length; i++) {
          if (gnss[i]!.t < t) continue;
          const a = gnss[i - 1]!;
          const b = gnss[i]!;
          if (t < a.t || b.t - a.t > 1.5) return Number.NaN;
          return 3.6 * (a.value + ((b.value - a.value) * (t - a.t)) / (b.t - a.t));
        }
        return Number.NaN;
      };
      // The two clocks see the same motion with a constant latency between them (the GNSS solution
      // is older than its frame); fit it (0..1 s) rather than assume it, then compare.
      let best = { lag: 0, median: Infinity, p90: Infinity, n: 0 };
      for (let lag = 0; lag <= 1; lag += 0.125) {
        const d = obd.map((o) => Math.abs(at(o.t + lag) - o.value)).filter((x) => x === x);
        const median = quantile(d, 0.5);
        if (median < best.median) best = { lag, median, p90: quantile(d, 0.9), n: d.length };
      }
      assert.ok(best.n > 500, JSON.stringify(best));
      // OBD speed is whole km/h (rounding: up to 0.5 off) and GNSS is interpolated: about 1 km/h
      assert.ok(best.median < 0.75, JSON.stringify(best));
      assert.ok(best.p90 < 1.25, JSON.stringify(best));
    });

    it('decodes OBD-II engine speed and throttle', function () {
      if (!defaultProtocols.obd) this.skip();
      const rpm = m.get('Vehicle.Powertrain.CombustionEngine.Speed')!;
      // a petrol car: idle ~600-1000 rpm, driving below ~4500 in town; stopped engine 0
      assert.ok(rpm.length > 500);
      for (const s of rpm) assert.ok(s.value >= 0 && s.value < 6000, `rpm ${s.value}`);
      assert.ok(quantile(rpm.map((s) => s.value), 0.5) > 600);
      const thr = m.get('Vehicle.OBD.ThrottlePosition')!;
      for (const s of thr) assert.ok(s.value >= 0 && s.value <= 100, `throttle ${s.value}`);
    });
  });

  describe('J1939 truck', () => {
    it('decodes engine speed ~650 rpm (idle) and wheel-based speed 0, matched by PGN', async () => {
      const batches = await readLog(TRUCK_LOG, 'truck');
      const engine = new DecodeEngine({
        interfaces: { can0: { dbc: [dbc('j1939/CSS-Electronics-SAE-J1939-DEMO.dbc')], j1939: true }, can1: { dbc: [dbc('j1939/gnss.dbc')] } },
        map: loadVssMap('j1939-truck'),
      });
      assert.deepEqual(engine.problems.filter((p) => p.message.includes('J1939 mode')), [], 'the J1939 decoder is in the build');
      const m = byName(run(engine, batches).full);
      const rpm = m.get('Vehicle.Powertrain.CombustionEngine.Speed')!;
      const speed = m.get('Vehicle.Speed')!;
      // EEC1 is sent every 10-20 ms by the engine (SA 0x00, priority 3, the DBC says SA 0xFE):
      // the log has 12,719 frames of 0x0CF00400
      assert.equal(rpm.length, 12719);
      const med = quantile(rpm.map((s) => s.value), 0.5);
      assert.ok(med > 600 && med < 700, `median rpm ${med}`);
      for (const s of rpm) assert.ok(s.value > 400 && s.value < 1000, `rpm ${s.value}`);
      // CCVS1 (0x0CFEF100 in the log, 0x18FEF1FE in the DBC: other priority and SA): standing still
      assert.equal(speed.length, 1272);
      for (const s of speed) assert.equal(s.value, 0);
      const acc = m.get('Vehicle.Acceleration.Longitudinal')!;
      assert.ok(acc.length > 0 && acc.every((s) => s.value === 0), 'derived from a speed of 0');
      const c = engine.counters();
      assert.ok(c.unknown > 0 && c.unknownIds.length > 5, 'PGNs the demo DBC lacks are counted');
    });
  });
});
