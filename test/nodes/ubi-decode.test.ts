// ubi-decode inside the real Node-RED runtime: the bundled car drive replayed by ubi-can-in at full
// speed, decoded with gnss.dbc (and OBD-II when the build has it) and the car-obd-gnss map.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import helper from 'node-red-node-test-helper';
import canBusNode from '../../nodes/ubi-can-bus/ubi-can-bus.js';
import canInNode from '../../nodes/ubi-can-in/ubi-can-in.js';
import decodeNode from '../../nodes/ubi-decode/ubi-decode.js';
import { fromFrames } from '../../edge/can/frame.js';
import type { SignalBatch } from '../../edge/signals/signal-batch.js';
import { TimerTracker } from '../support/timer-tracker.js';

helper.init(require.resolve('node-red'));

const ROOT = path.resolve(__dirname, '../../..');
const CAR_LOG = path.join(ROOT, 'assets/logs/3BA199E2-00000164-00000001-60FE3F04.log.gz');
const GNSS_DBC = path.join(ROOT, 'test/fixtures/dbc/j1939/gnss.dbc');

interface Msg {
  topic?: string;
  payload: unknown;
  flush?: boolean;
}
interface TestNode {
  on(ev: 'input', fn: (msg: Msg) => void): void;
  receive(msg: Msg): void;
  status: { args: Array<[{ fill?: string; text?: string }]> };
  warn: { args: unknown[][] };
  error: { args: unknown[][] };
}

function flow(decode: Record<string, unknown> = {}, bus: Record<string, unknown> = {}) {
  return [
    { id: 'bus1', type: 'ubi-can-bus', vehicle: 'seat-1', source: 'replay', interfaces: '', bitrate: '500000', fd: false, filters: '', replayFile: CAR_LOG, speed: 'max', loop: false, ...bus },
    { id: 'in1', type: 'ubi-can-in', bus: 'bus1', maxFrames: '1000', maxAgeMs: '100', statsInterval: '10', wires: [['dec'], []] },
    { id: 'dec', type: 'ubi-decode', interfaces: `can0: obd\ncan1: ${GNSS_DBC}`, map: 'car-obd-gnss', emit: 'mapped', signals: '', period: '1', mode: 'mean', statsInterval: '1', wires: [['full'], ['down']], ...decode },
    { id: 'full', type: 'helper' },
    { id: 'down', type: 'helper' },
  ];
}

const load = (f: unknown[]) => new Promise<void>((resolve) => helper.load([canBusNode, canInNode, decodeNode], f, () => resolve()));

function values(batches: SignalBatch[], name: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const b of batches) {
    const i = b.signals.findIndex((s) => s.name === name);
    if (i < 0) continue;
    for (let k = 0; k < b.count; k++) if (b.signal[k] === i) out.push([b.t[k]!, b.value[k]!]);
  }
  return out;
}

