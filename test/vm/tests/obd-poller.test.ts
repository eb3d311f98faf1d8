// The OBD-II poller on real SocketCAN: requests on 0x7DF at the configured rates, answered by a small
// ECU on the same vcan; backoff when the ECU falls silent; close() stops the requests.
import assert from 'node:assert/strict';
import { SocketCanSource, openCanSender, type CanSender } from '../../../edge/can/socketcan-source.js';
import { ObdPoller } from '../../../edge/can/obd-poller.js';
import type { FrameBatch } from '../../../edge/can/frame.js';
import { Recorder, hex, ifaceExists, sleep, waitFor } from './helpers.js';

describe('ObdPoller on real SocketCAN (vcan)', function () {
  this.timeout(60000);
  const closers: Array<() => unknown> = [];
  before(() => {
    if (!ifaceExists('vcan1')) throw new Error('vcan1 missing: these tests run inside the VM');
  });
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
  });

  /** An ECU answering service 01 PID 0x0D (speed 50 km/h) and 0x0C (rpm 1000) on 0x7E8 while `on`. */
  function ecu(iface: string): { on: boolean; requests: string[] } {
    const state = { on: true, requests: [] as string[] };
    const rx = new SocketCanSource({ vehicle: 'ecu', interfaces: [{ name: iface, filters: [{ id: 0x7df, mask: 0x7ff }] }], batch: { maxFrames: 1, maxAgeMs: 1 } });
    const tx = openCanSender(iface);
    rx.on('batch', (b: FrameBatch) => {
      for (let i = 0; i < b.count; i++) {
        const d = b.data.subarray(b.offset[i]!, b.offset[i]! + b.len[i]!);
        state.requests.push(hex(d));
        if (!state.on || d[1] !== 0x01) continue;
        const answer = d[2] === 0x0d ? [0x03, 0x41, 0x0d, 50] : d[2] === 0x0c ? [0x04, 0x41, 0x0c, 0x0f, 0xa0] : undefined;
        if (answer) void tx.send({ t: 0, id: 0x7e8, ext: false, fd: false, data: Uint8Array.from([...answer, ...new Array(8 - answer.length).fill(0xcc)]) });
      }
    });
    rx.start();
    closers.push(async () => {
      await rx.close();
      tx.close();
    });
    return state;
  }

  it('requests each PID at its rate on 0x7DF, counts the answers, backs off when the ECU is silent, stops on close', async () => {
    const car = ecu('vcan1');
    // the tester's side: its own socket reads the answers and feeds them to the poller
    const tx: CanSender = openCanSender('vcan1');
    const rx = new SocketCanSource({ vehicle: 'van', interfaces: [{ name: 'vcan1' }], batch: { maxFrames: 50, maxAgeMs: 5 } });
    const rec = new Recorder(rx);
    const poller = new ObdPoller(tx, { pids: [{ pid: 0x0d, hz: 4 }, { pid: 0x0c, hz: 2 }], bitrate: 500000, backoffMinMs: 1000, backoffMaxMs: 4000 });
    rx.on('batch', (b: FrameBatch) => poller.observe(b));
    closers.push(async () => {
      poller.close();
      await rx.close();
      tx.close();
    });
    rx.start();
    await waitFor(() => rx.status().state === 'running', 5000, 'the reader');
    poller.start();

    await sleep(3000);
    const s = poller.stats();
    // 3 s at 4 Hz + 2 Hz: about 18 requests (scheduling and the emulated guest's speed allow some slack)
    const speedReq = car.requests.filter((r) => r.startsWith('02010d')).length;
    const rpmReq = car.requests.filter((r) => r.startsWith('02010c')).length;
    assert.ok(speedReq >= 9 && speedReq <= 14, `speed requests ${speedReq}`);
    assert.ok(rpmReq >= 4 && rpmReq <= 8, `rpm requests ${rpmReq}`);
    assert.ok(car.requests.every((r) => /^0201(0d|0c)cccccccccc$/.test(r)), car.requests.join(' '));
    assert.equal(s.state, 'polling');
    assert.ok(s.answered >= s.sent - 2, `answered ${s.answered} of ${s.sent}`);
    // the answers really crossed the bus on 0x7E8
    assert.ok(rec.dataFrames().some((f) => f.id === 0x7e8 && hex(f.data).startsWith('03410d32')));

    // the ECU falls silent: after a few misses the poller backs off and asks far less often
    car.on = false;
    await waitFor(() => poller.stats().state === 'backoff', 5000, 'backoff');
    const before = car.requests.length;
    await sleep(1500);
    assert.ok(car.requests.length - before <= 2, `requests during backoff: ${car.requests.length - before}`);
    // and returns to polling when answers come back
    car.on = true;
    await waitFor(() => poller.stats().state === 'polling', 10000, 'polling again');

    poller.close();
    const atClose = car.requests.length;
    await sleep(1000);
    assert.equal(car.requests.length, atClose, 'no request after close()');
    assert.equal(poller.stats().state, 'closed');
  });
});
