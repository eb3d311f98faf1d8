import assert from 'node:assert/strict';
import { fromFrames, type CanFrame } from '../../edge/can/frame.js';
import { J1939Decoder } from '../../edge/dbc/j1939/decoder.js';
import { MAX_DRIVER_ID_LENGTH, decodeDriverId, encodeDriverId, type DriverIdentification } from '../../edge/dbc/j1939/driver-id.js';
import { PGN } from '../../edge/dbc/j1939/pgn.js';
import { bamFrames, broadcastFrames, rtsCtsFrames } from '../../edge/dbc/j1939/tp-send.js';
import { rng } from '../support/motion-model.js';
import { batchOf, hex } from './helpers.js';

// Driver's identification (DI, PGN 65131 = 0xFE6B): "<driver 1>*<driver 2>*[more*...]" in ASCII.
// A tachograph card number is 16 characters; the ids below are made up in that shape.
const A = 'DK00000012345601';
const B = 'SE00000098765402';

const bytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const di = (d1: string | undefined, d2: string | undefined, fields: number, more: string[] = []): DriverIdentification => ({ driver1: d1, driver2: d2, more, fields });

describe('j1939: driver identification (PGN 65131) payloads', () => {
  it('two delimited fields: driver 1 and driver 2; further fields kept apart', () => {
    assert.deepEqual(decodeDriverId(bytes(`${A}*${B}*`)), di(A, B, 2));
    assert.deepEqual(decodeDriverId(bytes(`${A}**`)), di(A, '', 2));
    // some tachographs append more fields (e.g. a name): never taken for driver 1 or 2
    assert.deepEqual(decodeDriverId(bytes(`${A}*${B}*JENSEN/ANNA*X*`)), di(A, B, 4, ['JENSEN/ANNA', 'X']));
  });

  it('empty fields mean no card: "" (consumers clear the driver), not "unusable"', () => {
    assert.deepEqual(decodeDriverId(bytes('**')), di('', '', 2));
    assert.deepEqual(decodeDriverId(bytes('*')), di('', '', 1));
    assert.deepEqual(decodeDriverId(bytes(`*${B}*`)), di('', B, 2));
    assert.deepEqual(decodeDriverId(bytes('   *   *')), di('', '', 2));
    // a field of nothing but padding bytes is empty too
    assert.deepEqual(decodeDriverId(hex('FFFF2A00002A')), di('', '', 2));
  });

  it('padding: 0x00 / 0xFF anywhere and spaces at the ends of a field are dropped; padding after the last "*" is no field', () => {
    const p = Uint8Array.from([0x20, 0x20, ...bytes('DK123'), 0x00, 0x00, 0x2a, 0xff, 0xff, ...bytes('SE 9 '), 0x2a, 0xff, 0xff, 0x00, 0x20]);
    assert.deepEqual(decodeDriverId(p), di('DK123', 'SE 9', 2));
    // a single-frame DI is padded to 8 bytes with 0xFF
    assert.deepEqual(decodeDriverId(hex('2A2AFFFFFFFFFFFF')), di('', '', 2));
    // a fixed-width field padded with NULs inside
    assert.deepEqual(decodeDriverId(bytes('DK12\u0000\u000034*')), di('DK1234', '', 1));
  });

  it('missing delimiters: the payload end ends the field', () => {
    assert.deepEqual(decodeDriverId(bytes(A)), di(A, '', 1));
    assert.deepEqual(decodeDriverId(bytes(`${A}*${B}`)), di(A, B, 2));
    assert.deepEqual(decodeDriverId(Uint8Array.from([...bytes(A), 0xff, 0xff, 0xff])), di(A, '', 1));
  });

  it('"not available": an empty payload or one of only padding and no "*" gives no driver at all', () => {
    assert.deepEqual(decodeDriverId(new Uint8Array(0)), di(undefined, undefined, 0));
    assert.deepEqual(decodeDriverId(hex('FFFFFFFFFFFFFFFF')), di(undefined, undefined, 0));
    assert.deepEqual(decodeDriverId(hex('0000202000')), di(undefined, undefined, 0));
  });

  it('junk bytes make that field unusable (undefined), never a shortened id; the other field stands', () => {
    assert.deepEqual(decodeDriverId(Uint8Array.from([...bytes('DK12'), 0x01, ...bytes('34*'), ...bytes(B), 0x2a])), di(undefined, B, 2));
    assert.deepEqual(decodeDriverId(Uint8Array.from([...bytes(A), 0x2a, ...bytes('SE'), 0xc3, 0xa9, 0x2a])), di(A, undefined, 2));
    // nothing usable and no delimiter: driver 2 is not known to be absent either
    assert.deepEqual(decodeDriverId(hex('0102030405060708')), di(undefined, undefined, 1));
    // a junk further field is left out, and does not spoil the drivers
    assert.deepEqual(decodeDriverId(Uint8Array.from([...bytes(`${A}*${B}*`), 0x7f, 0x2a])), di(A, B, 3, []));
  });

  it(`over-long fields (more than ${MAX_DRIVER_ID_LENGTH} characters after trimming) are unusable`, () => {
    const max = 'X'.repeat(MAX_DRIVER_ID_LENGTH);
    assert.deepEqual(decodeDriverId(bytes(`${max}*`)), di(max, '', 1));
    assert.deepEqual(decodeDriverId(bytes(`  ${max}  *`)), di(max, '', 1), 'padding does not count');
    assert.deepEqual(decodeDriverId(bytes(`${max}Y*${B}*`)), di(undefined, B, 2));
    // the longest transport message, all printable, no delimiter
    assert.deepEqual(decodeDriverId(bytes('Z'.repeat(1785))), di(undefined, undefined, 1));
  });

  it('reads a sub-range of a buffer (offset and length)', () => {
    const buf = bytes(`#####${A}*${B}*#####`);
    assert.deepEqual(decodeDriverId(buf, 5, A.length + B.length + 2), di(A, B, 2));
  });

  it('encodeDriverId writes what decodeDriverId reads', () => {
    assert.deepEqual([...encodeDriverId(A, B)], [...bytes(`${A}*${B}*`)]);
    assert.deepEqual([...encodeDriverId('')], [...bytes('**')]);
    assert.deepEqual(decodeDriverId(encodeDriverId(A, '', 'extra')), di(A, '', 3, ['extra']));
    assert.deepEqual([...encodeDriverId('Ø1')], [...bytes('?1**')], 'non-ASCII is not sent raw');
  });

  it('random payloads: never a throw; ids are printable, trimmed, at most the bound', () => {
    const r = rng(65131);
    for (let n = 0; n < 5000; n++) {
      const len = Math.floor(r() * 80);
      const p = new Uint8Array(len);
      // mostly printable, with delimiters, padding and junk mixed in
      for (let i = 0; i < len; i++) {
        const x = r();
        p[i] = x < 0.1 ? 0x2a : x < 0.2 ? 0xff : x < 0.25 ? 0 : x < 0.28 ? Math.floor(r() * 256) : 0x20 + Math.floor(r() * 95);
      }
      const d = decodeDriverId(p);
      for (const f of [d.driver1, d.driver2, ...d.more]) {
        if (f === undefined) continue;
        assert.ok(f.length <= MAX_DRIVER_ID_LENGTH && f === f.trim() && /^[\x20-\x7e]*$/.test(f), JSON.stringify(f));
      }
      assert.ok(d.fields <= len);
    }
  });
});

