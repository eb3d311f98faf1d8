import assert from 'node:assert/strict';
import path from 'node:path';
import { fromFrames, type CanFrame, type FrameBatch } from '../../edge/can/frame.js';
import { loadDbcSync } from '../../edge/dbc/index.js';
import { encodeDriverId } from '../../edge/dbc/j1939/driver-id.js';
import { PGN } from '../../edge/dbc/j1939/pgn.js';
import { bamFrames, broadcastFrames, rtsCtsFrames } from '../../edge/dbc/j1939/tp-send.js';
import { DecodeEngine } from '../../edge/signals/decoder.js';
import { CO_DRIVER_ID_TEXT, DRIVER_ID_REFRESH_S, DRIVER_ID_TEXT } from '../../edge/signals/j1939-frames.js';
import { loadVssMap } from '../../edge/signals/maps/index.js';
import { toSamples, type TextSample } from '../../edge/signals/signal-batch.js';
import { FIX } from './helpers.js';

// The decode engine on a J1939 interface turns DI (PGN 65131) into text samples: driver 1 as
// Vehicle.Driver.Identifier.Subject (what scoring and incidents read), driver 2 as
// Vehicle.Driver.CoDriver.Identifier.Subject; on change, and again every DRIVER_ID_REFRESH_S.

const A = 'DK00000012345601';
const B = 'SE00000098765402';
const C = 'NO00000055555503';
const TACHO = 0xee;

const truckDbc = () => loadDbcSync(path.join(FIX, 'dbc', 'j1939', 'CSS-Electronics-SAE-J1939-DEMO.dbc'), { strict: false });

function engine(): DecodeEngine {
  return new DecodeEngine({ interfaces: { can0: { dbc: [truckDbc()], j1939: true } }, map: loadVssMap('j1939-truck') });
}

/** EEC1 at 649 rpm from SA 0x00 (bytes 3-4 = 0x1448 x 0.125) */
const eec1 = (t: number): CanFrame => ({ t, id: 0x0cf00400, ext: true, fd: false, data: Uint8Array.of(0x60, 0x7d, 0x84, 0x48, 0x14, 0x00, 0xf0, 0x84) });

const di = (t: number, d1: string, d2 = '', sa = TACHO): CanFrame[] => bamFrames(PGN.DI, sa, encodeDriverId(d1, d2), t);

/** every text sample the engine puts out for these batches (then flush) */
function texts(e: DecodeEngine, batches: FrameBatch[]): Array<[number, string, string]> {
  const out: TextSample[] = [];
  for (const b of batches) out.push(...(e.decode(b).full?.texts ?? []));
  for (const o of e.flush()) out.push(...(o.full?.texts ?? []));
  return out.map((x) => [Math.round(x.t * 1000) / 1000, x.name, x.value]);
}

const batch = (frames: CanFrame[], vehicle = 'T1'): FrameBatch => fromFrames(vehicle, 'can0', [...frames].sort((a, b) => a.t - b.t));

describe('signals: driver identification (J1939 DI) as text samples', () => {
  it('BAM among other traffic: both drivers as texts at the last packet, other signals unaffected', () => {
    const e = engine();
    const o = e.decode(batch([eec1(0.99), ...di(1, A, B), eec1(1.1)]));
    const got = o.full!.texts.map((x) => [Math.round(x.t * 1000) / 1000, x.name, x.value]);
    // 34 bytes: 5 packets 50 ms apart after the announce
    assert.deepEqual(got, [
      [1.25, DRIVER_ID_TEXT, A],
      [1.25, CO_DRIVER_ID_TEXT, B],
    ]);
    const rpm = toSamples(o.full!).filter((x) => x.name === 'Vehicle.Powertrain.CombustionEngine.Speed');
    assert.deepEqual(
      rpm.map((x) => [x.t, x.value]),
      [
        [0.99, 649],
        [1.1, 649],
      ],
    );
    const c = e.counters();
    assert.deepEqual([c.unknown, c.decoded], [0, 3]);
  });

  it('RTS/CTS to a requester, and a BAM split over two batches, both decode', () => {
    const e = engine();
    const rts = rtsCtsFrames(PGN.DI, TACHO, 0xfb, encodeDriverId(A, C), 5, { perCts: 2 });
    const bam = di(100, B);
    const got = texts(e, [batch(rts), batch(bam.slice(0, 2)), batch(bam.slice(2))]);
    const tLast = rts.filter((f) => (f.id & 0xffff00) === 0xebfb00).at(-1)!.t;
    assert.deepEqual(got, [
      [Math.round(tLast * 1000) / 1000, DRIVER_ID_TEXT, A],
      [Math.round(tLast * 1000) / 1000, CO_DRIVER_ID_TEXT, C],
      [100.15, DRIVER_ID_TEXT, B],
      [100.15, CO_DRIVER_ID_TEXT, ''],
    ]);
  });

  it(`on change at once; unchanged only every ${DRIVER_ID_REFRESH_S} s; card out = ''`, () => {
    const e = engine();
    const frames: CanFrame[] = [];
    // DI every 10 s: A for 0..120 s, no card at 130 and 140 s, then B
    for (let t = 0; t <= 120; t += 10) frames.push(...di(t, A));
    frames.push(...broadcastFrames(PGN.DI, TACHO, encodeDriverId(''), 130), ...broadcastFrames(PGN.DI, TACHO, encodeDriverId(''), 140));
    for (let t = 150; t <= 170; t += 10) frames.push(...di(t, B));
    const got = texts(e, [batch(frames)]).filter((x) => x[1] === DRIVER_ID_TEXT);
    assert.deepEqual(got, [
      [0.15, DRIVER_ID_TEXT, A],
      [60.15, DRIVER_ID_TEXT, A], // refresh
      [120.15, DRIVER_ID_TEXT, A], // refresh
      [130, DRIVER_ID_TEXT, ''], // "**" fits in one frame
      [150.15, DRIVER_ID_TEXT, B],
    ]);
  });

  it('junk DI emits nothing (the last driver stands) and never throws', () => {
    const e = engine();
    const junk = Uint8Array.from([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a]);
    const got = texts(e, [batch([...di(0, A), ...bamFrames(PGN.DI, TACHO, junk, 10), ...broadcastFrames(PGN.DI, TACHO, new Uint8Array(8).fill(0xff), 20), ...di(30, A)])]);
    assert.deepEqual(
      got.filter((x) => x[1] === DRIVER_ID_TEXT),
      [[0.15, DRIVER_ID_TEXT, A]],
    );
  });

  it('kept apart per vehicle and per source address', () => {
    const e = engine();
    const got = texts(e, [batch(di(0, A), 'T1'), batch(di(0, A), 'T2'), batch(di(10, A), 'T1'), batch(di(10, B, '', 0xfb), 'T1')]).filter((x) => x[1] === DRIVER_ID_TEXT);
    // T2's first DI is news for T2; a second source on T1 (an FMS gateway at 0xFB) is news too
    assert.deepEqual(got, [
      [0.15, DRIVER_ID_TEXT, A],
      [0.15, DRIVER_ID_TEXT, A],
      [10.15, DRIVER_ID_TEXT, B],
    ]);
  });

  it('a replay that starts over (frame time goes back) sends the driver again', () => {
    const e = engine();
    const got = texts(e, [batch(di(1000, A)), batch(di(0, A))]).filter((x) => x[1] === DRIVER_ID_TEXT);
    assert.deepEqual(
      got.map((x) => x[0]),
      [1000.15, 0.15],
    );
  });
});
