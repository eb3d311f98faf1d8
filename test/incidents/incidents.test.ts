// Crash detection on scenario drives: triggers, de-duplication, the recording, and the parked-vehicle
// handling check.
import assert from 'node:assert/strict';
import { IncidentEngine, resolveIncidentConfig, type Incident, type IncidentAlert, type IncidentOutput, type SensorDisturbance } from '../../edge/incidents/index.js';
import { batches, drive, G0, phaseAt, type Drive, type Phase } from '../support/motion-model.js';

function run(d: Pick<Drive, 'samples' | 'texts' | 'infos'>, size = 1000, overrides: unknown = {}): IncidentOutput[] {
  const e = new IncidentEngine({ config: resolveIncidentConfig(overrides) });
  const out: IncidentOutput[] = [];
  for (const b of batches(d, size)) out.push(...e.push(b));
  out.push(...e.finish());
  return out;
}
const incidents = (o: IncidentOutput[]) => o.filter((x): x is Incident => x.kind === 'incident');
const alerts = (o: IncidentOutput[]) => o.filter((x): x is IncidentAlert => x.kind === 'incident_alert');
const disturbances = (o: IncidentOutput[]) => o.filter((x): x is SensorDisturbance => x.kind === 'sensor_disturbance');
const near = (a: number, e: number, tol: number, what: string) => assert.ok(Math.abs(a - e) <= tol, `${what}: ${a} not within ${tol} of ${e}`);

// 5 s parked (gravity), run up to 54 km/h, cruise 25 s, then the phases given, then 15 s of standing
const scene = (crash: Phase[], tail: Phase[] = [{ duration: 15 }]): Phase[] => [{ duration: 5 }, { duration: 10, accel: 1.5 }, { duration: 25, label: 'cruise' }, ...crash, ...tail];

