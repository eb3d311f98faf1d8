// `ubi-edge score` as a user runs it: output shape, filters, config, exit codes.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const BIN = path.join(ROOT, 'bin', 'ubi-edge.js');
const CAR = path.join(ROOT, 'assets/logs/3BA199E2-00000164-00000001-60FE3F04.log.gz');
const GNSS = path.join(ROOT, 'test/fixtures/dbc/j1939/gnss.dbc');
const CAR_ARGS = ['--dbc', 'can0=obd', '--dbc', `can1=${GNSS}`, '--map', 'car-obd-gnss'];

function run(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, 'score', ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

type Rec = { kind: string; [k: string]: unknown };

describe('ubi-edge score', function () {
  this.timeout(120000);
  let dir: string;
  let car: ReturnType<typeof run>;
  let recs: Rec[];

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ubi-score-cli-'));
    car = run([CAR, ...CAR_ARGS]);
    recs = car.out
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Rec);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints one JSON object per line, each with its kind; trip, scores and calibration of the car drive', () => {
    assert.equal(car.code, 0, car.err);
    assert.deepEqual(
      recs.map((r) => r.kind),
      ['calibration', 'calibration', 'trip', 'score', 'score'],
    );
    const trip = recs[2]!;
    // the vehicle id defaults to the log name up to its first '-' (the logger's serial)
    assert.equal(trip.vehicle, '3BA199E2');
    assert.match(trip.id as string, /^3BA199E2\/trip\/\d+$/);
    assert.ok((trip.distance as number) > 5.5 && (trip.distance as number) < 6.5);
    const s = recs[3]!;
    assert.equal(s.scope, 'trip');
    assert.equal(s.key, trip.id);
    // 5.9 km is below the 10 km minimum: no number, counts still there
    assert.equal(s.score, null);
    assert.equal(s.status, 'insufficient_data');
    assert.equal(s.version, 'ubi-score/1');
    assert.match(s.configVersion as string, /^ubi-scoring-config\/1:van:default:[0-9a-f]{8}$/);
    // summary on stderr, nothing else
    assert.match(car.err, /^3BA199E2: 65296 frames; 0 event, 1 trip, 2 score, 2 calibration, 0 incident_alert, 0 incident, 0 sensor_disturbance\n$/);
  });

  it('--kinds filters, --vehicle names, --config changes thresholds (recorded in configVersion), the same run twice is byte-identical', () => {
    const cfg = path.join(dir, 'cfg.json');
    fs.writeFileSync(cfg, JSON.stringify({ vehicleClass: 'rigid_truck', timeZone: 'Europe/Berlin', overrides: { common: { revision: 'depot-7' } }, incidents: { postS: 5 } }));
    const a = run([CAR, ...CAR_ARGS, '--kinds', 'trip', '--vehicle', 'van-7', '--config', cfg]);
    assert.equal(a.code, 0, a.err);
    const lines = a.out.split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 1);
    const t = JSON.parse(lines[0]!) as Rec;
    assert.equal(t.kind, 'trip');
    assert.equal(t.vehicle, 'van-7');
    assert.match(t.configVersion as string, /^ubi-scoring-config\/1:rigid_truck:depot-7:/);
    const b = run([CAR, ...CAR_ARGS, '--kinds', 'trip', '--vehicle', 'van-7', '--config', cfg]);
    assert.equal(b.out, a.out);
  });

  it('exit codes: 66 missing log or DBC, 78 bad config naming the field, 2 usage, 1 malformed lines (the good ones still scored)', () => {
    let r = run([path.join(dir, 'nope.log'), ...CAR_ARGS]);
    assert.equal(r.code, 66);
    assert.match(r.err, /nope\.log: not found or not readable/);
    r = run([CAR, '--dbc', `can1=${path.join(dir, 'missing.dbc')}`]);
    assert.equal(r.code, 66);
    assert.match(r.err, /missing\.dbc: not found/);

    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify({ overrides: { common: { harsh: { braking: { thresholdG: 9 } } } } }));
    r = run([CAR, ...CAR_ARGS, '--config', bad]);
    assert.equal(r.code, 78);
    assert.match(r.err, /overrides: common\.harsh\.braking\.thresholdG: must be within \(0, 5\] g, got 9/);
    fs.writeFileSync(bad, JSON.stringify({ incidents: { preS: 900 } }));
    r = run([CAR, ...CAR_ARGS, '--config', bad]);
    assert.equal(r.code, 78);
    assert.match(r.err, /preS: at most 300 s, got 900/);
    fs.writeFileSync(bad, JSON.stringify({ thresholds: {} }));
    r = run([CAR, ...CAR_ARGS, '--config', bad]);
    assert.equal(r.code, 78);
    assert.match(r.err, /thresholds: unknown field/);
    fs.writeFileSync(bad, '{');
    r = run([CAR, ...CAR_ARGS, '--config', bad]);
    assert.equal(r.code, 78);
    assert.match(r.err, /not valid JSON/);
    r = run([CAR, ...CAR_ARGS.slice(0, 4), '--map', 'no-such-map']);
    assert.equal(r.code, 78);
    assert.match(r.err, /--map: .*no-such-map/);

    r = run([CAR]);
    assert.equal(r.code, 2, 'no --dbc');
    r = run([CAR, ...CAR_ARGS, '--format', 'csv']);
    assert.equal(r.code, 2);

    const garbled = path.join(dir, 'garbled.log');
    const good = '(1627274455.012500) can1 009#9DE40FC1FF055080\n(1627274455.022500) can1 009#9DE40FC1FF055080\n';
    fs.writeFileSync(garbled, good + 'this is not candump\n' + good.replace(/55\.0/g, '56.0'));
    r = run([garbled, '--dbc', `can1=${GNSS}`, '--map', 'car-obd-gnss']);
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /garbled: 4 frames; /);
    assert.match(r.err, /1 malformed line\(s\) skipped/);
  });
});
