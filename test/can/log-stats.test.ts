import assert from 'node:assert/strict';
import path from 'node:path';
import { bufferStats, formatStats, logStats } from '../../edge/can/log-stats.js';
import { BUNDLED, FIXTURES, decompress, hasXz } from './candump-ref.js';

/** Independent tally of a log's text: split + regex, no code under test. */
function tally(text: string) {
  const lines = text.split('\n').filter((l) => l.length > 0);
  const byIface = new Map<string, Map<string, number>>();
  let first = Infinity;
  let last = -Infinity;
  for (const l of lines) {
    const m = /^\((\d+\.\d+)\) (\S+) ([0-9A-F]+)#/.exec(l)!;
    const t = parseFloat(m[1]!);
    first = Math.min(first, t);
    last = Math.max(last, t);
    const ids = byIface.get(m[2]!) ?? new Map<string, number>();
    ids.set(m[3]!, (ids.get(m[3]!) ?? 0) + 1);
    byIface.set(m[2]!, ids);
  }
  return { frames: lines.length, byIface, first, last };
}

describe('log-stats', () => {
  it('the bundled car drive: frames, interfaces, ids, time range, rate', async () => {
    const want = tally(decompress(BUNDLED).toString('latin1'));
    const s = await logStats(BUNDLED);
    assert.equal(s.frames, want.frames);
    assert.equal(s.lines, want.frames);
    assert.equal(s.malformed, 0);
    assert.equal(s.firstT, want.first);
    assert.equal(s.lastT, want.last);
    assert.equal(s.duration, want.last - want.first);
    assert.equal(s.rate, want.frames / (want.last - want.first));
    assert.deepEqual(s.ifaces.map((i) => i.iface).sort(), [...want.byIface.keys()].sort());
    for (const i of s.ifaces) {
      const ids = want.byIface.get(i.iface)!;
      assert.equal(i.frames, [...ids.values()].reduce((a, b) => a + b, 0));
      assert.deepEqual(new Map(i.ids.map((x) => [x.hex, x.frames])), ids);
      for (let k = 1; k < i.ids.length; k++) assert.ok(i.ids[k - 1]!.frames >= i.ids[k]!.frames, 'most frequent first');
    }
    // the data README says: OBD-II responses on 0x7E8 (can0), the IMU on 0x009 (can1) at 100 Hz
    const can1 = s.ifaces.find((i) => i.iface === 'can1')!;
    assert.equal(can1.ids[0]!.hex, '009');
    const imuRate = can1.ids[0]!.frames / (can1.lastT - can1.firstT);
    assert.ok(imuRate > 95 && imuRate < 105, `IMU at ${imuRate.toFixed(1)} Hz`);
    assert.ok(s.ifaces.find((i) => i.iface === 'can0')!.ids.some((x) => x.hex === '7E8'));
    const text = formatStats(s);
    assert.match(text, new RegExp(`frames ${want.frames}`));
    assert.match(text, /can1: \d+ frames, 9 ids/);
  });

  it('several files, one of them xz, one missing: summed, the missing one a warning', async function () {
    if (!hasXz()) this.skip();
    const xz = path.join(FIXTURES, 'css-electronics', 'FCBF0606-00003482-00000001-60B621D9.log.xz');
    const a = tally(decompress(BUNDLED).toString('latin1'));
    const b = tally(decompress(xz).toString('latin1'));
    const s = await logStats([BUNDLED, xz, '/nonexistent/x.log']);
    assert.equal(s.frames, a.frames + b.frames);
    assert.equal(s.firstT, Math.min(a.first, b.first));
    assert.equal(s.lastT, Math.max(a.last, b.last));
    assert.equal(s.warnings.length, 1);
    assert.equal(s.warnings[0]!.where, '/nonexistent/x.log');
  });

  it('counts malformed lines, error/RTR/FD frames and time going backwards', () => {
    const text = [
      '(10.000000) can0 123#01',
      '(9.000000) can0 123#02', // backwards
      'not a frame',
      '(11.000000) can0 20000004#0004000000000000',
      '(12.000000) can0 123#R',
      '(13.000000) can1 12345678##1AABB',
      '(14.000000) can1 12G#00',
    ].join('\n');
    const s = bufferStats(Buffer.from(text), 'mixed.log');
    assert.equal(s.lines, 7);
    assert.equal(s.frames, 5);
    assert.equal(s.malformed, 2);
    assert.deepEqual(s.warnings.map((w) => w.where), ['mixed.log:3', 'mixed.log:7']);
    assert.equal(s.errorFrames, 1);
    assert.equal(s.backwards, 1);
    assert.equal(s.firstT, 9);
    assert.equal(s.lastT, 13);
    const can0 = s.ifaces.find((i) => i.iface === 'can0')!;
    assert.equal(can0.rtrFrames, 1);
    assert.deepEqual(can0.ids.map((x) => [x.hex, x.frames, x.err]), [['123', 3, false], ['20000004', 1, true]]);
    const can1 = s.ifaces.find((i) => i.iface === 'can1')!;
    assert.deepEqual(can1.ids.map((x) => [x.hex, x.fd, x.ext]), [['12345678', true, true]]);
  });

  it('an empty log has no time range and no rate', () => {
    const s = bufferStats(Buffer.alloc(0));
    assert.equal(s.frames, 0);
    assert.ok(Number.isNaN(s.firstT));
    assert.equal(s.rate, 0);
    assert.match(formatStats(s), /frames 0/);
  });
});