describe('incidents', () => {
  it('a frontal crash at 54 km/h: one alert at once, one incident after the post-window, with the figures', () => {
    // 15 g for 0.1 s: the IMU saturates at 6.5 g (64 m/s^2); speed drops 54 -> 0 within ~0.1 s
    const d = drive(scene([{ duration: 0.1, accel: -150, label: 'crash' }]), { seed: 501 });
    const out = run(d);
    const crash = phaseAt(d, 'crash');
    const al = alerts(out);
    const inc = incidents(out);
    assert.equal(al.length, 1);
    assert.equal(inc.length, 1);
    const i = inc[0]!;
    assert.equal(i.id, al[0]!.id);
    near(i.t, crash.t0, 0.03, 'time');
    assert.ok(out.indexOf(al[0]!) < out.indexOf(i), 'alert first');
    assert.equal(i.moving, true);
    near(i.speedBefore!, 54, 1, 'speed before');
    near(i.speedAfter!, 0, 0.5, 'speed after');
    assert.ok(i.peakG! >= 6 && i.peakG! <= 6.6, `peak ${i.peakG} (saturated IMU)`);
    // delta-v: the IMU clips at 64 m/s^2, so it sees at most 64 x 0.1 s = 23 km/h of the 54
    assert.ok(i.deltaV! > 15 && i.deltaV! < 30, `delta-v ${i.deltaV}`);
    assert.equal(i.accelSource, 'calibrated');
    // position and the two fixes before it, newest first
    assert.ok(i.position && i.position.t <= i.t);
    assert.equal(i.previousFixes.length, 2);
    assert.ok(i.previousFixes[0]!.t < i.position!.t && i.previousFixes[1]!.t < i.previousFixes[0]!.t);
    // the recording: every signal from 20 s before to 10 s after, at native rate
    const r = i.recording;
    near(r.from, i.t - 20, 1e-9, 'from');
    near(r.to, i.t + 10, 1e-9, 'to');
    const names = r.signals.map((s) => s.name).sort();
    for (const n of ['Vehicle.Speed', 'gnss_imu.AccelerationX', 'gnss_imu.AngularRateY', 'Vehicle.CurrentLocation.Latitude']) assert.ok(names.includes(n), n);
    const inWin = d.samples.filter((s) => s.t >= r.from && s.t <= r.to).length;
    assert.equal(r.t.length, inWin, 'all samples in the window');
    const imuIdx = r.signals.findIndex((s) => s.name === 'gnss_imu.AccelerationX');
    const imuN = r.signal.filter((s) => s === imuIdx).length;
    assert.ok(imuN > 30 * 100 * 0.9, `IMU at 100 Hz: ${imuN}`);
  });

  it('a speed drop trigger with no IMU; a one-sample dropout of wheel speed is not a crash', () => {
    const d = drive(scene([{ duration: 0.12, accel: -100, label: 'crash' }]), { seed: 502, imuHz: 0 });
    const inc = incidents(run(d));
    assert.equal(inc.length, 1);
    assert.equal(inc[0]!.trigger, 'speed_drop');
    assert.equal(inc[0]!.peakG, null);
    near(inc[0]!.t, phaseAt(d, 'crash').t0, 0.15, 'time');
    // glitch: one wheel-speed sample reads 0 in the middle of a cruise
    const g = drive(scene([{ duration: 30 }]), { seed: 503, imuHz: 0 });
    const cruise = phaseAt(g, 'cruise');
    const k = g.samples.findIndex((s) => s.name === 'Vehicle.Speed' && s.t > cruise.t0 + 10);
    g.samples[k] = { ...g.samples[k]!, value: 0 };
    assert.deepEqual(run(g).map((o) => o.kind), []);
  });

  it('threshold: 2.3 g for 0.1 s is no crash, 2.8 g is (horizontal magnitude, any direction)', () => {
    assert.equal(incidents(run(drive(scene([{ duration: 0.1, lateral: 2.3 * G0 }]), { seed: 504 }))).length, 0);
    assert.equal(incidents(run(drive(scene([{ duration: 0.1, lateral: 2.8 * G0 }]), { seed: 505 }))).length, 1);
  });

  it('one physical event gives one incident even with many triggers (impact, rebound, secondary hit)', () => {
    const d = drive(scene([{ duration: 0.1, lateral: 4 * G0 }, { duration: 0.3 }, { duration: 0.1, lateral: -3.5 * G0 }, { duration: 3 }, { duration: 0.08, accel: -80 }]), { seed: 506 });
    const out = run(d);
    assert.equal(incidents(out).length, 1);
    assert.equal(alerts(out).length, 1);
    assert.ok(incidents(out)[0]!.triggers.length >= 3, JSON.stringify(incidents(out)[0]!.triggers));
  });

  it('normal driving with harsh braking, potholes of noise and dropped frames: nothing', () => {
    const d = drive(scene([{ duration: 2, accel: -6 }, { duration: 10, accel: 2 }, { duration: 5, lateral: 5 }, { duration: 8, accel: -3 }], [{ duration: 30, engine: false }]), { seed: 507, jitter: 0.4, dropRate: 0.1, imuNoise: 1.5 });
    assert.deepEqual(run(d).map((o) => o.kind), []);
  });

  it('parked: a sensor being handled (250 deg/s, knocks of 2.5 g+) is a sensor disturbance, not an incident', () => {
    const d = drive([{ duration: 30 }, { duration: 12, handled: true, label: 'handled' }, { duration: 30 }], { seed: 508 });
    const out = run(d);
    assert.equal(incidents(out).length, 0);
    assert.equal(alerts(out).length, 0);
    const ds = disturbances(out);
    assert.equal(ds.length, 1);
    assert.ok(ds[0]!.maxRateDegS! > 200);
  });

  it('parked: the vehicle being hit (3 g lateral for 0.1 s, the body barely turns) is an incident', () => {
    const d = drive([{ duration: 30 }, { duration: 0.1, lateral: 3 * G0, label: 'hit' }, { duration: 30 }], { seed: 509 });
    // the model only gives lateral acceleration to a moving vehicle; a parked hit is put into the IMU directly
    const hit = phaseAt(d, 'hit');
    const samples = d.samples.map((s) => (s.name === 'gnss_imu.AccelerationZ' && s.t >= hit.t0 && s.t < hit.t1 ? { ...s, value: -3 * G0 } : s));
    const out = run({ ...d, samples });
    const inc = incidents(out);
    assert.equal(inc.length, 1);
    assert.equal(inc[0]!.moving, false);
    // the alert waits for the 1 s handling check
    const al = alerts(out)[0]!;
    near(al.t, hit.t0, 0.03, 'alert t');
  });

  it('same incidents whatever the batch size', () => {
    const d = drive(scene([{ duration: 0.1, accel: -150 }], [{ duration: 15 }, { duration: 10, handled: true }, { duration: 20 }]), { seed: 510 });
    const ref = JSON.stringify(run(d, d.samples.length));
    assert.ok(ref.includes('"incident"'));
    for (const n of [1, 333]) assert.equal(JSON.stringify(run(d, n)), ref, `batch size ${n}`);
  });

  it('config: errors name the field', () => {
    assert.throws(() => resolveIncidentConfig({ preS: -1, handling: { maxRateDegs: 1 } }), /preS: must be a number > 0[\s\S]*handling.maxRateDegs: unknown field/);
  });
});
