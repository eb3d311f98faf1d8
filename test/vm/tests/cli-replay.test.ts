// `ubi-edge replay` onto real SocketCAN: the CLI in its own process, frames read back by SocketCanSource.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { SocketCanSource } from '../../../edge/can/socketcan-source.js';
import { Recorder, hex, ifaceExists, waitFor } from './helpers.js';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const BIN = path.join(ROOT, 'bin', 'ubi-edge.js');

interface LogFrame {
  t: number;
  iface: string;
  id: number;
  data: string;
}

/** A log of two interfaces, frames 4 ms apart (well inside what the emulated guest reads): can0 standard ids, can1 extended ids. */
function writeLog(file: string, n: number): LogFrame[] {
  const frames: LogFrame[] = [];
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = 1700000000 + i * 0.004;
    const can1 = i % 3 === 2;
    const id = can1 ? 0x18fef100 + (i % 7) : 0x100 + (i % 50);
    const data = Buffer.from([i & 0xff, (i >> 8) & 0xff, 0xa5, i % 9]).toString('hex').toUpperCase();
    frames.push({ t, iface: can1 ? 'can1' : 'can0', id, data: data.toLowerCase() });
    lines.push(`(${t.toFixed(6)}) ${can1 ? 'can1' : 'can0'} ${id.toString(16).toUpperCase().padStart(can1 ? 8 : 3, '0')}#${data}`);
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return frames;
}

function runCli(args: string[]): Promise<{ code: number | null; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('exit', (code) => resolve({ code, err }));
  });
}

describe('ubi-edge replay onto SocketCAN (vcan)', function () {
  this.timeout(120000);
  let dir: string;
  let src: SocketCanSource | undefined;
  before(() => {
    if (!ifaceExists('vcan0') || !ifaceExists('vcan1')) throw new Error('vcan0/vcan1 missing: these tests run inside the VM');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ubi-replay-'));
  });
  afterEach(async () => {
    await src?.close();
    src = undefined;
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('sends each log interface to its mapped interface, in order, paced by the log (real time)', async () => {
    const file = path.join(dir, 'two-buses.log');
    const log = writeLog(file, 600); // 2.4 s of log
    src = new SocketCanSource({ vehicle: 'v', interfaces: [{ name: 'vcan0' }, { name: 'vcan1' }], batch: { maxFrames: 500, maxAgeMs: 20 } });
    const rec = new Recorder(src);
    src.start();
    await waitFor(() => src!.status().state === 'running', 5000, 'the reader');
    const r = await runCli(['replay', '--map', 'can0=vcan0,can1=vcan1', '--speed', '1', '--no-progress', file]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /replayed 600 frames: 600 sent, 0 failed, 0 skipped/);
    await waitFor(() => rec.dataFrames().length >= 600, 10000, '600 frames');
    for (const [logIface, iface] of [['can0', 'vcan0'], ['can1', 'vcan1']] as const) {
      const want = log.filter((f) => f.iface === logIface).map((f) => `${f.id.toString(16)}#${f.data}`);
      const got = rec.dataFrames().filter((f) => f.iface === iface).map((f) => `${f.id.toString(16)}#${hex(f.data)}`);
      assert.deepEqual(got, want, `${logIface} -> ${iface}`);
    }
    // paced by the log's timestamps: 2.4 s of log takes about 2.4 s on the bus (kernel receive times)
    const ts = rec.dataFrames().map((f) => f.t);
    const span = Math.max(...ts) - Math.min(...ts);
    assert.ok(span > 2.0 && span < 4.0, `received over ${span.toFixed(3)} s`);
  });

  it('skips unmapped interfaces and replays as fast as the bus allows with --speed max', async () => {
    const file = path.join(dir, 'fast.log');
    const log = writeLog(file, 300);
    src = new SocketCanSource({ vehicle: 'v', interfaces: [{ name: 'vcan1' }], batch: { maxFrames: 500, maxAgeMs: 20 } });
    const rec = new Recorder(src);
    src.start();
    await waitFor(() => src!.status().state === 'running', 5000, 'the reader');
    const r = await runCli(['replay', '--map', 'can1=vcan1', '--speed', 'max', '--bitrate', '250000', '--no-progress', file]);
    assert.equal(r.code, 0, r.err);
    const can1 = log.filter((f) => f.iface === 'can1');
    assert.match(r.err, new RegExp(`replayed 300 frames: ${can1.length} sent, 0 failed, ${300 - can1.length} skipped`));
    await waitFor(() => rec.dataFrames().length >= can1.length, 10000, 'the can1 frames');
    assert.deepEqual(
      rec.dataFrames().map((f) => f.id),
      can1.map((f) => f.id),
    );
  });

  it('exits 69 naming the interface when it does not exist', async () => {
    const file = path.join(dir, 'x.log');
    writeLog(file, 3);
    const r = await runCli(['replay', '--iface', 'vcan9', file]);
    assert.equal(r.code, 69);
    assert.match(r.err, /vcan9: interface does not exist/);
  });
});