describe('j1939: transport frames for tests and simulators (tp-send)', () => {
  it('BAM: the same frames as the hand-written VIN of the transport tests', () => {
    const f = bamFrames(PGN.VI, 0x00, bytes('WDB9634031L123456*'), 10);
    const text = f.map((x) => `${x.id.toString(16).toUpperCase().padStart(8, '0')}#${Buffer.from(x.data).toString('hex').toUpperCase()}`);
    assert.deepEqual(text, ['1CECFF00#20120003FFECFE00', '1CEBFF00#0157444239363334', '1CEBFF00#023033314C313233', '1CEBFF00#033435362AFFFFFF']);
    assert.deepEqual(
      f.map((x) => x.t),
      [10, 10.05, 10.1, 10.15],
    );
  });

  it('RTS/CTS: RTS, CTS windows of the responder, packets, EndOfMsgAck', () => {
    const f = rtsCtsFrames(PGN.DI, 0xee, 0xfb, bytes(`${A}*${B}*`), 0, { perCts: 2 });
    const text = f.map((x) => `${x.id.toString(16).toUpperCase().padStart(8, '0')}#${Buffer.from(x.data).toString('hex').toUpperCase().slice(0, 4)}`);
    // 34 bytes = 5 packets: windows 1-2, 3-4, 5
    assert.deepEqual(text, ['1CECFBEE#1022', '1CECEEFB#1102', '1CEBFBEE#0144', '1CEBFBEE#0230', '1CECEEFB#1102', '1CEBFBEE#0330', '1CEBFBEE#0430', '1CECEEFB#1101', '1CEBFBEE#0536', '1CECEEFB#1322']);
  });

  it('up to 8 bytes: one frame padded with 0xFF', () => {
    const f = broadcastFrames(PGN.DI, 0xee, bytes('**'), 5);
    assert.equal(f.length, 1);
    assert.equal(f[0]!.id, 0x18fe6bee);
    assert.deepEqual([...f[0]!.data], [0x2a, 0x2a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  });
});

describe('j1939: decoder passes DI on', () => {
  interface Got {
    t: number;
    sa: number;
    di: DriverIdentification;
  }
  function decode(frames: CanFrame[], dec = new J1939Decoder(undefined)): { got: Got[]; dec: J1939Decoder } {
    const got: Got[] = [];
    dec.decode(fromFrames('v', 'can0', frames), { driverId: (t, sa, d) => got.push({ t, sa, di: d }) });
    return { got, dec };
  }

  it('BAM from the tachograph (SA 0xEE): delivered at its last packet, no DBC needed', () => {
    const { got, dec } = decode(bamFrames(PGN.DI, 0xee, encodeDriverId(A, B), 100));
    assert.deepEqual(got, [{ t: 100 + 5 * 0.05, sa: 0xee, di: di(A, B, 2) }]);
    const c = dec.counters();
    assert.deepEqual([c.driverId, c.badDriverId, c.unknown, c.tp.bam, c.tp.completed], [1, 0, 0, 1, 1]);
  });

  it('RTS/CTS to a requester (e.g. a telematics unit at 0xFB), several CTS windows', () => {
    const { got, dec } = decode(rtsCtsFrames(PGN.DI, 0xee, 0xfb, encodeDriverId(A, B), 0, { perCts: 2 }));
    assert.equal(got.length, 1);
    assert.deepEqual(got[0]!.di, di(A, B, 2));
    assert.equal(dec.counters().tp.rts, 1);
    assert.equal(dec.openSessions, 0);
  });

  it('single frame: no cards', () => {
    const r = new J1939Decoder(undefined);
    const seen: DriverIdentification[] = [];
    r.decode(batchOf([[1, '18FE6BEE#2A2AFFFFFFFFFFFF']]), { driverId: (_t, _sa, d) => seen.push(d) });
    assert.deepEqual(seen, [di('', '', 2)]);
  });

  it('junk: not passed on when neither driver is usable, counted either way, never thrown', () => {
    const dec = new J1939Decoder(undefined);
    const { got } = decode(
      [
        ...bamFrames(PGN.DI, 0xee, Uint8Array.from([0x01, 0x02, 0x03, 0x80, 0x90, 0xa0, 0xb0, 0xc0, 0xd0, 0xe0]), 1), // junk, no '*'
        ...broadcastFrames(PGN.DI, 0xee, hex('FFFFFFFFFFFFFFFF'), 2), // not available
        ...bamFrames(PGN.DI, 0xee, Uint8Array.from([...bytes(`${A}*SE`), 0x07, 0x2a]), 3), // driver 2 junk: driver 1 still passed on
      ],
      dec,
    );
    assert.deepEqual(
      got.map((g) => g.di),
      [di(A, undefined, 2)],
    );
    const c = dec.counters();
    assert.deepEqual([c.driverId, c.badDriverId], [1, 3]);
  });
});
