// ubi-score and ubi-incident inside the real Node-RED runtime: logs replayed by ubi-can-in at full
// speed, decoded by ubi-decode, scored; outputs compared across batch sizes and speeds, and with
// `ubi-edge score` on the same log.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import helper from 'node-red-node-test-helper';
import canBusNode from '../../nodes/ubi-can-bus/ubi-can-bus.js';
import canInNode from '../../nodes/ubi-can-in/ubi-can-in.js';
import decodeNode from '../../nodes/ubi-decode/ubi-decode.js';
import scoreNode from '../../nodes/ubi-score/ubi-score.js';
import incidentNode from '../../nodes/ubi-incident/ubi-incident.js';
import { CandumpEncoder } from '../../edge/can/candump.js';
import { FrameFlag } from '../../edge/can/frame.js';
import { loadDbcSync } from '../../edge/dbc/index.js';
import { fromSamples } from '../../edge/signals/signal-batch.js';
import { drive, phaseAt, type Drive } from '../support/motion-model.js';
import { TimerTracker } from '../support/timer-tracker.js';

helper.init(require.resolve('node-red'));

const ROOT = path.resolve(__dirname, '../../..');
const BIN = path.join(ROOT, 'bin', 'ubi-edge.js');
const CAR_LOG = path.join(ROOT, 'assets/logs/3BA199E2-00000164-00000001-60FE3F04.log.gz');
const TRUCK_LOG = path.join(ROOT, 'test/fixtures/candump/css-electronics/11111111-00000012-00000001.log.xz');
const GNSS_DBC = path.join(ROOT, 'test/fixtures/dbc/j1939/gnss.dbc');
const DEMO_DBC = path.join(ROOT, 'test/fixtures/dbc/j1939/CSS-Electronics-SAE-J1939-DEMO.dbc');

interface Msg {
  topic?: string;
  payload: unknown;
  flush?: boolean;
}
// the helper's spies sit on the shared Node prototype: calls are told apart by their `this`
interface Spy<A> {
  args: A[];
  thisValues: unknown[];
}
interface TestNode {
  on(ev: 'input', fn: (msg: Msg) => void): void;
  receive(msg: Msg): void;
  status: Spy<[{ fill?: string; text?: string }]>;
  warn: Spy<unknown[]>;
  error: Spy<unknown[]>;
}
const own = <A>(n: TestNode, spy: Spy<A>): A[] => spy.args.filter((_, i) => spy.thisValues[i] === n);
const statuses = (n: TestNode) => own(n, n.status).map((a) => a[0]);
const warnings = (n: TestNode) => own(n, n.warn).map((a) => String(a[0]));
const errors = (n: TestNode) => own(n, n.error).map((a) => String(a[0]));
type Kinded = { kind: string; [k: string]: unknown };

const OUTS = { ev: 'event', tr: 'trip', scr: 'score', cal: 'calibration', al: 'incident_alert', incd: 'incident', dist: 'sensor_disturbance' } as const;

interface Setup {
  log: string;
  vehicle: string;
  interfaces: string;
  map: string;
  maxFrames: number;
  speed: string;
  score?: Record<string, unknown>;
  incident?: Record<string, unknown>;
}

const CAR: Omit<Setup, 'maxFrames' | 'speed'> = { log: CAR_LOG, vehicle: 'seat-1', interfaces: `can0: obd\ncan1: ${GNSS_DBC}`, map: 'car-obd-gnss' };

function flow(s: Setup) {
  return [
    { id: 'bus1', type: 'ubi-can-bus', vehicle: s.vehicle, source: 'replay', interfaces: '', bitrate: '500000', fd: false, filters: '', replayFile: s.log, speed: s.speed, loop: false },
    { id: 'in1', type: 'ubi-can-in', bus: 'bus1', maxFrames: String(s.maxFrames), maxAgeMs: '100', statsInterval: '10', wires: [['dec'], []] },
    { id: 'dec', type: 'ubi-decode', interfaces: s.interfaces, map: s.map, emit: 'mapped', signals: '', period: '0', mode: 'last', statsInterval: '10', wires: [['sc', 'inc', 'sig'], []] },
    // a batch of a slow interface can span minutes of log time at full speed: merge over 600 s
    { id: 'sc', type: 'ubi-score', vehicleClass: 'van', timeZone: 'Europe/Copenhagen', roster: '', overrides: '', mergeS: '600', statsInterval: '1', wires: [['ev'], ['tr'], ['scr'], ['cal']], ...s.score },
    { id: 'inc', type: 'ubi-incident', accelThresholdG: '', preS: '', postS: '', crashSignals: '', overrides: '', mergeS: '600', wires: [['al'], ['incd'], ['dist']], ...s.incident },
    ...['sig', ...Object.keys(OUTS)].map((id) => ({ id, type: 'helper' })),
  ];
}

