// ubi-influx-out + ubi-influx-config inside the real Node-RED runtime, against a real influxd.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import helper from 'node-red-node-test-helper';
import configNode from '../../nodes/ubi-influx-config/ubi-influx-config.js';
import outNode from '../../nodes/ubi-influx-out/ubi-influx-out.js';
import { fromSamples } from '../../edge/signals/signal-batch.js';
import { fromFrames } from '../../edge/can/frame.js';
import { CanArchive } from '../../edge/store/can-archive.js';
import { Influxd } from '../support/influxd.js';
import { TimerTracker } from '../support/timer-tracker.js';
import { waitFor } from '../support/wait-for.js';

helper.init(require.resolve('node-red'));

interface TestNode {
  receive(msg: unknown): void;
  status: { args: Array<[{ fill?: string; text?: string }]> };
  warn: { args: unknown[][] };
  error: { args: unknown[][] };
  on(ev: 'call:error', fn: (call: { args: unknown[] }) => void): void;
}

const T0 = Math.floor((Date.now() - 3600 * 1000) / 1000) * 1000;


describe('ubi-influx-out node', function () {
  this.timeout(30000);
  let influxd: Influxd;
  let dir: string;

  before(async () => {
    influxd = await Influxd.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ubi-influx-node-'));
  });
  after(async () => {
    await influxd.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach((done) => {
    helper.startServer(done);
  });
  afterEach(async () => {
    await helper.unload();
    await new Promise<void>((r) => helper.stopServer(() => r()));
  });

  const flow = (cfg: Record<string, unknown>) => [
    { id: 'cfg', type: 'ubi-influx-config', url: influxd.url, database: 'ubi_node', capMB: '8', dir: fs.mkdtempSync(path.join(dir, 'o-')), ...cfg },
    { id: 'out', type: 'ubi-influx-out', influx: 'cfg' },
  ];
  const load = (f: unknown[], cred: Record<string, unknown> = {}) => new Promise<void>((resolve) => helper.load([configNode, outNode], f, cred, () => resolve()));

  it('writes gateway points and SignalBatches; status shows points/s, outbox depth and connected', async () => {
    await load(flow({ depot: 'west' }));
    const out = helper.getNode('out') as unknown as TestNode;
    const gw = [{ measurement: 'gateway', tags: { vehicle: 'van-1', iface: 'can0' }, fields: { frames_per_s: 100, bus_load_pct: 5, frames_total: 1000, error_frames: 0, dropped: 0, malformed: 0 }, time: T0 }];
    out.receive({ topic: 'gateway', payload: gw });
    const samples = [];
    for (let i = 0; i < 50; i++) samples.push({ t: T0 / 1000 + i * 0.1, name: 'Vehicle.Speed', value: i });
    out.receive({ payload: fromSamples('van-1', samples) });
    await waitFor(async () => (await influxd.rows(`SELECT count(*) FROM "raw"."signal"`, 'ubi_node')).length > 0, 15000, 'signal points');
    const g = await influxd.rows(`SELECT * FROM "raw"."gateway" WHERE vehicle='van-1'`, 'ubi_node');
    assert.deepEqual(g.map((r) => [r.time, r.vehicle, r.depot, r.frames_per_s]), [[T0 * 1000, 'van-1', 'west', 100]]);
    const sig = await influxd.rows(`SELECT * FROM "raw"."signal" ORDER BY time`, 'ubi_node');
    // 4.9 s of data at 10 Hz: windows [0,1) and [1,2) s are closed by the data (2 s lateness); the rest wait
    assert.deepEqual(sig.map((r) => [r.time, r.n, r.min, r.max]), [
      [T0 * 1000, 10, 0, 9],
      [(T0 + 1000) * 1000, 10, 10, 19],
    ]);
    await waitFor(() => out.status.args.some((a) => /pt\/s · outbox \d+ · connected/.test(a[0].text ?? '')), 5000, 'status');
    assert.ok(out.status.args.some((a) => a[0].fill === 'green'));
  });

  it('keeps running with no InfluxDB reachable: buffers and says so', async () => {
    await load(flow({ url: 'http://127.0.0.1:9' }));
    const out = helper.getNode('out') as unknown as TestNode;
    out.receive({ payload: { measurement: 'event', tags: { vehicle: 'v', type: 'speeding' }, fields: { peak: 1 }, time: T0 } });
    await waitFor(() => out.status.args.some((a) => /outbox 1 · buffering/.test(a[0].text ?? '')), 10000, 'buffering status');
    assert.equal(out.status.args.at(-1)![0].fill, 'yellow');
  });

  it('keeps credentials out of the flow and uses them (auth-enabled influxd)', async () => {
    const secured = await Influxd.start({ auth: true });
    try {
      await secured.query(`CREATE USER admin WITH PASSWORD 's3cret!' WITH ALL PRIVILEGES`, undefined, 'POST');
      const f = [
        { id: 'cfg', type: 'ubi-influx-config', url: secured.url, database: 'ubi_auth', dir: fs.mkdtempSync(path.join(dir, 'a-')) },
        { id: 'out', type: 'ubi-influx-out', influx: 'cfg' },
      ];
      assert.ok(!JSON.stringify(f).includes('s3cret'));
      await load(f, { cfg: { username: 'admin', password: 's3cret!' } });
      const out = helper.getNode('out') as unknown as TestNode;
      out.receive({ payload: { measurement: 'event', tags: { vehicle: 'v', type: 'speeding' }, fields: { peak: 7 }, time: T0 } });
      await waitFor(() => out.status.args.some((a) => /outbox 0 · connected/.test(a[0].text ?? '')), 10000, 'connected');
      const cfg = helper.getNode('cfg') as unknown as TestNode;
      const logged = JSON.stringify([cfg.warn.args, cfg.error.args, out.warn.args]);
      assert.ok(!logged.includes('s3cret'), 'password never logged');
    } finally {
      await secured.destroy();
    }
  });

  it('archives FrameBatches as candump files when the archive is on (never to InfluxDB)', async () => {
    const outDir = fs.mkdtempSync(path.join(dir, 'arch-'));
    await load([
      { id: 'cfg', type: 'ubi-influx-config', url: influxd.url, database: 'ubi_node_arch', dir: outDir, archive: true },
      { id: 'out', type: 'ubi-influx-out', influx: 'cfg' },
    ]);
    const out = helper.getNode('out') as unknown as TestNode;
    const frames = Array.from({ length: 100 }, (_, i) => ({ t: T0 / 1000 + i * 0.01, id: 0x123, ext: false, fd: false, data: new Uint8Array([i]) }));
    out.receive({ payload: fromFrames('van-1', 'can0', frames) });
    await new Promise((r) => setTimeout(r, 200));
    await helper.unload(); // closing seals the current archive file
    const archive = new CanArchive({ dir: path.join(outDir, 'can-archive') });
    const files = archive.list();
    assert.equal(files.length, 1);
    assert.equal(files[0]!.fromUs, T0 * 1000);
    const text = (await archive.extract(T0 * 1000, T0 * 1000 + 500_000)).toString();
    assert.equal(text.split('\n').filter(Boolean).length, 50);
    assert.ok(text.startsWith(`(${T0 / 1000}.000000) can0 123#00\n`), text.slice(0, 60));
    await archive.close();
    const measurements = await influxd.rows('SHOW MEASUREMENTS', 'ubi_node_arch');
    assert.deepEqual(measurements, [], 'raw frames never go to InfluxDB');
  });

  it('turns red and names the field on a bad configuration; does not crash', async () => {
    await load(flow({ fsync: 'sometimes' }));
    const out = helper.getNode('out') as unknown as TestNode;
    const last = out.status.args.at(-1)![0];
    assert.equal(last.fill, 'red');
    assert.match(last.text!, /^fsync: "sometimes"/);
  });

  it('closes without leaving timers behind', async () => {
    const tracker = new TimerTracker();
    tracker.start();
    try {
      await load(flow({}));
      const out = helper.getNode('out') as unknown as TestNode;
      out.receive({ payload: { measurement: 'event', tags: { vehicle: 'v', type: 'speeding' }, fields: { peak: 1 }, time: T0 + 5 } });
      await new Promise((r) => setTimeout(r, 300));
      await helper.unload();
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(tracker.pending(/edge\/store|ubi-influx/), []);
    } finally {
      tracker.stop();
    }
  });
});
