import assert from 'node:assert/strict';
import { FrameBatchBuilder, FrameFlag, fromFrames, toFrames, payload, type CanFrame } from '../../edge/can/frame.js';

describe('FrameBatch', () => {
  const frames: CanFrame[] = [
    { t: 1600000000.000001, id: 0x7e8, ext: false, fd: false, data: Uint8Array.from([3, 0x41, 0x0d, 0x32]) },
    { t: 1600000000.5, id: 0x18feca00, ext: true, fd: false, data: Uint8Array.from([0x40, 0xff, 0x5b, 0, 3, 1, 0xff, 0xff]) },
    { t: 1600000001, id: 0x123, ext: false, fd: true, brs: true, data: Uint8Array.from({ length: 64 }, (_, i) => i) },
    { t: 1600000002, id: 0x100, ext: false, fd: false, rtr: true, dlc: 5, data: new Uint8Array(0) },
    { t: 1600000003, id: 0x20000004, ext: false, fd: false, err: true, data: Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0]) },
    { t: 1600000004, id: 0x321, ext: false, fd: false, dlc: 14, data: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]) },
  ];

  it('round-trips plain frames through the columnar batch', () => {
    const b = fromFrames('v1', 'can0', frames);
    assert.equal(b.count, frames.length);
    assert.equal(b.vehicle, 'v1');
    assert.equal(b.iface, 'can0');
    assert.deepEqual(toFrames(b), frames);
  });

  it('keeps payloads back to back and addressable in place', () => {
    const b = fromFrames('v1', 'can0', frames);
    assert.equal(b.data.length, 4 + 8 + 64 + 0 + 8 + 8);
    assert.deepEqual([...payload(b, 2)].slice(60), [60, 61, 62, 63]);
    assert.equal(b.flags[2], FrameFlag.FD | FrameFlag.BRS);
    assert.equal(b.len[3], 5, 'RTR keeps the requested length');
    assert.equal(payload(b, 3).length, 0, 'RTR carries no payload');
  });

  it('grows past its initial capacity and starts afresh after take()', () => {
    const bb = new FrameBatchBuilder('v', 'can1', 2);
    const src = Uint8Array.from([9, 8, 7, 6, 5, 4, 3, 2]);
    for (let i = 0; i < 1000; i++) bb.push(i, i, 0, src, i % 8, 8 - (i % 8));
    const b = bb.take();
    assert.equal(b.count, 1000);
    assert.equal(b.t[999], 999);
    assert.deepEqual([...payload(b, 7)], [2]);
    assert.equal(bb.count, 0);
    assert.ok(Number.isNaN(bb.firstT));
    bb.push(5, 1, 0, src, 0, 1);
    assert.equal(bb.take().count, 1);
  });
});
