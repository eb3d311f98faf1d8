// close() must release every socket and timer: checked in this process (fds, active resources)
// and in a child process that must exit by itself once the source and sender are closed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { SocketCanSource, openCanSender } from '../../../edge/can/socketcan-source.js';
import { bytes, ifaceExists, sleep, socketFds, waitFor } from './helpers.js';

const gc = (globalThis as { gc?: () => void }).gc;

async function collect(): Promise<void> {
  // the addon's finalizer (which closes the fd) runs after GC, from the event loop
  for (let i = 0; i < 5; i++) {
    gc?.();
    await new Promise((r) => setImmediate(r));
  }
}

describe('SocketCanSource.close() leaves nothing behind', function () {
  before(() => {
    if (!ifaceExists('vcan0')) throw new Error('vcan0 missing: run inside the VM (node dist/test/vm/run-vm-tests.js)');
    assert.ok(gc, 'run with --expose-gc');
  });

  it('releases sockets and timers (fds back to baseline, no extra active resources)', async () => {
    await collect();
    const fds0 = socketFds();
    const res0 = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
    const src = new SocketCanSource({ vehicle: 'v', interfaces: [{ name: 'vcan0' }, { name: 'vcan1' }, { name: 'vcan-missing' }], healthMs: 50, retry: { initialMs: 50, maxMs: 100 } });
    let frames = 0;
    src.on('batch', (b) => (frames += b.count));
    src.start();
    await waitFor(() => src.interfaceCounters().filter((p) => p.state === 'running').length === 2, 3000, 'two running');
    const tx = openCanSender('vcan0');
    await tx.send({ t: 0, id: 0x10, ext: false, fd: false, data: bytes('01') });
    await waitFor(() => frames === 1, 3000, 'a frame');
    assert.ok(socketFds() >= fds0 + 3, 'two reader sockets and a sender are open');
    tx.close();
    await src.close();
    assert.equal(src.status().state, 'closed');
    await collect();
    assert.equal(socketFds(), fds0, 'every CAN socket closed');
    const res1 = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
    assert.deepEqual(res1, res0, 'no timers or handles left');
  });

  it('a process that opened, used and closed a source and a sender exits by itself', function () {
    this.timeout(30_000);
    const mod = path.resolve(__dirname, '..', '..', '..', 'edge', 'can', 'socketcan-source.js');
    const script = path.join(fs.mkdtempSync('/tmp/close-'), 'child.js');
    fs.writeFileSync(
      script,
      `const { SocketCanSource, openCanSender } = require(${JSON.stringify(mod)});
const src = new SocketCanSource({ vehicle: 'v', interfaces: [{ name: 'vcan0' }, { name: 'vcan-missing' }], healthMs: 50 });
let n = 0;
src.on('batch', (b) => { n += b.count; });
src.start();
const tx = openCanSender('vcan0', { framesPerSecond: 1000 });
(async () => {
  await new Promise((r) => setTimeout(r, 100));
  for (let i = 0; i < 20; i++) await tx.send({ t: 0, id: 0x20, ext: false, fd: false, data: Buffer.from([i]) });
  const end = Date.now() + 3000;
  while (n < 20 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  tx.close();
  await src.close();
  console.log('frames ' + n + ' resources ' + JSON.stringify(process.getActiveResourcesInfo()));
})();
`,
    );
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 15_000 });
    const took = Date.now() - t0;
    assert.equal(r.error, undefined, `child did not exit on its own within 15 s (${String(r.error)})`);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /frames 20 resources \[\]/);
    assert.ok(took < 10_000, `exited after ${took} ms`);
  });

  it('opening and closing 6 times with garbage collection in between neither crashes nor leaks', async function () {
    this.timeout(60_000);
    // regression: collecting a stopped channel before libuv ran its close callbacks aborted node
    await collect();
    const fds0 = socketFds();
    const tx = openCanSender('vcan1');
    for (let i = 0; i < 6; i++) {
      const src = new SocketCanSource({ vehicle: 'v', interfaces: [{ name: 'vcan1' }], batch: { maxFrames: 10, maxAgeMs: 1 } });
      let n = 0;
      src.on('batch', (b) => (n += b.count));
      src.start();
      await tx.send({ t: 0, id: 0x30, ext: false, fd: false, data: bytes('01') });
      await waitFor(() => n === 1, 3000, `frame in round ${i}`);
      const closing = src.close();
      gc!();
      await closing;
      gc!();
    }
    tx.close();
    await collect();
    assert.equal(socketFds(), fds0);
  });

  it('closing from inside a batch listener (i.e. inside the addon callback) is safe', async () => {
    const src = new SocketCanSource({ vehicle: 'v', interfaces: [{ name: 'vcan1' }], batch: { maxFrames: 1, maxAgeMs: 0 } });
    let closing: Promise<void> | undefined;
    let batches = 0;
    src.on('batch', () => {
      batches++;
      closing ??= src.close();
    });
    src.start();
    const tx = openCanSender('vcan1');
    for (let i = 0; i < 5; i++) await tx.send({ t: 0, id: 0x40 + i, ext: false, fd: false, data: bytes('01') });
    tx.close();
    await waitFor(() => closing !== undefined, 3000, 'the first batch');
    await closing;
    assert.equal(src.status().state, 'closed');
    assert.ok(batches >= 1);
  });

  it('closing twice, and closing before start, are harmless', async () => {
    const a = new SocketCanSource({ vehicle: 'v', interfaces: [{ name: 'vcan0' }] });
    await a.close();
    a.start(); // after close: no-op
    assert.equal(a.status().state, 'closed');
    const b = new SocketCanSource({ vehicle: 'v', interfaces: [{ name: 'vcan0' }] });
    b.start();
    await b.close();
    await b.close();
    await sleep(10);
    assert.equal(b.status().state, 'closed');
  });
});
