// ubi-can-in inside the real Node-RED runtime (node-red-node-test-helper).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import helper from 'node-red-node-test-helper';
import canBusNode from '../../nodes/ubi-can-bus/ubi-can-bus.js';
import canInNode from '../../nodes/ubi-can-in/ubi-can-in.js';
import type { FrameBatch } from '../../edge/can/frame.js';
import { toFrames } from '../../edge/can/frame.js';
import { TimerTracker } from '../support/timer-tracker.js';

helper.init(require.resolve('node-red'));

interface Msg {
  topic?: string;
  payload: unknown;
}
interface TestNode {
  on(ev: 'input', fn: (msg: Msg) => void): void;
  status: { args: Array<[{ fill?: string; text?: string }]> };
  warn: { args: unknown[][] };
  error: { args: unknown[][] };
}

// A log written for the test: 2 interfaces, one malformed line in the middle (line 4).
const LINES = [
  '(1600000000.000000) can0 7E8#03410D32',
  '(1600000000.010000) can1 18FECA00#40FF5B000301FFFF',
  '(1600000000.020000) can0 123##1' + '00112233445566778899AABBCCDDEEFF',
  '(1600000000.030000) can0 12X#00',
  '(1600000000.040000) can0 7E8#03410D33',
];
const N_FRAMES = 2000;

function writeLog(dir: string): string {
  const lines = [...LINES];
  for (let i = 0; i < N_FRAMES - 4; i++) {
    const t = (1600000000.05 + i * 0.001).toFixed(6);
    lines.push(`(${t}) can${i % 2} ${(0x100 + (i % 50)).toString(16).toUpperCase()}#${(i & 0xff).toString(16).padStart(2, '0').toUpperCase()}`);
  }
  const f = path.join(dir, 'test.log');
  fs.writeFileSync(f, lines.join('\n') + '\n');
  return f;
}

function flow(bus: Record<string, unknown>, canIn: Record<string, unknown> = {}) {
  return [
    { id: 'bus1', type: 'ubi-can-bus', vehicle: 'van-7', source: 'replay', interfaces: '', bitrate: '500000', fd: false, filters: '', replayFile: '', speed: 'max', loop: false, ...bus },
    { id: 'in1', type: 'ubi-can-in', bus: 'bus1', maxFrames: '300', maxAgeMs: '50', statsInterval: '1', wires: [['out'], ['health']], ...canIn },
    { id: 'out', type: 'helper' },
    { id: 'health', type: 'helper' },
  ];
}

const load = (f: unknown[]) => new Promise<void>((resolve) => helper.load([canBusNode, canInNode], f, () => resolve()));

