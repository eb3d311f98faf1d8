// The end-to-end test drive: the real J1939 truck log (CSS Electronics, 127 s parked with the engine
// running; can0 J1939, can1 GNSS/IMU module) followed, with consistent timestamps, by a drive of the
// motion model (move off, a harsh brake, a crash at speed, stop, engine off long enough to end the
// trip). The model's IMU frames are rotated into the real module's mounting (measured from the real
// log's gravity vector) and its position continues from the real log's last fix, so the calibration
// and position see one vehicle. The whole log is shifted by whole weeks so it lies in the last week
// (InfluxDB's raw retention, dashboards' time range) with its time of day and weekday kept.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CandumpEncoder } from '../../edge/can/candump.js';
import { FrameFlag } from '../../edge/can/frame.js';
import { loadDbcSync } from '../../edge/dbc/index.js';
import { drive, phaseAt, type Drive, type Phase } from './motion-model.js';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const TRUCK_LOG = path.join(ROOT, 'test/fixtures/candump/css-electronics/11111111-00000012-00000001.log.xz');
export const DEMO_DBC = path.join(ROOT, 'assets/dbc/CSS-Electronics-SAE-J1939-DEMO.dbc');
export const GNSS_DBC = path.join(ROOT, 'assets/dbc/gnss.dbc');
/** what ubi-decode reads on each interface for this log (UBI_DECODE_INTERFACES) */
export const DECODE_INTERFACES = `can0: ${DEMO_DBC}, j1939\ncan1: ${GNSS_DBC}`;
/** the same for `ubi-edge score` */
export const SCORE_DBC_ARGS = ['--dbc', `can0=${DEMO_DBC}`, '--dbc', 'can0=j1939', '--dbc', `can1=${GNSS_DBC}`];

const WEEK_S = 7 * 86400;
const LINE = /^\((\d+)\.(\d+)\) (\S+) ([0-9A-Fa-f]+)#(\S*)(.*)$/;

export interface TruckCrashLog {
  file: string;
  /** data range, s since the epoch (after the shift) */
  t0: number;
  t1: number;
  /** the real log's end (shifted): the model drive starts just after */
  realEnd: number;
  realLines: number;
  modelFrames: number;
  drive: Drive;
  /** crash phase start (shifted), s */
  crashT: number;
  /** the injected harsh brake (shifted), s */
  brakeT: number;
  lines: number;
}

export const TRUCK_PHASES: readonly Phase[] = [
  { duration: 3, label: 'idle' },
  { duration: 20, accel: 1.0, label: 'move off' },
  { duration: 520, label: 'cruise 1' },
  { duration: 3, accel: -3.5, label: 'brake' },
  { duration: 10, accel: 1.2, label: 'accelerate' },
  { duration: 20, label: 'cruise 2' },
  { duration: 0.1, accel: -150, label: 'crash' },
  { duration: 4, accel: -3, label: 'stop' },
  { duration: 20, label: 'standing' },
  // engine off: 300 s of stop end the trip; the rest lets the engines' merge window (120 s in the
  // e2e flows: a full-speed replay's batch of a slow interface spans ~50 s of log) pass the trip's end
  { duration: 460, engine: false, label: 'engine off' },
];

const norm = (v: number[]): number[] => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};
const cross = (a: number[], b: number[]): number[] => [a[1]! * b[2]! - a[2]! * b[1]!, a[2]! * b[0]! - a[0]! * b[2]!, a[0]! * b[1]! - a[1]! * b[0]!];

