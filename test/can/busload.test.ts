import assert from 'node:assert/strict';
import { frameBits, busLoadPercent } from '../../edge/can/busload.js';
import { FrameFlag, fromFrames } from '../../edge/can/frame.js';
import { IngestMonitor } from '../../edge/can/ingest-monitor.js';

describe('bus load estimate', () => {
  it('counts a standard 8-byte frame between its nominal (111) and worst-case stuffed (135) bits', () => {
    const b = frameBits(0, 8);
    assert.ok(b > 111 && b < 135, String(b));
  });
  it('makes extended frames longer and RTR frames carry no payload bits', () => {
    assert.ok(frameBits(FrameFlag.EXT, 8) > frameBits(0, 8));
    assert.equal(frameBits(FrameFlag.RTR, 8), frameBits(0, 0));
  });
  it('counts an FD data phase at the faster data rate as fewer nominal bits', () => {
    assert.ok(frameBits(FrameFlag.FD | FrameFlag.BRS, 64, 4) < frameBits(FrameFlag.FD, 64, 1));
  });
  it('gives load as a share of the bit rate, capped at 100%', () => {
    assert.equal(busLoadPercent(250_000, 1, 500_000), 50);
    assert.equal(busLoadPercent(2_000_000, 1, 500_000), 100);
    assert.equal(busLoadPercent(1, 0, 500_000), 0);
  });
  it('reports frames/s and load per interface over a window', () => {
    const m = new IngestMonitor('v', 500_000, 0);
    const data = new Uint8Array(8);
    const frames = Array.from({ length: 100 }, (_, i) => ({ t: i / 100, id: 0x100, ext: false, fd: false, data }));
    m.observe(fromFrames('v', 'can0', frames));
    m.observe(fromFrames('v', 'can1', frames.slice(0, 10)));
    const rates = m.sample(2000);
    assert.deepEqual(rates.map((r) => [r.iface, r.framesPerSecond]), [['can0', 50], ['can1', 5]]);
    assert.ok(Math.abs(rates[0]!.busLoadPercent - (50 * frameBits(0, 8)) / 5000) < 1e-9);
    const next = m.sample(3000);
    assert.equal(next[0]!.framesPerSecond, 0, 'a new window starts empty');
    assert.equal(next[0]!.frames, 100, 'totals carry on');
    assert.match(IngestMonitor.statusText(rates), /^can0 50 fr\/s 1% · can1 5 fr\/s 0%$/);
  });
});