const load = (f: unknown[]) => new Promise<void>((resolve) => helper.load([canBusNode, canInNode, decodeNode, scoreNode, incidentNode], f, () => resolve()));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const node = (id: string) => helper.getNode(id) as unknown as TestNode;

/** Replays the log through the flow to its end, flushes score and incident, returns what every output sent. */
async function replay(s: Setup): Promise<Record<string, Kinded[]>> {
  await load(flow(s));
  const got: Record<string, Kinded[]> = {};
  let last = Date.now();
  for (const id of Object.keys(OUTS)) {
    got[id] = [];
    node(id).on('input', (m) => {
      got[id]!.push(m.payload as Kinded);
      last = Date.now();
    });
  }
  node('sig').on('input', () => (last = Date.now()));
  const ended = () => statuses(node('in1')).some((st) => /^ended/.test(st.text ?? ''));
  const deadline = Date.now() + 50000;
  while (!(ended() && Date.now() - last > 300)) {
    if (Date.now() > deadline) throw new Error('replay did not end');
    await sleep(50);
  }
  node('sc').receive({ payload: null, flush: true });
  node('inc').receive({ payload: null, flush: true });
  await sleep(300);
  while (Date.now() - last < 300) await sleep(50);
  for (const [id, kind] of Object.entries(OUTS)) for (const p of got[id]!) assert.equal(p.kind, kind, `output ${id} carries ${kind} only`);
  await helper.unload();
  return got;
}

function cli(log: string, args: string[]): Record<string, Kinded[]> {
  const r = spawnSync(process.execPath, [BIN, 'score', log, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  assert.equal(r.status, 0, r.stderr);
  const byKind: Record<string, Kinded[]> = {};
  for (const id of Object.keys(OUTS)) byKind[id] = [];
  const idOf = Object.fromEntries(Object.entries(OUTS).map(([k, v]) => [v, k]));
  for (const line of r.stdout.split('\n').filter((l) => l !== '')) {
    const o = JSON.parse(line) as Kinded;
    byKind[idOf[o.kind]!]!.push(o);
  }
  return byKind;
}

const ser = (r: Record<string, Kinded[]>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.map((x) => JSON.stringify(x))]));

function assertSame(a: Record<string, Kinded[]>, b: Record<string, Kinded[]>, what: string): void {
  const sa = ser(a);
  const sb = ser(b);
  for (const k of Object.keys(OUTS)) {
    assert.equal(sb[k]!.length, sa[k]!.length, `${what}: number of ${OUTS[k as keyof typeof OUTS]} records`);
    sa[k]!.forEach((x, i) => assert.equal(sb[k]![i], x, `${what}: ${OUTS[k as keyof typeof OUTS]} #${i}`));
  }
}

/** Writes the model drive's CAN frames as a candump -L log. */
function writeLog(d: Drive, file: string): void {
  const dbc = (rel: string) => loadDbcSync(path.join(ROOT, 'test/fixtures/dbc', rel), { strict: false });
  const frames = d.frames(dbc('j1939/CSS-Electronics-SAE-J1939-DEMO.dbc'), dbc('j1939/gnss.dbc'));
  const enc = new CandumpEncoder();
  const parts: Buffer[] = [];
  for (const { iface, frame: f } of frames) {
    enc.line(f.t, iface, f.id, (f.ext ? FrameFlag.EXT : 0) | (f.fd ? FrameFlag.FD : 0), f.data, 0, f.data.length, 0);
    parts.push(enc.take());
  }
  fs.writeFileSync(file, Buffer.concat(parts));
}