describe('ubi-decode node', function () {
  this.timeout(60000);
  let dir: string;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ubi-decode-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  beforeEach((done) => {
    helper.startServer(done);
  });
  afterEach(async () => {
    await helper.unload();
    await new Promise<void>((r) => helper.stopServer(() => r()));
  });

  it('turns the replayed car drive into VSS speed and position with plausible values, at native rate and down-sampled', async () => {
    await load(flow());
    const full = helper.getNode('full') as unknown as TestNode;
    const down = helper.getNode('down') as unknown as TestNode;
    const fullBatches: SignalBatch[] = [];
    const downBatches: SignalBatch[] = [];
    down.on('input', (msg) => downBatches.push(msg.payload as SignalBatch));
    await new Promise<void>((resolve) => {
      full.on('input', (msg) => {
        assert.equal(msg.topic, 'seat-1/signals');
        fullBatches.push(msg.payload as SignalBatch);
        // the GNSS gets its fix about 2 minutes into the drive; wait for 60 positions after it
        if (values([msg.payload as SignalBatch], 'Vehicle.CurrentLocation.Latitude').length > 0 && values(fullBatches, 'Vehicle.CurrentLocation.Latitude').length >= 60) resolve();
      });
    });
    const speed = values(fullBatches, 'Vehicle.Speed');
    const lat = values(fullBatches, 'Vehicle.CurrentLocation.Latitude');
    const lon = values(fullBatches, 'Vehicle.CurrentLocation.Longitude');
    assert.ok(speed.length > 60);
    for (const [, v] of speed) assert.ok(v >= 0 && v < 95, `speed ${v}`);
    // near Aarhus, Denmark
    for (const [, v] of lat) assert.ok(v > 56.0 && v < 56.25, `latitude ${v}`);
    for (const [, v] of lon) assert.ok(v > 10.0 && v < 10.35, `longitude ${v}`);
    const info = fullBatches.flatMap((b) => b.signals).find((s) => s.name === 'Vehicle.Speed')!;
    assert.equal(info.unit, 'km/h');
    for (const b of fullBatches) for (let k = 1; k < b.count; k++) assert.ok(b.t[k]! >= b.t[k - 1]!, 'ascending time within a batch');
    // down-sampled: whole-second stamps, one point per signal per second
    assert.ok(downBatches.length > 0);
    const seen = new Set<string>();
    for (const b of downBatches)
      for (let k = 0; k < b.count; k++) {
        assert.equal(b.t[k], Math.floor(b.t[k]!));
        const key = `${b.signals[b.signal[k]!]!.name}@${b.t[k]}`;
        assert.ok(!seen.has(key), key);
        seen.add(key);
      }
  });

  it('at the end of a replay: the last down-sampled windows go out, then the end (flush) travels on both outputs', async () => {
    await load(flow());
    const full = helper.getNode('full') as unknown as TestNode;
    const down = helper.getNode('down') as unknown as TestNode;
    const seen: Array<['full' | 'down', Msg]> = [];
    full.on('input', (m) => seen.push(['full', m]));
    const ended = new Promise<void>((resolve) =>
      down.on('input', (m) => {
        seen.push(['down', m]);
        if (m.flush) resolve();
      }),
    );
    await ended;
    await new Promise((r) => setTimeout(r, 50)); // the full output's flush is sent in the same call
    const flushes = seen.filter(([, m]) => m.flush === true);
    assert.deepEqual(flushes.map(([o]) => o).sort(), ['down', 'full']);
    for (const [, m] of flushes) assert.equal(m.payload, null);
    // every data message came before the end and carries no flush flag
    const lastData = Math.max(...seen.map(([, m], i) => (m.flush ? -1 : i)));
    assert.ok(lastData < seen.findIndex(([, m]) => m.flush), 'data after the end');
    // the last second of the drive reached the down-sampled output: without the flush its window stays open
    const latest = (o: 'full' | 'down') => seen.filter(([w, m]) => w === o && !m.flush).reduce((t, [, m]) => (m.payload as SignalBatch).t.reduce((a, b) => Math.max(a, b), t), -Infinity);
    assert.equal(latest('down'), Math.floor(latest('full')));
  });

  it('counts unknown ids and shows decoded frames/s and unknown ids in its status', async () => {
    await load(flow());
    const dec = helper.getNode('dec') as unknown as TestNode;
    // status every second; the replay at full speed is over in a few seconds
    await new Promise((r) => setTimeout(r, 2500));
    const texts = dec.status.args.map((a) => a[0].text ?? '');
    const withCounts = texts.filter((t) => /^\d+ fr\/s, \d+ unknown ids?/.test(t));
    assert.ok(withCounts.length > 0, texts.join(' | '));
    // can0 carries 0x17F00010, which no DBC here describes (and 0x7E8 when the build has no OBD-II decoder)
    const n = Number(/(\d+) unknown id/.exec(withCounts.at(-1)!)![1]);
    assert.ok(n >= 1 && n <= 2, withCounts.at(-1));
  });

  it('turns red naming the file when a DBC is missing, and does not crash on input', async () => {
    await load(flow({ interfaces: `can1: ${path.join(dir, 'missing.dbc')}` }));
    const dec = helper.getNode('dec') as unknown as TestNode;
    const last = dec.status.args.at(-1)![0];
    assert.equal(last.fill, 'red');
    assert.equal(last.text, 'interfaces: missing.dbc: not found');
    dec.receive({ payload: fromFrames('v', 'can1', [{ t: 1, id: 7, ext: false, fd: false, data: new Uint8Array(5) }]) });
    await new Promise((r) => setTimeout(r, 100));
  });

  it('turns red with file:line when a DBC is broken', async () => {
    const bad = path.join(dir, 'broken.dbc');
    // line 3: BO_ without the ':' after the message name
    fs.writeFileSync(bad, 'VERSION ""\n\nBO_ 546 EMV_Stati 8 X\n SG_ A : 0|8@1+ (1,0) [0|0] "" X\n');
    await load(flow({ interfaces: `can1: ${bad}` }));
    const dec = helper.getNode('dec') as unknown as TestNode;
    const last = dec.status.args.at(-1)![0];
    assert.equal(last.fill, 'red');
    assert.match(last.text!, /^interfaces: broken\.dbc:3:\d+: invalid syntax/);
    const err = String(dec.error.args.at(-1)![0]);
    assert.ok(err.includes(`${bad}:3:`), err);
  });

  it('turns red naming the field for a bad map or period', async () => {
    await load(flow({ map: 'no-such-map' }));
    let last = (helper.getNode('dec') as unknown as TestNode).status.args.at(-1)![0];
    assert.equal(last.fill, 'red');
    assert.match(last.text!, /^map: .*no-such-map: not found/);
    await helper.unload();
    await load(flow({ period: 'often' }));
    last = (helper.getNode('dec') as unknown as TestNode).status.args.at(-1)![0];
    assert.equal(last.fill, 'red');
    assert.match(last.text!, /^period: expected seconds/);
  });

  it('warns about a payload that is not a FrameBatch and goes on', async () => {
    await load(flow({}, { replayFile: path.join(dir, 'none.log') }));
    const dec = helper.getNode('dec') as unknown as TestNode;
    const full = helper.getNode('full') as unknown as TestNode;
    const got: SignalBatch[] = [];
    full.on('input', (m) => got.push(m.payload as SignalBatch));
    dec.receive({ payload: 'hello' });
    dec.receive({ payload: { vehicle: 'v', iface: 'can1', count: 1, t: [1] } });
    // a good batch after the bad ones still decodes: gnss_speed.Speed raw 10000 * 0.001 = 10 m/s
    const speed = [0x01 | ((10000 & 0x7f) << 1), (10000 >> 7) & 0xff, (10000 >> 15) & 0x1f, 0, 0];
    dec.receive({ payload: fromFrames('v', 'can1', [{ t: 5, id: 7, ext: false, fd: false, data: Uint8Array.from(speed) }]) });
    await new Promise((r) => setTimeout(r, 200));
    const warns = dec.warn.args.map((a) => String(a[0]));
    assert.ok(warns.includes('payload is not a FrameBatch (expected an object from ubi-can-in)'), warns.join('\n'));
    assert.ok(warns.some((w) => w.startsWith('payload.t: expected a Float64Array')), warns.join('\n'));
    assert.equal(values(got, 'gnss_speed.Speed')[0]![1], 10);
  });

  it('closes without leaving timers behind', async () => {
    const tracker = new TimerTracker();
    tracker.start();
    try {
      await load(flow());
      const full = helper.getNode('full') as unknown as TestNode;
      await new Promise<void>((resolve) => full.on('input', () => resolve()));
      const ours = /[/\\]dist[/\\]nodes[/\\]ubi-decode[/\\]/;
      assert.ok(tracker.pending(ours).length > 0, 'the status timer is tracked');
      await helper.unload();
      assert.deepEqual(tracker.pending(ours), []);
    } finally {
      tracker.stop();
    }
  });
});