describe('ubi-can-in node', function () {
  this.timeout(30000);
  let dir: string;
  let logFile: string;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ubi-canin-'));
    logFile = writeLog(dir);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  beforeEach((done) => {
    helper.startServer(done);
  });
  afterEach(async () => {
    await helper.unload();
    await new Promise<void>((r) => helper.stopServer(() => r()));
  });

  it('replays a log as per-interface batches holding every good frame, in order', async () => {
    await load(flow({ replayFile: logFile }));
    const out = helper.getNode('out') as unknown as TestNode;
    const batches: FrameBatch[] = [];
    const topics = new Set<string>();
    await new Promise<void>((resolve) => {
      out.on('input', (msg) => {
        topics.add(msg.topic!);
        batches.push(msg.payload as FrameBatch);
        if (batches.reduce((s, b) => s + b.count, 0) >= N_FRAMES) resolve();
      });
    });
    assert.deepEqual([...topics].sort(), ['van-7/can0', 'van-7/can1']);
    assert.ok(batches.every((b) => b.count >= 1 && b.count <= 300), 'batch size respects maxFrames');
    assert.ok(batches.length >= Math.ceil(N_FRAMES / 300), 'frames are batched, not one message each');
    const can0 = batches.filter((b) => b.iface === 'can0').flatMap(toFrames);
    const can1 = batches.filter((b) => b.iface === 'can1').flatMap(toFrames);
    assert.equal(can0.length + can1.length, N_FRAMES);
    // first frames as written in LINES (line 4 is malformed and skipped)
    assert.deepEqual([can0[0]!.id, [...can0[0]!.data]], [0x7e8, [3, 0x41, 0x0d, 0x32]]);
    assert.equal(can0[1]!.fd, true);
    assert.equal(can0[1]!.brs, true);
    assert.equal(can0[1]!.data.length, 16);
    assert.equal(can0[2]!.t, 1600000000.04);
    assert.deepEqual([can1[0]!.id, can1[0]!.ext], [0x18feca00, true]);
    for (const list of [can0, can1]) for (let i = 1; i < list.length; i++) assert.ok(list[i]!.t >= list[i - 1]!.t, 'time order kept');
  });

  it('ends a replay that does not loop with a flush message after the last batch', async () => {
    await load(flow({ replayFile: logFile }));
    const out = helper.getNode('out') as unknown as TestNode;
    const msgs: Array<Msg & { flush?: boolean }> = [];
    await new Promise<void>((resolve) =>
      out.on('input', (m) => {
        msgs.push(m);
        if ((m as { flush?: boolean }).flush) resolve();
      }),
    );
    const last = msgs.at(-1)!;
    assert.deepEqual([last.topic, last.payload], ['van-7/end', null]);
    assert.equal(msgs.slice(0, -1).reduce((n, m) => n + (m.payload as FrameBatch).count, 0), N_FRAMES, 'every frame before the end');
  });

  it('warns about a malformed line with file:line and goes on', async () => {
    await load(flow({ replayFile: logFile }));
    const out = helper.getNode('out') as unknown as TestNode;
    const in1 = helper.getNode('in1') as unknown as TestNode;
    let n = 0;
    await new Promise<void>((resolve) => out.on('input', (msg) => (n += (msg.payload as FrameBatch).count) >= N_FRAMES && resolve()));
    const warnings = in1.warn.args.map((a) => String(a[0]));
    assert.ok(warnings.some((w) => w.includes(`${logFile}:4`)), warnings.join('\n'));
  });

  it('sends gateway health points and shows frames/s in its status', async () => {
    await load(flow({ replayFile: logFile, speed: '1', loop: true }));
    const health = helper.getNode('health') as unknown as TestNode;
    const in1 = helper.getNode('in1') as unknown as TestNode;
    const msg = await new Promise<Msg>((resolve) => health.on('input', resolve));
    const points = msg.payload as Array<{ measurement: string; tags: { vehicle: string; iface: string }; fields: Record<string, number> }>;
    assert.equal(msg.topic, 'gateway');
    assert.deepEqual(points.map((p) => [p.measurement, p.tags.vehicle]), points.map(() => ['gateway', 'van-7']));
    const can0 = points.find((p) => p.tags.iface === 'can0')!;
    assert.ok(can0.fields.frames_total! > 0);
    // real time: about 500 frames/s per interface in this log (1 ms apart, alternating)
    assert.ok(can0.fields.frames_per_s! > 100 && can0.fields.frames_per_s! < 2000, String(can0.fields.frames_per_s));
    const texts = in1.status.args.map((a) => a[0].text ?? '');
    assert.ok(texts.some((t) => /can0 \d+ fr\/s \d+%/.test(t)), texts.join(' | '));
  });

  it('turns red, naming the field, on a bad configuration and does not crash', async () => {
    await load(flow({ bitrate: 'fast' }));
    const in1 = helper.getNode('in1') as unknown as TestNode;
    const last = in1.status.args.at(-1)![0];
    assert.equal(last.fill, 'red');
    assert.match(last.text!, /^bitrate: "fast" is not a number/);
  });

  it('turns red when the replay file is missing', async () => {
    await load(flow({ replayFile: path.join(dir, 'missing.log') }));
    const in1 = helper.getNode('in1') as unknown as TestNode;
    const last = in1.status.args.at(-1)![0];
    assert.equal(last.fill, 'red');
    assert.match(last.text!, /missing\.log: not found/);
  });

  it('closes without leaving timers behind', async () => {
    const tracker = new TimerTracker();
    tracker.start();
    try {
      await load(flow({ replayFile: logFile, speed: '1', loop: true }));
      const out = helper.getNode('out') as unknown as TestNode;
      await new Promise<void>((resolve) => out.on('input', () => resolve()));
      const ours = /[/\\]dist[/\\](edge|nodes)[/\\]/;
      assert.ok(tracker.pending(ours).length > 0, 'the running replay and the health timer are tracked');
      await helper.unload();
      assert.deepEqual(tracker.pending(ours), []);
    } finally {
      tracker.stop();
    }
  });
});