describe('ubi-score / ubi-incident nodes', function () {
  this.timeout(120000);
  let dir: string;
  let crashLog: string;
  let crash: Drive;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ubi-score-'));
    // a van drive: a hard stop, a harsh turn, then a frontal crash at speed (15 g for 0.1 s)
    crash = drive(
      [
        { duration: 5 },
        { duration: 12, accel: 1.5 },
        { duration: 10 },
        { duration: 2, accel: -4.5, label: 'brake' },
        { duration: 10, accel: 1.5 },
        { duration: 25, label: 'cruise' },
        { duration: 0.1, accel: -150, label: 'crash' },
        { duration: 30 },
      ],
      { seed: 811, jitter: 0.2, dropRate: 0.02 },
    );
    crashLog = path.join(dir, 'crash.log');
    writeLog(crash, crashLog);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  beforeEach((done) => {
    helper.startServer(done);
  });
  afterEach(async () => {
    await helper.unload();
    await new Promise<void>((r) => helper.stopServer(() => r()));
  });

  it('the car drive through the nodes: identical outputs for batches of 50 and 5000 frames, paced and at full speed, and equal to `ubi-edge score`', async () => {
    const small = await replay({ ...CAR, maxFrames: 50, speed: 'max' });
    // what the drive holds: one trip with its trip and vehicle scores, the IMU calibration (gravity, then complete)
    assert.equal(small.tr!.length, 1);
    assert.equal(small.cal!.length, 2);
    assert.deepEqual(small.scr!.map((s) => s.scope), ['trip', 'vehicle']);
    const trip = small.tr![0]!;
    assert.ok((trip.distance as number) > 5 && (trip.distance as number) < 7, `distance ${trip.distance}`);
    assert.equal(small.scr![0]!.key, trip.id);
    const big = await replay({ ...CAR, maxFrames: 5000, speed: 'max' });
    assertSame(small, big, 'maxFrames 5000 vs 50');
    // paced at 100x real time: batches leave by age (100 ms of wall time), not by size
    const paced = await replay({ ...CAR, maxFrames: 1000, speed: '100' });
    assertSame(small, paced, 'paced 100x vs full speed');
    const fromCli = cli(CAR_LOG, ['--dbc', 'can0=obd', '--dbc', `can1=${GNSS_DBC}`, '--map', 'car-obd-gnss', '--vehicle', 'seat-1']);
    assertSame(small, fromCli, 'CLI vs node');
  });

  it('a crash scenario (motion model -> frames -> candump log): exactly one alert and one incident, the same for any batch size and as the CLI', async () => {
    const setup = { log: crashLog, vehicle: 'V1', interfaces: `can0: ${DEMO_DBC}, j1939\ncan1: ${GNSS_DBC}`, map: 'j1939-truck', maxFrames: 50, speed: 'max' };
    const a = await replay(setup);
    assert.equal(a.al!.length, 1, 'one preliminary alert');
    assert.equal(a.incd!.length, 1, 'one incident');
    assert.equal(a.dist!.length, 0);
    const inc = a.incd![0]! as unknown as { id: string; t: number; moving: boolean; speedBefore: number; recording: { from: number; to: number; t: number[] } };
    assert.equal(inc.id, a.al![0]!.id);
    const c = phaseAt(crash, 'crash');
    assert.ok(Math.abs(inc.t - c.t0) < 0.05, `incident at ${inc.t}, crash at ${c.t0}`);
    assert.equal(inc.moving, true);
    assert.ok(Math.abs(inc.speedBefore - c.v0) < 2, `speed before ${inc.speedBefore} vs ${c.v0}`);
    assert.ok(inc.recording.t.length > 1000 && inc.recording.from <= inc.t - 19.9 && inc.recording.to >= inc.t + 9.9, 'recording 20 s before to 10 s after');
    // the hard stop before it is a harsh braking event, not an incident
    const brakes = a.ev!.filter((e) => e.type === 'harsh_braking');
    const b = phaseAt(crash, 'brake');
    assert.ok(brakes.some((e) => Math.abs((e.t0 as number) - b.t0) < 0.6), JSON.stringify(a.ev!.map((e) => [e.type, e.t0])));
    const big = await replay({ ...setup, maxFrames: 5000 });
    assertSame(a, big, 'maxFrames 5000 vs 50');
    const fromCli = cli(crashLog, ['--dbc', `can0=${DEMO_DBC}`, '--dbc', 'can0=j1939', '--dbc', `can1=${GNSS_DBC}`, '--map', 'j1939-truck', '--vehicle', 'V1']);
    assertSame(a, fromCli, 'CLI vs node');
  });

  it('the idling J1939 truck whose logger was handled: no alert, no incident', async () => {
    const r = await replay({ log: TRUCK_LOG, vehicle: 'truck-1', interfaces: `can0: ${DEMO_DBC}, j1939\ncan1: ${GNSS_DBC}`, map: 'j1939-truck', maxFrames: 1000, speed: 'max', score: { vehicleClass: 'tractor_unit' } });
    assert.equal(r.al!.length, 0);
    assert.equal(r.incd!.length, 0);
    assert.equal(r.tr!.length, 0, 'standing still is no trip');
  });

  it('turns red naming the field for bad overrides, roster or zone, and drops input without crashing', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ overrides: '{"common": {"harsh": {"braking": {"thresholdG": -1}}}}' }, /^overrides: common\.harsh\.braking\.thresholdG: must be within \(0, 5\] g, got -1/],
      [{ overrides: '{"vehicles": {"v1": {"class": "bus"}}}' }, /^overrides: vehicles\.v1\.class: must be one of van, rigid_truck, tractor_unit/],
      [{ overrides: '{"common": {"harsh": {"brakng": {}}}}' }, /^overrides: common\.harsh\.brakng: unknown field/],
      [{ overrides: '{not json' }, /^overrides: not valid JSON/],
      [{ roster: 'van-1, DK1' }, /^roster: line 1: expected "vehicle, driver, from\[, to\]"/],
      [{ roster: 'van-1, DK1, yesterday' }, /^roster: line 1: from: not an ISO 8601 time/],
      [{ timeZone: 'Mars/Olympus' }, /^timeZone: not an IANA time zone/],
      [{ vehicleClass: 'bus' }, /^vehicleClass: must be one of/],
      [{ mergeS: '-3' }, /^mergeS: expected seconds/],
    ];
    for (const [over, re] of cases) {
      await load([{ id: 'sc', type: 'ubi-score', vehicleClass: 'van', timeZone: '', roster: '', overrides: '', mergeS: '1', wires: [['ev'], [], [], []], ...over }, { id: 'ev', type: 'helper' }]);
      const sc = node('sc');
      const st = statuses(sc).at(-1)!;
      assert.equal(st.fill, 'red', JSON.stringify(over));
      // the status shows the start (60 characters), the log has every problem
      assert.ok(st.text!.length <= 60 && re.test(errors(sc)[0]!.replace(/^invalid scoring config:\s+/, '')), `${st.text} | ${errors(sc)[0]}`);
      assert.ok(errors(sc)[0]!.includes(st.text!.replace(/\.\.\.$/, '')), 'status shows the first problem');
      sc.receive({ payload: fromSamples('v1', [{ t: 1, name: 'Vehicle.Speed', value: 50 }]) });
      await sleep(20);
      await helper.unload();
    }
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ postS: '-1' }, /^postS: must be a number > 0, got -1/],
      [{ accelThresholdG: 'hard' }, /^accelThresholdG: must be a number/],
      [{ overrides: '{"handling": {"maxRateDegS": 0}}' }, /^overrides: handling\.maxRateDegS: must be a number > 0/],
      [{ overrides: '{"speedDrop": 3}' }, /^overrides: speedDrop: unknown field/],
    ];
    for (const [over, re] of bad) {
      await load([{ id: 'inc', type: 'ubi-incident', accelThresholdG: '', preS: '', postS: '', crashSignals: '', overrides: '', mergeS: '0.2', wires: [[], [], []], ...over }]);
      const st = statuses(node('inc')).at(-1)!;
      assert.equal(st.fill, 'red', JSON.stringify(over));
      assert.ok(re.test(errors(node('inc'))[0]!.replace(/^invalid incident settings:\s+/, '')), errors(node('inc'))[0]);
      assert.ok(errors(node('inc'))[0]!.includes(st.text!.replace(/\.\.\.$/, '')), 'status shows the first problem');
      node('inc').receive({ payload: fromSamples('v1', [{ t: 1, name: 'Vehicle.Speed', value: 50 }]) });
      await sleep(20);
      await helper.unload();
    }
  });

  it('warns about payloads that are not SignalBatches (first 10) and goes on', async () => {
    await load([
      { id: 'sc', type: 'ubi-score', vehicleClass: 'van', mergeS: '0', wires: [['ev'], ['tr'], ['scr'], ['cal']] },
      { id: 'inc', type: 'ubi-incident', mergeS: '0', wires: [['al'], ['incd'], ['dist']] },
      ...Object.keys(OUTS).map((id) => ({ id, type: 'helper' })),
    ]);
    const sc = node('sc');
    const inc = node('inc');
    for (let i = 0; i < 12; i++) {
      sc.receive({ payload: 'hello' });
      inc.receive({ payload: { vehicle: 'v', count: 1, t: [1], signal: [0], value: [1], signals: [], texts: [] } });
    }
    await sleep(100);
    const sw = warnings(sc);
    assert.equal(sw.length, 10);
    assert.equal(sw[0], 'payload is not a SignalBatch (expected an object from ubi-decode)');
    assert.equal(warnings(inc).length, 10);
    assert.equal(warnings(inc)[0], 'payload.t: expected a Float64Array of 1 entries');
    assert.equal(errors(sc).length + errors(inc).length, 0);
  });

  it('status counts events and trips; incident status counts incidents', async () => {
    // the crash scenario's samples straight into the nodes, as one batch, then flush
    const b = fromSamples('V1', crash.samples, crash.infos);
    await load([
      { id: 'sc', type: 'ubi-score', vehicleClass: 'van', mergeS: '1', statsInterval: '1', wires: [['ev'], ['tr'], ['scr'], ['cal']] },
      { id: 'inc', type: 'ubi-incident', mergeS: '0.2', wires: [['al'], ['incd'], ['dist']] },
      ...Object.keys(OUTS).map((id) => ({ id, type: 'helper' })),
    ]);
    let incidents = 0;
    let trips = 0;
    node('incd').on('input', () => incidents++);
    node('tr').on('input', () => trips++);
    node('sc').receive({ payload: b });
    node('inc').receive({ payload: b });
    node('sc').receive({ payload: null, flush: true });
    node('inc').receive({ payload: null, flush: true });
    await sleep(1300);
    assert.equal(incidents, 1);
    const incText = statuses(node('inc')).at(-1)!.text!;
    assert.equal(incText, '1 incident');
    const scText = statuses(node('sc')).at(-1)!.text!;
    assert.match(scText, new RegExp(`^\\d+ events?, ${trips} trips?, last score `), scText);
    assert.ok(trips >= 1);
  });

  it('ubi-incident sends an incident still recording when closed; both close without timers', async () => {
    const tracker = new TimerTracker();
    tracker.start();
    try {
      const cut = crash.samples.filter((x) => x.t <= phaseAt(crash, 'crash').t0 + 2);
      const b = fromSamples('V1', cut, crash.infos);
      await load([
        { id: 'sc', type: 'ubi-score', vehicleClass: 'van', mergeS: '1', statsInterval: '1', wires: [['ev'], ['tr'], ['scr'], ['cal']] },
        { id: 'inc', type: 'ubi-incident', mergeS: '0.2', wires: [['al'], ['incd'], ['dist']] },
        ...Object.keys(OUTS).map((id) => ({ id, type: 'helper' })),
      ]);
      const got: Kinded[] = [];
      node('incd').on('input', (m) => got.push(m.payload as Kinded));
      let alerts = 0;
      node('al').on('input', () => alerts++);
      node('sc').receive({ payload: b });
      node('inc').receive({ payload: b });
      await sleep(100);
      assert.equal(alerts, 1);
      assert.equal(got.length, 0, 'the post-window has not closed');
      const ours = /[/\\]dist[/\\]nodes[/\\]ubi-(score|incident)[/\\]/;
      assert.ok(tracker.pending(ours).length > 0, 'the score status timer is tracked');
      const inc = node('inc') as unknown as { warn: (m: unknown) => void };
      const closing: string[] = [];
      inc.warn = (m) => closing.push(String(m));
      await helper.unload();
      assert.deepEqual(tracker.pending(ours), []);
      assert.ok(closing.some((w) => /^closing: sending incident V1\/incident\/\d+ /.test(w)), closing.join('\n'));
    } finally {
      tracker.stop();
    }
  });
});
