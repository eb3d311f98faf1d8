import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { readCandumpFile } from '../../edge/can/candump-file.js';
import { loadDbcSync } from '../../edge/dbc/index.js';
import { ObdDecoder, type ObdCounters } from '../../edge/dbc/obd/decoder.js';
import { BUNDLED, SHARED, hasXz } from '../can/candump-ref.js';
import { FIX } from '../j1939/helpers.js';

// The CSS Electronics car drive (SEAT, Aarhus): can0 carries OBD-II answers on 0x7E8, can1 the
// logger's GNSS/IMU module (gnss.dbc: gnss_speed = id 7, Speed 20 bits x 0.001 m/s, SpeedValid).
// Both buses are stamped by the same logger clock, so they align on log time; the GNSS module's
// own UTC (gnss_time) is off by tens of seconds and is not used.

interface Drive {
  speed: [number, number][];
  rpm: [number, number][];
  gnss: [number, number][];
  counters: ObdCounters;
  t0: number;
  t1: number;
}

async function readDrive(file: string): Promise<Drive> {
  const db = loadDbcSync(path.join(FIX, 'dbc', 'j1939', 'gnss.dbc'), { strict: false });
  // gnss.dbc names two messages gnss_speed (ids 7 and 23, two module address sets): this drive uses 7
  const gs = db.messageById(7, false)!;
  assert.equal(gs.name, 'gnss_speed');
  const iSpeed = gs.signal('Speed')!.index;
  const iValid = gs.signal('SpeedValid')!.index;
  const out = new Float64Array(gs.signals.length);
  const dec = new ObdDecoder();
  const d: Drive = { speed: [], rpm: [], gnss: [], counters: dec.counters(), t0: Infinity, t1: -Infinity };
  for await (const chunk of readCandumpFile(file)) {
    for (const b of chunk.batches) {
      if (b.count === 0) continue;
      d.t0 = Math.min(d.t0, b.t[0]!);
      d.t1 = Math.max(d.t1, b.t[b.count - 1]!);
      if (b.iface === 'can0') {
        dec.decode(b, {
          pid(t, ecu, pid, _name, value) {
            assert.equal(ecu, 0x7e8);
            if (pid === 0x0d) d.speed.push([t, value]);
            if (pid === 0x0c) d.rpm.push([t, value]);
          },
        });
      } else if (b.iface === 'can1') {
        for (let i = 0; i < b.count; i++) {
          if (db.messageById(b.id[i]!, false) !== gs) continue;
          gs.decode(b.data, b.offset[i]!, b.len[i]!, out);
          if (out[iValid] === 1) d.gnss.push([b.t[i]!, out[iSpeed]! * 3.6]);
        }
      }
    }
  }
  d.counters = dec.counters();
  return d;
}

/** OBD speed minus GNSS speed (linearly interpolated at t + lag), where GNSS samples are <= 1.5 s apart. */
function differences(d: Drive, lag: number): number[] {
  const diffs: number[] = [];
  let j = 0;
  for (const [t, v] of d.speed) {
    const tt = t + lag;
    while (j + 1 < d.gnss.length && d.gnss[j + 1]![0] < tt) j++;
    const a = d.gnss[j];
    const b = d.gnss[j + 1];
    if (!a || !b || a[0] > tt || b[0] - a[0] > 1.5) continue;
    diffs.push(v - (a[1] + ((b[1] - a[1]) * (tt - a[0])) / (b[0] - a[0])));
  }
  return diffs;
}

const quantile = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))]!;

/** The GNSS fix reaches the bus later than the OBD answer: find that latency (0..1 s) by the best median. */
function align(d: Drive): { lag: number; abs: number[]; mean: number } {
  let best = { lag: 0, abs: [] as number[], mean: 0, med: Infinity };
  for (let lag = 0; lag <= 1.0001; lag += 0.05) {
    const diffs = differences(d, lag);
    const abs = diffs.map(Math.abs);
    const med = quantile(abs, 0.5);
    if (med < best.med) best = { lag, abs, mean: diffs.reduce((s, x) => s + x, 0) / diffs.length, med };
  }
  return best;
}

function checkDrive(d: Drive, name: string): string {
  const dur = d.t1 - d.t0;
  // plausible: integer km/h 0..90 (the drive peaks at 87), about 2 Hz over the whole file
  assert.ok(d.speed.length > 1.5 * dur && d.speed.length < 2.5 * dur, `${name}: ${d.speed.length} speed samples in ${dur.toFixed(0)} s`);
  for (const [, v] of d.speed) assert.ok(Number.isInteger(v) && v >= 0 && v <= 90, `${name}: speed ${v}`);
  for (const [, r] of d.rpm) assert.ok(r >= 0 && r <= 6500, `${name}: rpm ${r}`);
  // rpm while moving above 20 km/h (the rpm answer just after a speed answer): engine running
  let k = 0;
  for (const [t, v] of d.speed) {
    while (k + 1 < d.rpm.length && d.rpm[k + 1]![0] <= t + 0.2) k++;
    if (v > 20 && Math.abs(d.rpm[k]![0] - t) < 0.5) assert.ok(d.rpm[k]![1] > 700 && d.rpm[k]![1] < 4500, `${name}: ${d.rpm[k]![1]} rpm at ${v} km/h`);
  }
  const c = d.counters;
  assert.deepEqual([c.unknownPid, c.shortPid, c.isotp.malformed, c.isotp.sequenceErrors], [0, 0, 0, 0], name);

  // OBD vs GNSS: after the latency is taken out, within ~1 km/h (OBD speed is whole km/h, so
  // +-0.5 of rounding is built in)
  const a = align(d);
  assert.ok(a.abs.length > 0.5 * d.gnss.length, `${name}: ${a.abs.length} comparable samples`);
  const med = quantile(a.abs, 0.5);
  const p90 = quantile(a.abs, 0.9);
  assert.ok(med < 0.75, `${name}: median |OBD - GNSS| ${med.toFixed(2)} km/h`);
  assert.ok(p90 < 1.5, `${name}: 90th percentile ${p90.toFixed(2)} km/h`);
  assert.ok(Math.abs(a.mean) < 0.8, `${name}: bias ${a.mean.toFixed(2)} km/h`);
  return `${name}: ${d.speed.length} speeds, ${a.abs.length} compared, GNSS latency ${a.lag.toFixed(2)} s, median ${med.toFixed(2)}, p90 ${p90.toFixed(2)}, bias ${a.mean.toFixed(2)} km/h`;
}

describe('obd: the car drive decodes to plausible speed and rpm, agreeing with GNSS', function () {
  this.timeout(60000);

  it('bundled file 1 (9 minutes): whole file, speed vs GNSS', async () => {
    const d = await readDrive(BUNDLED);
    // from the file by grep: 1090 answers 7E8#03410D.., 1095 answers 7E8#04410C..
    assert.equal(d.speed.length, 1090);
    assert.equal(d.rpm.length, 1095);
    assert.equal(Math.max(...d.speed.map((s) => s[1])), 75);
    console.log(`      ${checkDrive(d, 'file 1')}`);
  });

  it('shared files 2..5 (the rest of the 40 minutes), when present', async function () {
    const dir = path.join(SHARED, 'css-electronics');
    if (!hasXz() || !fs.existsSync(dir)) this.skip();
    const files = fs.readdirSync(dir).filter((f) => /^3BA199E2-.*-0000000[2-5]-.*\.log\.xz$/.test(f));
    if (files.length === 0) this.skip();
    for (const f of files.sort()) console.log(`      ${checkDrive(await readDrive(path.join(dir, f)), f.slice(18, 26))}`);
  });
});