/** Writes the spliced log (plain candump -L) to `file`. `nowS` fixes the week shift (tests: Date.now()). */
export function buildTruckCrashLog(file: string, nowS = Date.now() / 1000): TruckCrashLog {
  const text = execFileSync('xz', ['-dc', TRUCK_LOG], { maxBuffer: 64 * 1024 * 1024 }).toString('utf8');
  const real = text.split('\n').filter((l) => l !== '');
  const gnss = loadDbcSync(GNSS_DBC, { strict: false });
  const demo = loadDbcSync(DEMO_DBC, { strict: false });
  // the real module sends gnss_imu/gnss_pos on ids 9/3; the model encodes with the DBC's second copies
  // of the same layouts (ids 25/19): its frames are re-addressed to the real module's ids
  const imuMsg = gnss.messageById(9, false)!;
  const posMsg = gnss.messageById(3, false)!;
  const modelImu = gnss.messageByName('gnss_imu')!;
  const modelPos = gnss.messageByName('gnss_pos')!;

  // the real module's gravity (sensor axes) and last fix
  const g = [0, 0, 0];
  let nImu = 0;
  let lastFix: { lat: number; lon: number } | undefined;
  let realT0 = Infinity;
  let realT1 = -Infinity;
  for (const l of real) {
    const m = LINE.exec(l);
    if (!m) throw new Error(`unexpected line in ${TRUCK_LOG}: ${l}`);
    const t = Number(`${m[1]}.${m[2]}`);
    realT0 = Math.min(realT0, t);
    realT1 = Math.max(realT1, t);
    if (m[3] !== 'can1') continue;
    const id = parseInt(m[4]!, 16);
    const data = Buffer.from(m[5]!, 'hex');
    if (id === imuMsg.id) {
      const v = imuMsg.decodeObject(data);
      if (v.ImuValid === 1) {
        g[0] += Number(v.AccelerationX);
        g[1] += Number(v.AccelerationY);
        g[2] += Number(v.AccelerationZ);
        nImu++;
      }
    } else if (id === posMsg.id) {
      const v = posMsg.decodeObject(data);
      if (v.PositionValid === 1) lastFix = { lat: Number(v.Latitude), lon: Number(v.Longitude) };
    }
  }
  if (nImu < 100) throw new Error(`the truck log has ${nImu} IMU samples`);
  // real sensor axes of the vehicle's up, forward and left (forward: any direction across gravity;
  // the real log is parked, so nothing fixes it)
  const up = norm(g);
  const helper = Math.abs(up[0]!) < 0.9 ? [1, 0, 0] : [0, 1, 0];
  const fwd = norm(cross(cross(up, helper), up));
  const left = cross(up, fwd);

  const shift = Math.floor((nowS - (realT1 + 600)) / WEEK_S) * WEEK_S;
  // the model starts where the real log ends (its clock continues)
  const d = drive(TRUCK_PHASES, { t0: Math.round((realT1 + 0.01) * 1e6) / 1e6, seed: 4242, jitter: 0.2, dropRate: 0.01, start: lastFix ?? { lat: 55.7, lon: 12.5 } });
  const modelFrames = d.frames(demo, gnss);

  const out: string[] = [];
  for (const l of real) {
    const m = LINE.exec(l)!;
    out.push(`(${Number(m[1]) + shift}.${m[2]}) ${m[3]} ${m[4]}#${m[5]}${m[6]}`);
  }
  const clip = (x: number, lo: number, hi: number, q: number): number => Math.max(lo, Math.min(hi, Math.round(x / q) * q));
  const enc = new CandumpEncoder();
  const parts: Buffer[] = [Buffer.from(out.join('\n') + '\n')];
  for (const { iface, frame: f } of modelFrames) {
    let data = f.data;
    let id = f.id;
    if (iface === 'can1' && f.id === modelPos.id) id = posMsg.id;
    if (iface === 'can1' && f.id === modelImu.id) {
      id = imuMsg.id;
      // model sensor axes: X = up, Y = backward, Z = right -> the real module's axes
      const v = imuMsg.decodeObject(data);
      const rot = (x: number, y: number, z: number): number[] => [0, 1, 2].map((k) => x * up[k]! - y * fwd[k]! - z * left[k]!);
      const a = rot(Number(v.AccelerationX), Number(v.AccelerationY), Number(v.AccelerationZ));
      const r = rot(Number(v.AngularRateX), Number(v.AngularRateY), Number(v.AngularRateZ));
      data = imuMsg.encode({
        ImuValid: 1,
        AccelerationX: clip(a[0]!, -64, 63.875, 0.125),
        AccelerationY: clip(a[1]!, -64, 63.875, 0.125),
        AccelerationZ: clip(a[2]!, -64, 63.875, 0.125),
        AngularRateX: clip(r[0]!, -256, 255.75, 0.25),
        AngularRateY: clip(r[1]!, -256, 255.75, 0.25),
        AngularRateZ: clip(r[2]!, -256, 255.75, 0.25),
      });
    }
    enc.line(f.t + shift, iface, id, (f.ext ? FrameFlag.EXT : 0) | (f.fd ? FrameFlag.FD : 0), data, 0, data.length, 0);
    parts.push(enc.take());
  }
  fs.writeFileSync(file, Buffer.concat(parts));
  return {
    file,
    t0: realT0 + shift,
    t1: d.t1 + shift,
    realEnd: realT1 + shift,
    realLines: real.length,
    modelFrames: modelFrames.length,
    drive: d,
    crashT: phaseAt(d, 'crash').t0 + shift,
    brakeT: phaseAt(d, 'brake').t0 + shift,
    lines: real.length + modelFrames.length,
  };
}
