// Frame formats: extended ids (bit 31 of DBC ids), VFrameFormat (CAN FD, J1939), 64-byte FD payloads,
// short frames.
import { strict as assert } from 'node:assert';
import { DecodeStatus, parseDbc } from '../../edge/dbc/index.js';
import { loadFixture } from './helpers.js';

describe('dbc: ids and frame formats', () => {
  it('bit 31 of a DBC id marks a 29-bit id (big_numbers.dbc)', () => {
    const db = loadFixture('cantools/big_numbers.dbc');
    // 2147483705 = 0x80000039
    assert.equal(db.messageById(0x39, true)!.name, 'TheMessage');
    assert.equal(db.messageById(0x39, false), undefined);
    assert.equal(db.messageById(42, false)!.name, 'TheOtherMessage');
    assert.equal(db.messageById(42, true), undefined);
  });

  it('VFrameFormat decides CAN FD; the extended flag comes from the id (fd_test.dbc)', () => {
    const db = loadFixture('cantools/fd_test.dbc');
    const f = (n: string): [boolean, boolean] => [db.messageByName(n)!.fd, db.messageByName(n)!.extended];
    assert.deepEqual(f('TestMsg_FDEx'), [true, true]);
    assert.deepEqual(f('TestMsg_FDStd'), [true, false]);
    assert.deepEqual(f('TestMsg_Std'), [false, false]);
    assert.deepEqual(f('TestMsg_Ex'), [false, true]);
  });

  it('J1939PG from an attribute or its default, and an INT-typed VFrameFormat', () => {
    const j = loadFixture('cantools/j1939.dbc');
    assert.equal(j.messageByName('Message1')!.j1939, true);
    assert.equal(j.messageByName('Message2')!.j1939, true); // BA_DEF_DEF_ "VFrameFormat" "J1939PG"
    assert.equal(j.messageByName('Message1')!.signals[0]!.spn, 500);
    const i = loadFixture('cantools/vframeformat_int.dbc');
    assert.equal(i.messageByName('TestMsg_J1939')!.j1939, true); // default 3
    assert.equal(i.messageByName('TestMsg_Std')!.j1939, false); // 0
  });

  it('64-byte CAN FD payloads: signals in the last bytes, both orders; short frames give NaN and TRUNCATED', () => {
    // Tail 496|16@1+ = bytes 62..63 little-endian; TailM 487|16@0+ = bytes 60..61 big-endian.
    const db = parseDbc('BO_ 1 Big: 64 X\n SG_ Tail : 496|16@1+ (1,0) [0|0] "" X\n SG_ TailM : 487|16@0+ (1,0) [0|0] "" X\n', 'fd.dbc');
    const m = db.messageById(1, false)!;
    const data = new Uint8Array(64);
    data.set([0x12, 0x34, 0x78, 0x56], 60);
    assert.deepEqual(m.decodeObject(data), { Tail: 0x5678, TailM: 0x1234 });
    const out = new Float64Array(2);
    assert.equal(m.decode(data, 0, 62, out), DecodeStatus.TRUNCATED);
    assert.ok(Number.isNaN(out[0]!));
    assert.equal(out[1], 0x1234);
  });

  it('a short frame never reads the next frame\'s bytes', () => {
    const m = loadFixture('cantools/motohawk.dbc').messageByName('ExampleMessage')!;
    const buf = new Uint8Array([0xc0, 0xff, 0xff]); // frame of 1 byte followed by another frame's bytes
    const out = new Float64Array(3);
    assert.equal(m.decode(buf, 0, 1, out), DecodeStatus.TRUNCATED);
    assert.ok(Number.isNaN(out[m.signal('Temperature')!.index]!)); // needs 3 bytes
    assert.equal(out[m.signal('Enable')!.index], 1);
  });

  it('hyundai_canfd.dbc: 32-byte messages without VFrameFormat decode past byte 8', () => {
    const db = loadFixture('opendbc/hyundai_canfd.dbc', { strict: false }); // overlapping ZEROS_ fillers
    const long = db.messages.filter((m) => m.length > 8);
    assert.ok(long.length > 10);
    const m = long.find((x) => x.signals.some((s) => s.bytesNeeded > 16))!;
    const s = m.signals.find((x) => x.bytesNeeded > 16)!;
    const data = new Uint8Array(m.length).fill(0xff);
    const out = new Float64Array(m.signals.length);
    m.decode(data, 0, m.length, out);
    const allOnes = s.signed ? -1 : 2 ** s.length - 1;
    assert.ok(Math.abs(out[s.index]! - (allOnes * s.factor + s.offset)) < 1e-9 * Math.max(1, Math.abs(out[s.index]!)));
  });
});
